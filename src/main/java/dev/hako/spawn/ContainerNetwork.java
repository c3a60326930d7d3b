package dev.hako.spawn;

import dev.hako.net.BridgeAttachment;
import dev.hako.net.Ipv4Address;
import dev.hako.net.NetworkPlan;
import dev.hako.net.PortMapping;
import dev.hako.net.ReservedPort;

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
    private final BridgeAttachment bridge;

    private ContainerNetwork(BridgeAttachment bridge) {
        this.bridge = bridge;
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
            case NetworkPlan.UserMode u -> u.dns();
            default -> List.of();
        };
    }

    /** Attaches child {@code pid} as its plan says; null when the plan needs nothing from the parent. */
    static ContainerNetwork attach(LaunchConfig config, List<ReservedPort> reserved, long pid, int pidfd)
            throws IOException {
        return switch (config.network()) {
            case NetworkPlan.Bridged b -> new ContainerNetwork(BridgeAttachment.attach(b, reserved, pid, pidfd,
                    config.id()));
            case NetworkPlan.UserMode u -> throw new IOException("Network.slirp() is not wired into a start yet");
            default -> null;
        };
    }

    /** The container's own address on its network, if it has one beyond loopback. */
    Optional<Ipv4Address> address() {
        return Optional.of(bridge.address());
    }

    /** The ports published, with the host port chosen where 0 was asked for. */
    List<PortMapping> published() {
        return bridge.published();
    }

    @Override
    public void close() throws IOException {
        bridge.close();
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
