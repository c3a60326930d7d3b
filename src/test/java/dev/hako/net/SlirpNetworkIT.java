package dev.hako.net;

import dev.hako.testing.ChildJvm;
import dev.hako.testing.JvmResources;
import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * slirp4netns and pasta attached, by a root JVM, to network namespaces the tests make with
 * {@code unshare}: the tap device configured inside, published TCP and UDP ports reaching
 * servers inside from the host's 127.0.0.1, host loopback closed unless allowed, and nothing
 * left after close, after a failure, or after the JVM dies. (As a plain user:
 * {@link SlirpRootlessIT}.) No packet goes anywhere but this machine: the only outbound
 * connection is slirp4netns's to the host's loopback, and with host loopback disabled that
 * connection is refused by slirp4netns itself, not sent out.
 */
@KernelTest
class SlirpNetworkIT {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void slirp4netnsConfiguresTheTapDeviceOfANamespaceWithoutUserNamespace() throws Exception {
        try (SlirpTestNamespace ns = SlirpTestNamespace.create(false)) {
            long helperPid;
            try (SlirpNetwork net = SlirpNetwork.start(ns.pid(), ns.pidfd,
                    SlirpOptions.defaults().withHelper(SlirpHelper.SLIRP4NETNS))) {
                helperPid = net.helperPid();
                assertEquals("10.0.2.100/24 UP", SlirpChecks.tapAddress(ns));
                assertEquals("10.0.2.2 dev tap0", SlirpChecks.defaultGateway(ns));
                assertEquals("10.0.2.3", net.dnsServer().getHostAddress());
                assertEquals("nameserver 10.0.2.3\n", net.resolvConf());
                assertTrue(net.isAlive());
                System.out.println("slirp4netns ready in " + net.readyTime().toNanos() / 1e6 + " ms");
            }
            assertTrue(SlirpChecks.exited(helperPid), "slirp4netns " + helperPid + " still runs after close");
        }
    }

    @ParameterizedTest
    @EnumSource(SlirpHelper.class)
    void publishedTcpAndUdpPortsReachServersInside(SlirpHelper helper) throws Exception {
        SlirpPort tcp = SlirpPort.tcp(0, 8080).onHost(LOOPBACK);
        SlirpPort udp = SlirpPort.udp(0, 5353).onHost(LOOPBACK);
        try (SlirpTestNamespace ns = SlirpTestNamespace.create(true)) {
            long helperPid;
            try (SlirpNetwork net = SlirpNetwork.start(ns.pid(), ns.pidfd,
                    SlirpOptions.defaults().withHelper(helper).publish(tcp).publish(udp))) {
                helperPid = net.helperPid();
                System.out.println(helper + " ready in " + net.readyTime().toNanos() / 1e6 + " ms: " + net);
                assertEquals("10.0.2.100/24 UP", SlirpChecks.tapAddress(ns), "right after start");
                assertEquals("10.0.2.2 dev tap0", SlirpChecks.defaultGateway(ns));
                int tcpPort = net.hostPort(tcp);
                int udpPort = net.hostPort(udp);
                assertNotEquals(0, tcpPort);
                assertNotEquals(0, udpPort);
                assertEquals(List.of(new SlirpNetwork.Published(tcp, tcpPort), new SlirpNetwork.Published(udp, udpPort)),
                        net.published());
                // The port reported is the one the helper holds: the JVM cannot bind it now.
                try (ServerSocket s = new ServerSocket()) {
                    s.setReuseAddress(false);
                    assertThrows(BindException.class, () -> s.bind(new InetSocketAddress(LOOPBACK, tcpPort)));
                }

                SlirpExchange t = SlirpExchange.run(ns, Protocol.TCP, 8080, tcpPort);
                assertEquals("echo:ping", t.reply(), "TCP through " + helper);
                assertTrue(t.serverSaw().startsWith("got:ping"), t.serverSaw());
                // In only: replies to the host's loopback are lost by both (see SlirpNetwork), the next test has them.
                SlirpExchange u = SlirpExchange.run(ns, Protocol.UDP, 5353, udpPort);
                assertTrue(u.serverSaw().startsWith("got:ping"), "UDP through " + helper + ": " + u);
            }
            assertTrue(SlirpChecks.exited(helperPid), helper + " " + helperPid + " still runs after close");
        }
    }

