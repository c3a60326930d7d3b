package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerException;
import dev.hako.ContainerProcess;
import dev.hako.Mount;
import dev.hako.Network;
import dev.hako.testing.JvmResources;
import dev.hako.testing.HostnameFetch;
import dev.hako.testing.KernelTest;
import dev.hako.testing.TestBridges;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bridge networking on the real kernel, on bridges of the test's own (never hako0, never
 * the host's uplink): containers reach each other by address, a published port answers
 * the test JVM on 127.0.0.1 and on the bridge's address, and nothing is left behind.
 */
@KernelTest
class BridgeNetworkIT {
    private static final Network.Bridge NET = Network.bridge().named("hktb0").subnet("10.231.0.0/24");
    /** Retries a request until the server inside has started listening. */
    private static final String FETCH = "for i in $(seq 1 100); do wget -q -O - http://%s/hostname && exit 0;"
            + " sleep 0.05; done; exit 1";

    @AfterAll
    static void removeTheTestsBridges() throws Exception {
        TestBridges.remove(List.of("hktb0", "hktb1", "hktb2", "hktb3"));
    }

    @Test
    void containersOnOneBridgeReachEachOtherAndHaveTheirLeasedAddressAndDefaultRoute() throws Exception {
        try (Container a = builder().hostname("web-a").network(NET)
                .command("httpd", "-f", "-p", "80", "-h", "/etc").build()) {
            ContainerProcess server = a.start();
            InetAddress address = server.ipAddress().orElseThrow();
            assertTrue(address.getHostAddress().startsWith("10.231.0."), address.toString());
            String out = ok(builder().network(NET).command("/bin/sh", "-c",
                    "ip -o -4 addr show eth0; ip route; " + FETCH.formatted(address.getHostAddress())).run());
            List<String> lines = out.lines().toList();
            assertTrue(lines.get(0).matches(".*inet 10\\.231\\.0\\.\\d+/24.*"), out);
            assertTrue(out.contains("default via 10.231.0.1 dev eth0"), out);
            assertEquals("web-a", lines.getLast(), out);
        }
    }

    /** Someone deletes the bridge while the JVM runs (ip link del): the next start makes it again. */
    @Test
    void aBridgeRemovedBehindTheJvmsBackIsMadeAgain() throws Exception {
        Network.Bridge net = Network.bridge().named("hktb9").subnet("10.242.0.0/24");
        try {
            assertTrue(ok(builder().network(net).command("/bin/sh", "-c", "ip -o -4 addr show eth0").run())
                    .contains("10.242.0."));
            Process del = new ProcessBuilder("ip", "link", "del", "hktb9").redirectErrorStream(true).start();
            assertEquals(0, del.waitFor(), new String(del.getInputStream().readAllBytes()));
            assertTrue(ok(builder().network(net).command("/bin/sh", "-c", "ip -o -4 addr show eth0").run())
                    .contains("10.242.0."), "a start after the bridge was deleted");
        } finally {
            TestBridges.remove(List.of("hktb9"));
        }
    }

    @Test
    void aPublishedPortAnswersOnLoopbackAndOnTheBridgeAddress() throws Exception {
        try (Container web = builder().hostname("published").network(NET).publish("0:80")
                .command("httpd", "-f", "-p", "80", "-h", "/etc").build()) {
            ContainerProcess p = web.start();
            int port = p.hostPort(80);
            assertTrue(port > 0, p.ports().toString());
            assertEquals("published", HostnameFetch.from(InetAddress.getLoopbackAddress(), port));
            assertEquals("published", HostnameFetch.from(InetAddress.getByName("10.231.0.1"), port));
        }
    }

