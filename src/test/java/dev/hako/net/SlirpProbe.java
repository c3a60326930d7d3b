package dev.hako.net;

import dev.hako.linux.Kernel;

import java.net.InetAddress;
import java.util.List;

/**
 * Runs in a child JVM: {@code rootless HELPER} as a test user ({@link SlirpRootlessIT}),
 * {@code hold HELPER} for a test that kills this JVM ({@link SlirpNetworkIT}). Prints
 * {@code key=value} lines.
 */
public final class SlirpProbe {
    private SlirpProbe() {
    }

    public static void main(String[] args) throws Exception {
        SlirpHelper helper = SlirpHelper.valueOf(args[1]);
        switch (args[0]) {
            case "rootless" -> rootless(helper);
            case "hold" -> hold(helper);
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.exit(0);
    }

    /** As a plain user: a user namespace owning the netns, the helper attached, TCP and UDP in, nothing left. */
    private static void rootless(SlirpHelper helper) throws Exception {
        put("uid", Long.toString(Kernel.effectiveUid()));
        SlirpPort tcp = SlirpPort.tcp(0, 8080).onHost(InetAddress.getLoopbackAddress());
        SlirpPort udp = SlirpPort.udp(0, 5353).onHost(InetAddress.getLoopbackAddress());
        List<Long> children;
        List<?> directories = SlirpChecks.privateDirectories();
        long helperPid;
        try (SlirpTestNamespace ns = SlirpTestNamespace.create(true)) {
            children = SlirpChecks.children();
            try (SlirpNetwork net = SlirpNetwork.start(ns.pid(), ns.pidfd,
                    SlirpOptions.defaults().withHelper(helper).publish(tcp).publish(udp))) {
                helperPid = net.helperPid();
                put("readyMillis", Double.toString(net.readyTime().toNanos() / 1e6));
                put("tap", SlirpChecks.tapAddress(ns));
                put("gateway", SlirpChecks.defaultGateway(ns));
                put("hostPortNonZero", Boolean.toString(net.hostPort(tcp) != 0 && net.hostPort(udp) != 0));
                SlirpExchange t = SlirpExchange.run(ns, Protocol.TCP, 8080, net.hostPort(tcp));
                put("tcpReply", t.reply());
                put("tcpServerSaw", t.serverSaw());
                SlirpExchange u = SlirpExchange.run(ns, Protocol.UDP, 5353, net.hostPort(udp));
                put("udpReply", u.reply());
                put("udpServerSaw", u.serverSaw());
            }
            put("helperExited", Boolean.toString(SlirpChecks.exited(helperPid)));
            put("childrenAsBefore", Boolean.toString(children.equals(SlirpChecks.children())));
        }
        put("directoriesAsBefore", Boolean.toString(directories.equals(SlirpChecks.privateDirectories())));
    }

    /** Starts a network and waits to be killed: the test checks that the helper dies with this JVM. */
    private static void hold(SlirpHelper helper) throws Exception {
        SlirpTestNamespace ns = SlirpTestNamespace.create(true);
        SlirpNetwork net = SlirpNetwork.start(ns.pid(), ns.pidfd, SlirpOptions.defaults().withHelper(helper));
        put("namespace", Long.toString(ns.pid()));
        put("helper", Long.toString(net.helperPid()));
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(600_000);
    }

    private static void put(String key, String value) {
        System.out.println(key + "=" + String.valueOf(value).replace("\\", "\\\\").replace("\n", "\\n"));
        System.out.flush();
    }
}
