package dev.hako.spawn;

import dev.hako.net.BridgeAttachment;
import dev.hako.net.Ipv4Address;
import dev.hako.net.NetworkPlan;
import dev.hako.net.PortMapping;
import dev.hako.net.Protocol;
import dev.hako.net.ReservedPort;
import dev.hako.net.SlirpNetwork;
import dev.hako.net.SlirpOptions;
import dev.hako.net.SlirpPort;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A started container's network beyond its loopback: its place on a bridge, or its
 * user-mode helper; none for {@code none}, {@code host} and a joined network. Made while the
 * child mounts, released when the container is.
 */
final class ContainerNetwork implements AutoCloseable {
    private static final java.net.InetAddress ALL_IPV4 = Ipv4Address.parse("0.0.0.0").toInetAddress();
    /** One of the two is set. */
    private final BridgeAttachment bridge;
    private final SlirpNetwork slirp;

    private ContainerNetwork(BridgeAttachment bridge, SlirpNetwork slirp) {
        this.bridge = bridge;
        this.slirp = slirp;
    }

    /**
     * Binds the host ports a bridge network publishes, before anything else of a start is
     * made: a port another process holds fails the start there.
     */
    static List<ReservedPort> reservePorts(NetworkPlan plan) throws IOException {
        if (!(plan instanceof NetworkPlan.Bridged b)) {
            return List.of();
        }
        List<ReservedPort> reserved = new ArrayList<>();
        try {
            for (PortMapping m : b.ports()) {
                reserved.add(ReservedPort.reserve(m));
            }
            return reserved;
        } catch (IOException | RuntimeException e) {
            closeAll(reserved, e);
            throw e;
        }
    }

    /** The nameservers the plan's {@code dns(...)} names; empty for the host's. */
    static List<String> dnsServers(NetworkPlan plan) {
        return switch (plan) {
            case NetworkPlan.Bridged b -> b.dns();
            case NetworkPlan.UserMode u -> u.dns().isEmpty() ? List.of(SlirpNetwork.DNS) : u.dns();
            default -> List.of();
        };
    }

    /** Attaches child {@code pid} as its plan says; null when the plan needs nothing from the parent. */
    static ContainerNetwork attach(LaunchConfig config, List<ReservedPort> reserved, long pid, int pidfd)
            throws IOException {
        return switch (config.network()) {
            case NetworkPlan.Bridged b -> new ContainerNetwork(BridgeAttachment.attach(b, reserved, pid, pidfd,
                    config.id()), null);
            case NetworkPlan.UserMode u -> new ContainerNetwork(null, SlirpNetwork.start(pid, pidfd, slirpOptions(u)));
            default -> null;
        };
    }

    private static SlirpOptions slirpOptions(NetworkPlan.UserMode plan) {
        SlirpOptions options = SlirpOptions.defaults();
        for (PortMapping m : plan.ports()) {
            SlirpPort port = m.protocol() == Protocol.UDP ? SlirpPort.udp(m.hostPort(), m.containerPort())
                    : SlirpPort.tcp(m.hostPort(), m.containerPort());
            options = options.publish(m.allAddresses() ? port : port.onHost(m.hostAddress()));
        }
        return options;
    }

    /** The container's own address on its network, if it has one beyond loopback. */
    Optional<Ipv4Address> address() {
        return Optional.of(bridge != null ? bridge.address() : Ipv4Address.of(slirp.address()));
    }

    /** The ports published, with the host port chosen where 0 was asked for. */
    List<PortMapping> published() {
        if (bridge != null) {
            return bridge.published();
        }
        return slirp.published().stream().map(p -> new PortMapping(
                p.port().protocol() == SlirpPort.Protocol.UDP ? Protocol.UDP : Protocol.TCP,
                p.port().host().map(a -> (java.net.InetAddress) a).orElse(ALL_IPV4), p.hostPort(),
                p.port().containerPort())).toList();
    }

    @Override
    public void close() throws IOException {
        if (bridge != null) {
            bridge.close();
        } else {
            slirp.close();
        }
    }

    /** After a failed start: what was made of the network, or only the reserved ports. */
    static void closeAfterFailure(ContainerNetwork network, List<ReservedPort> reserved, Exception failure) {
        if (network != null) {
            try {
                network.close();
            } catch (IOException | RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
        closeAll(reserved, failure);
    }

    private static void closeAll(List<ReservedPort> ports, Exception failure) {
        for (ReservedPort p : ports) {
            try {
                p.close();
            } catch (IOException | RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
    }
}
