package dev.hako.spawn;

import dev.hako.net.BridgeAttachment;
import dev.hako.net.ContainerDns;
import dev.hako.net.DnsChoice;
import dev.hako.net.DnsSettings;
import dev.hako.net.Ipv4Address;
import dev.hako.net.NetworkPlan;
import dev.hako.net.PortMapping;
import dev.hako.net.Protocol;
import dev.hako.net.ReservedPort;
import dev.hako.net.ResolvConf;
import dev.hako.net.SlirpNetwork;
import dev.hako.net.SlirpOptions;
import dev.hako.net.SlirpPort;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A started container's network beyond its loopback: its place on a bridge, or its
 * user-mode helper; none for {@code none}, {@code host} and a joined network. Made while the
 * child mounts, released when the container is.
 */
final class ContainerNetwork implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ContainerNetwork.class.getName());
    private static final String HOST_RESOLV_CONF = "/etc/resolv.conf";
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

    /**
     * The resolv.conf of a container on a bridge or a user-mode network: the servers of
     * {@code dns(...)}, else the host's that a container can reach there (see
     * {@link ContainerDns}; with slirp, the helper's forwarder); null for the other plans,
     * whose resolv.conf is the host's.
     */
    static String resolvConf(NetworkPlan plan) throws IOException {
        return switch (plan) {
            case NetworkPlan.Bridged b -> bridgeResolvConf(b.dns());
            case NetworkPlan.UserMode u -> new DnsChoice(u.dns().isEmpty() ? List.of(SlirpNetwork.DNS) : u.dns(),
                    List.of(), List.of(), List.of(), Optional.empty()).resolvConf();
            default -> null;
        };
    }

    /** What a bridge container's resolv.conf was chosen from: the host's two files by their times, and dns(...). */
    private record DnsSources(Optional<FileTime> host, Optional<FileTime> resolved, List<String> dns) {
    }

    private record ChosenDns(DnsSources sources, String resolvConf) {
    }

    /** The last choice: the host's files are read and the choice made again only when one of them changes. */
    private static volatile ChosenDns lastDns;

    private static String bridgeResolvConf(List<String> dns) throws IOException {
        DnsSources sources = new DnsSources(modified(HOST_RESOLV_CONF), modified(ContainerDns.RESOLVED_UPSTREAM), dns);
        ChosenDns last = lastDns;
        if (last != null && last.sources().equals(sources)) {
            return last.resolvConf();
        }
        DnsChoice choice = ContainerDns.choose(hostFile(HOST_RESOLV_CONF).orElse(""),
                hostFile(ContainerDns.RESOLVED_UPSTREAM), new DnsSettings(dns, List.of(), List.of()));
        choice.problem().ifPresent(p -> LOG.log(System.Logger.Level.WARNING, "the container's resolv.conf has"
                + " no nameserver: " + p + " (set one with dns(...))"));
        lastDns = new ChosenDns(sources, choice.resolvConf());
        return choice.resolvConf();
    }

    private static Optional<FileTime> modified(String path) {
        try {
            return Optional.of(Files.getLastModifiedTime(Path.of(path)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> hostFile(String path) throws IOException {
        Path p = Path.of(path);
        return Files.isRegularFile(p) ? Optional.of(ResolvConf.readBounded(p)) : Optional.empty();
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
        return slirp.published().stream().map(p -> new PortMapping(p.port().protocol(),
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