    @Test
    void slirp4netnsAnswersAUdpClientOnTheHostsLoopbackWhenHostLoopbackIsAllowed() throws Exception {
        SlirpPort udp = SlirpPort.udp(0, 5353).onHost(LOOPBACK);
        try (SlirpTestNamespace ns = SlirpTestNamespace.create(true);
                SlirpNetwork net = SlirpNetwork.start(ns.pid(), ns.pidfd, SlirpOptions.defaults()
                        .withHelper(SlirpHelper.SLIRP4NETNS).withHostLoopback(true).publish(udp))) {
            SlirpExchange u = SlirpExchange.run(ns, Protocol.UDP, 5353, net.hostPort(udp));
            assertEquals("echo:ping", u.reply(), u.toString());
            assertTrue(u.serverSaw().startsWith("got:ping from /10.0.2.2:"), u.serverSaw());
        }
    }

    @Test
    void slirp4netnsKeepsTheHostLoopbackClosedUnlessAllowed() throws Exception {
        try (ServerSocket hostOnly = new ServerSocket(0, 5, LOOPBACK)) {
            hostOnly.setSoTimeout(15_000);
            int port = hostOnly.getLocalPort();
            // Allowed: the gateway leads to the host's 127.0.0.1 (the control: the check below can fail).
            try (SlirpTestNamespace ns = SlirpTestNamespace.create(true);
                    SlirpNetwork net = SlirpNetwork.start(ns.pid(), ns.pidfd, SlirpOptions.defaults()
                            .withHelper(SlirpHelper.SLIRP4NETNS).withHostLoopback(true))) {
                Process nc = ns.start(List.of("sh", "-c", "echo hello | busybox nc -w 5 10.0.2.2 " + port));
                try (Socket s = hostOnly.accept()) {
                    s.setSoTimeout(15_000);
                    assertEquals("hello", new BufferedReader(new InputStreamReader(s.getInputStream(),
                            StandardCharsets.UTF_8)).readLine());
                }
                nc.waitFor(30, TimeUnit.SECONDS);
            }
            // The default: refused.
            try (SlirpTestNamespace ns = SlirpTestNamespace.create(true);
                    SlirpNetwork net = SlirpNetwork.start(ns.pid(), ns.pidfd,
                            SlirpOptions.defaults().withHelper(SlirpHelper.SLIRP4NETNS))) {
                Process nc = ns.start(List.of("sh", "-c", "echo hello | busybox nc -w 5 10.0.2.2 " + port));
                assertTrue(nc.waitFor(30, TimeUnit.SECONDS), "nc did not give up");
                assertNotEquals(0, nc.exitValue(), "nc reached the host's loopback");
                hostOnly.setSoTimeout(500);
                assertThrows(SocketTimeoutException.class, hostOnly::accept, "a connection reached the host's loopback");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(SlirpHelper.class)
    void closeLeavesNoProcessDescriptorThreadOrFile(SlirpHelper helper) throws Exception {
        try (SlirpTestNamespace ns = SlirpTestNamespace.create(true)) {
            warmUp(ns, helper);
            List<Long> children = SlirpChecks.children();
            var directories = SlirpChecks.privateDirectories();
            JvmResources before = JvmResources.snapshot();
            SlirpNetwork net = SlirpNetwork.start(ns.pid(), ns.pidfd, SlirpOptions.defaults().withHelper(helper)
                    .publish(SlirpPort.tcp(0, 80).onHost(LOOPBACK)));
            long helperPid = net.helperPid();
            assertEquals(directories, SlirpChecks.privateDirectories(), "the API socket is gone once the ports are published");
            net.close();
            net.close();
            assertTrue(SlirpChecks.exited(helperPid), helper + " still runs");
            assertEquals(children, SlirpChecks.children());
            JvmResources.assertNoLeakSince(before);
            assertEquals(directories, SlirpChecks.privateDirectories());
        }
    }

    @ParameterizedTest
    @EnumSource(SlirpHelper.class)
    void aHostPortTakenFailsNamingItAndLeavesNothing(SlirpHelper helper) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, LOOPBACK);
                SlirpTestNamespace ns = SlirpTestNamespace.create(true)) {
            warmUp(ns, helper);
            List<Long> children = SlirpChecks.children();
            var directories = SlirpChecks.privateDirectories();
            JvmResources before = JvmResources.snapshot();
            SlirpPort port = SlirpPort.tcp(taken.getLocalPort(), 80).onHost(LOOPBACK);
            IOException e = assertThrows(IOException.class, () -> SlirpNetwork.start(ns.pid(), ns.pidfd,
                    SlirpOptions.defaults().withHelper(helper).publish(port)));
            System.out.println(helper + ": " + e.getMessage());
            assertTrue(e.getMessage().contains(Integer.toString(taken.getLocalPort())), e.getMessage());
            assertEquals(children, SlirpChecks.children());
            JvmResources.assertNoLeakSince(before);
            assertEquals(directories, SlirpChecks.privateDirectories());
        }
    }

