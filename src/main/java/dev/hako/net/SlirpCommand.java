package dev.hako.net;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command lines of the helpers, a pure function of the options so that unit tests can
 * read them. Both helpers give the namespace the same network, so that a container sees
 * the same addresses whichever runs: {@value #INTERFACE} with {@value #ADDRESS}/{@value
 * #PREFIX_LENGTH}, the gateway {@value #GATEWAY} and a DNS forwarder at {@value #DNS}
 * (slirp4netns's defaults; pasta is told them, instead of copying the host's addresses).
 *
 * <p>Both run in the foreground as the JVM's child, with the descriptors {@code
 * ProcessBuilder} can give: stdin, stdout and stderr.
 * <ul>
 *   <li>slirp4netns: stdin is {@code --exit-fd} (a pipe from the JVM: it exits when the
 *       JVM closes it or dies), stdout is {@code --ready-fd} (it writes "1" and closes it
 *       when the tap device, addresses, routes and API socket are ready), stderr its log.
 *       {@code --enable-sandbox --enable-seccomp}, as podman runs it: it parses the
 *       container's packets, so it gets a mount namespace with only /etc and /run, no
 *       capabilities and a syscall filter. (The sandbox wants /etc/resolv.conf to be a file
 *       or a link into /etc or /run; otherwise slirp4netns says so and the start fails with
 *       its message.)</li>
 *   <li>pasta: {@code --foreground} (it would otherwise daemonize and no longer be ours),
 *       {@code --pid /dev/stdout}: it writes its pid, on a line, to that file once set up,
 *       so the line on stdout is the readiness signal and no pid file is left anywhere.
 *       {@code --quiet} keeps stderr for errors. No port is forwarded but those published
 *       ({@code -t}/{@code -u}: its default is every port bound inside), and none from the
 *       namespace to the host ({@code -T none -U none}: its default would let the container
 *       reach every port bound on the host's loopback). IPv4 only ({@code -4}), like
 *       slirp4netns without {@code --enable-ipv6}.</li>
 * </ul>
 */
final class SlirpCommand {
    /** The tap device in the namespace. */
    static final String INTERFACE = "tap0";
    /** The namespace's address on it. */
    static final String ADDRESS = "10.0.2.100";
    static final int PREFIX_LENGTH = 24;
    /** The gateway: the host, as seen from inside. */
    static final String GATEWAY = "10.0.2.2";
    /** Where the helper answers DNS queries, forwarding them to the host's resolvers. */
    static final String DNS = "10.0.2.3";
    private static final String CIDR = "10.0.2.0/24";

    private SlirpCommand() {
    }

    /** slirp4netns attached to {@code pid}'s namespaces, its API socket at {@code apiSocket} (null: none). */
    static List<String> slirp4netns(Path program, long pid, SlirpOptions options, Path apiSocket) {
        List<String> cmd = new ArrayList<>(List.of(program.toString(), "--configure", "--mtu=" + options.mtu(),
                "--cidr=" + CIDR));
        if (!options.allowHostLoopback()) {
            cmd.add("--disable-host-loopback");
        }
        cmd.addAll(List.of("--enable-sandbox", "--enable-seccomp", "--exit-fd=0", "--ready-fd=1"));
        if (apiSocket != null) {
            cmd.add("--api-socket=" + apiSocket);
        }
        cmd.add(Long.toString(pid));
        cmd.add(INTERFACE);
        return cmd;
    }

    /**
     * pasta attached to {@code pid}'s user and network namespaces, forwarding {@code ports}
     * (all with a concrete host port). {@code asRoot}: the JVM is root, and pasta would
     * change to nobody, who cannot join anything.
     */
    static List<String> pasta(Path program, long pid, SlirpOptions options, List<SlirpPort> ports, boolean asRoot) {
        List<String> cmd = new ArrayList<>(List.of(program.toString(), "--foreground", "--quiet"));
        if (asRoot) {
            cmd.addAll(List.of("--runas", "0:0"));
        }
        cmd.addAll(List.of("--config-net", "--ipv4-only", "--ns-ifname", INTERFACE, "--address", ADDRESS,
                "--netmask", Integer.toString(PREFIX_LENGTH), "--gateway", GATEWAY, "--dns-forward", DNS,
                "--mtu", Integer.toString(options.mtu())));
        if (!options.allowHostLoopback()) {
            cmd.add("--no-map-gw");
        }
        addPortSpecs(cmd, "--tcp-ports", ports, Protocol.TCP);
        addPortSpecs(cmd, "--udp-ports", ports, Protocol.UDP);
        cmd.addAll(List.of("--tcp-ns", "none", "--udp-ns", "none", "--pid", "/dev/stdout", Long.toString(pid)));
        return cmd;
    }

    /** One option per port ({@code [ADDRESS/]HOST:CONTAINER}; a list cannot mix addresses), or "none". */
    private static void addPortSpecs(List<String> cmd, String option, List<SlirpPort> ports, Protocol protocol) {
        boolean any = false;
        for (SlirpPort p : ports) {
            if (p.protocol() != protocol) {
                continue;
            }
            if (p.hostPort() == 0) {
                throw new IllegalArgumentException("pasta needs a concrete host port: " + p);
            }
            String address = p.host().map(a -> a.getHostAddress() + "/").orElse("");
            cmd.add(option);
            cmd.add(address + p.hostPort() + ":" + p.containerPort());
            any = true;
        }
        if (!any) {
            cmd.add(option);
            cmd.add("none");
        }
    }

    /** The slirp4netns API request that publishes {@code port} (a concrete host port). */
    static String addHostForwardRequest(SlirpPort port) {
        if (port.hostPort() == 0) {
            throw new IllegalArgumentException("slirp4netns needs a concrete host port: " + port);
        }
        // Every value is a number, an enum name or a dotted IPv4 literal: nothing to escape.
        return "{\"execute\": \"add_hostfwd\", \"arguments\": {\"proto\": \"" + port.protocol().text()
                + "\", \"host_addr\": \"" + port.hostText() + "\", \"host_port\": " + port.hostPort()
                + ", \"guest_addr\": \"" + ADDRESS + "\", \"guest_port\": " + port.containerPort() + "}}";
    }
}