    @Test
    void onAnIsolatedBridgeContainersReachTheHostButNotEachOther() throws Exception {
        Network.Bridge isolated = Network.bridge().named("hktb3").subnet("10.235.0.0/24").isolated(true);
        try (Container a = builder().hostname("alone").network(isolated)
                .command("httpd", "-f", "-p", "80", "-h", "/etc").build();
             ServerSocket onTheHost = new ServerSocket()) {
            ContainerProcess server = a.start();
            String address = server.ipAddress().orElseThrow().getHostAddress();
            onTheHost.bind(new InetSocketAddress(InetAddress.getByName("10.235.0.1"), 0));
            Thread.ofVirtual().start(() -> {
                try (Socket s = onTheHost.accept()) {
                    s.getOutputStream().write("HTTP/1.0 200 OK\r\n\r\nthe host\n".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // the test fails on the container's side
                }
            });
            String out = ok(builder().network(isolated).command("/bin/sh", "-c",
                    "wget -q -O - http://10.235.0.1:" + onTheHost.getLocalPort() + "/; "
                            + "if nc -w 2 " + address + " 80 </dev/null; then echo reached; else echo isolated; fi").run());
            assertEquals(List.of("the host", "isolated"), out.lines().toList(), out);
            // Control: the same two on a bridge that is not isolated reach each other.
            assertEquals("web-a", reachAcross());
        }
    }

    /** A server and a client on the test's non-isolated bridge: the client's fetch of the server's hostname. */
    private static String reachAcross() throws Exception {
        try (Container a = builder().hostname("web-a").network(NET)
                .command("httpd", "-f", "-p", "80", "-h", "/etc").build()) {
            String address = a.start().ipAddress().orElseThrow().getHostAddress();
            return ok(builder().network(NET).command("/bin/sh", "-c", FETCH.formatted(address)).run()).strip();
        }
    }

    @Test
    void aPublishedUdpPortCarriesDatagramsFromTheHostToTheContainer() throws Exception {
        Path echo = StaticPrograms.binary("udp-echo");
        try (Container c = builder().network(NET).publish("0:5353/udp").mount(Mount.bind(echo, "/udp-echo").readOnly())
                .command("/udp-echo", "5353").build();
             java.net.DatagramSocket client = new java.net.DatagramSocket()) {
            client.setSoTimeout(100);
            ContainerProcess p = c.start();
            int port = p.ports().getFirst().host().getPort();
            assertEquals("udp", p.ports().getFirst().protocol());
            java.util.concurrent.CompletableFuture<String> received = new java.util.concurrent.CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    received.complete(new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                            StandardCharsets.UTF_8)).readLine());
                } catch (IOException e) {
                    received.completeExceptionally(e);
                }
            });
            byte[] datagram = "over udp\n".getBytes(StandardCharsets.US_ASCII);
            java.net.DatagramPacket reply = new java.net.DatagramPacket(new byte[64], 64);
            boolean answered = false;
            for (int i = 0; i < 100 && !answered; i++) { // until the server inside listens
                client.send(new java.net.DatagramPacket(datagram, datagram.length, InetAddress.getLoopbackAddress(), port));
                try {
                    client.receive(reply);
                    answered = true;
                } catch (java.net.SocketTimeoutException e) {
                    // not listening yet
                }
            }
            assertTrue(answered, "no reply through the published UDP port " + port);
            assertEquals("over udp\n", new String(reply.getData(), 0, reply.getLength(), StandardCharsets.US_ASCII),
                    "the container's reply came back through the forwarder");
            assertEquals("over udp", received.get(10, java.util.concurrent.TimeUnit.SECONDS));
        }
    }

    @Test
    void closeLeavesNoVethNoLeaseAndFreesThePort() throws Exception {
        int port;
        String veth;
        String id;
        try (Container c = builder().network(NET).publish("0:80").command("sleep", "60").build()) {
            ContainerProcess p = c.start();
            id = c.id();
            port = p.hostPort(80);
            assertTrue(nftRules().contains("container=" + id + " "), "a DNAT rule names the container: " + nftRules());
            veth = "hkv" + p.pid();
            assertTrue(links().contains(veth), links().toString());
            assertFalse(leases("hktb0").isEmpty());
        }
        awaitGone(veth); // with the network namespace, which the kernel tears down in the background
        assertEquals(List.of(), leases("hktb0"));
        assertFalse(nftRules().contains("container=" + id + " "), "the container's DNAT rules are gone: " + nftRules());
        try (ServerSocket again = new ServerSocket(port)) {
            assertEquals(port, again.getLocalPort());
        }
    }

    @Test
    void aHostPortAlreadyTakenFailsTheStartAndLeavesNothing() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            int port = taken.getLocalPort();
            List<String> before = links();
            try (Container c = builder().network(NET).publish(port + ":80").command("true").build()) {
                String m = assertThrows(ContainerException.class, c::start).getMessage();
                assertTrue(m.contains(Integer.toString(port)), m);
            }
            assertEquals(before, links());
            assertEquals(List.of(), leases("hktb0"));
        }
    }

    @Test
    void badBridgeOptionsAreRefusedAtBuild() {
        String name = assertThrows(IllegalArgumentException.class, () -> builder()
                .network(Network.bridge().named("no/slash")).command("true").build()).getMessage();
        assertTrue(name.contains("no/slash"), name);
        String subnet = assertThrows(IllegalArgumentException.class, () -> builder()
                .network(NET.subnet("10.0.0.300/24")).command("true").build()).getMessage();
        assertTrue(subnet.contains("10.0.0.300/24"), subnet);
        String ports = assertThrows(IllegalArgumentException.class, () -> builder()
                .network(Network.none()).publish("8080:80").command("true").build()).getMessage();
        assertTrue(ports.contains("Network.bridge()"), ports);
        String range = assertThrows(IllegalArgumentException.class, () -> builder()
                .publish("70000:80").command("true").build()).getMessage();
        assertTrue(range.contains("70000"), range);
    }

    @Test
    void aSubnetThatOverlapsAHostRouteIsRefusedNamingIt() throws Exception {
        run("ip", "link", "add", "hktdum0", "type", "veth", "peer", "name", "hktdum1"); // no dummy driver here
        try {
            run("ip", "addr", "add", "10.233.5.1/24", "dev", "hktdum0");
            run("ip", "link", "set", "hktdum0", "up");
            try (Container c = builder().network(Network.bridge().named("hktb1").subnet("10.233.0.0/16"))
                    .command("true").build()) {
                String m = assertThrows(ContainerException.class, c::start).getMessage();
                assertTrue(m.contains("hktdum0"), m);
            }
            assertFalse(links().contains("hktb1"), "no bridge was made");
        } finally {
            run("ip", "link", "del", "hktdum0");
        }
    }

    @Test
    void manyContainersInARowAndAtOnceGetDistinctAddressesAndLeaveNothing() throws Exception {
        Network.Bridge net = Network.bridge().named("hktb2").subnet("10.234.0.0/24");
        ok(builder().network(net).command("true").run()); // the bridge exists before the snapshot
        JvmResources before = JvmResources.snapshot();
        List<String> linksBefore = links();
        for (int i = 0; i < 200; i++) {
            ok(builder().network(net).command("true").run());
        }
        Set<String> seen = new HashSet<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                Callable<String> task = () -> ok(builder().network(net)
                        .command("/bin/sh", "-c", "ip -o -4 addr show eth0; sleep 0.3").run());
                results.add(pool.submit(task));
            }
            for (Future<String> f : results) {
                String address = f.get().replaceAll("(?s).*inet (10\\.234\\.0\\.\\d+)/24.*", "$1").strip();
                assertTrue(seen.add(address), "address " + address + " handed out twice: " + seen);
            }
        }
        assertEquals(50, seen.size());
        JvmResources.assertNoLeakSince(before);
        for (String link : links()) {
            if (!linksBefore.contains(link)) {
                awaitGone(link);
            }
        }
        assertEquals(List.of(), leases("hktb2"));
    }


    /** Waits (up to 30 s) until the kernel has removed {@code link}: a veth goes with its namespace, in the background. */
    private static void awaitGone(String link) throws Exception {
        for (int i = 0; i < 600 && links().contains(link); i++) {
            Thread.sleep(50);
        }
        assertFalse(links().contains(link), link + " is still there: " + links());
    }

    private static List<String> links() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/sys/class/net"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static List<String> leases(String bridge) throws IOException {
        Path dir = Path.of("/run/hako/networks", bridge);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        }
    }

    /** hako's nftables table as nft lists it (rules carry their owner in a comment), or "" without one. */
    private static String nftRules() throws Exception {
        Process p = new ProcessBuilder("nft", "list", "table", "ip", "hako").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() == 0 ? out : "";
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).inheritIO().start();
        assertEquals(0, p.waitFor(), String.join(" ", command));
    }
}