    @Test
    void pastaAsRootCannotJoinANamespaceWithoutUserNamespaceAndSaysWhy() throws Exception {
        try (SlirpTestNamespace ns = SlirpTestNamespace.create(false)) {
            List<Long> children = SlirpChecks.children();
            IOException e = assertThrows(IOException.class, () -> SlirpNetwork.start(ns.pid(), ns.pidfd,
                    SlirpOptions.defaults().withHelper(SlirpHelper.PASTA)));
            assertTrue(e.getMessage().contains("pasta failed before it had configured the namespace"), e.getMessage());
            assertTrue(e.getMessage().contains("Couldn't open user namespace /proc/" + ns.pid() + "/ns/user"),
                    "pasta's own words: " + e.getMessage());
            assertEquals(children, SlirpChecks.children());
        }
    }

    @Test
    void aProcessInTheHostsNetworkNamespaceIsRefused() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "600").start();
        int pidfd = dev.hako.linux.Libc.pidfdOpen(sleeper.pid());
        try {
            List<Long> children = SlirpChecks.children();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SlirpNetwork.start(sleeper.pid(), pidfd, SlirpOptions.defaults()));
            assertTrue(e.getMessage().contains("this JVM's own network namespace"), e.getMessage());
            assertEquals(children, SlirpChecks.children(), "no helper was started");
        } finally {
            dev.hako.linux.Libc.closeQuietly(pidfd);
            sleeper.destroyForcibly();
            sleeper.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aProcessThatHasExitedIsRefused() throws Exception {
        try (SlirpTestNamespace ns = SlirpTestNamespace.create(true)) {
            ns.holder.destroyForcibly();
            ns.holder.waitFor(10, TimeUnit.SECONDS); // reaped: its pid may be anyone's now, its pidfd still names it
            List<Long> children = SlirpChecks.children();
            assertThrows(IOException.class, () -> SlirpNetwork.start(ns.pid(), ns.pidfd, SlirpOptions.defaults()));
            assertEquals(children, SlirpChecks.children());
        }
    }

    @Test
    void slirp4netnsEndsWhenTheJvmIsKilled() throws Exception {
        Process jvm = new ProcessBuilder(ChildJvm.command(SlirpProbe.class, "hold", "SLIRP4NETNS"))
                .redirectErrorStream(true).start();
        jvm.getOutputStream().close();
        Map<String, String> seen = new HashMap<>();
        ProcessHandle holder = null;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.equals("ready")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    seen.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            assertEquals("ready", line, "the child JVM: " + seen);
            holder = ProcessHandle.of(Long.parseLong(seen.get("namespace"))).orElseThrow();
            long helperPid = Long.parseLong(seen.get("helper"));
            assertFalse(SlirpChecks.exited(helperPid));
            jvm.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
            jvm.waitFor(30, TimeUnit.SECONDS);
            assertTrue(SlirpChecks.awaitExit(helperPid), "slirp4netns " + helperPid + " outlived the JVM");
        } finally {
            jvm.destroyForcibly();
            if (holder != null) {
                holder.destroyForcibly(); // the namespace's sleep, orphaned with the JVM
            }
        }
    }

    /** Once per JVM, the JDK keeps what it opens on first use (/dev/urandom for temporary names, a socket). */
    private static void warmUp(SlirpTestNamespace ns, SlirpHelper helper) throws IOException {
        SlirpNetwork.start(ns.pid(), ns.pidfd, SlirpOptions.defaults().withHelper(helper)
                .publish(SlirpPort.tcp(0, 80).onHost(LOOPBACK))).close();
    }
}
