package dev.hako.netlink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hako.linux.linux_h;
import dev.hako.testing.JvmResources;
import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * rtnetlink against the real kernel, entirely inside network namespaces the tests make
 * (a "host" one with a bridge, a "container" one that receives the veth peer as eth0), so
 * the machine's own interfaces are never touched. What the Java side made is checked with
 * its own dumps, with {@code ip -j} run inside the namespace, and with real traffic.
 */
@KernelTest
class RouteNetlinkIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final InetAddress BRIDGE = address("10.200.0.1");
    private static final InetAddress CONTAINER = address("10.200.0.2");
    /** An address of the host namespace outside the bridge's network: reached only through the default route. */
    private static final InetAddress BEYOND = address("10.201.0.1");

    /**
     * The JDK keeps a few descriptors of its own from the first use of NIO sockets on (a
     * socket pair for closing channels); made once before any test counts descriptors.
     */
    @BeforeAll
    static void warmUpTheJdksOwnDescriptors() throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                SocketChannel client = SocketChannel.open(server.getLocalAddress());
                SocketChannel accepted = server.accept()) {
            client.write(ByteBuffer.wrap(new byte[1]));
            accepted.read(ByteBuffer.allocate(1));
        }
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code ip -j ARGS} inside the namespace, parsed. */
    private static JsonNode ipJson(TestNamespace ns, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("nsenter", "--net=" + ns.path(), "ip", "-j"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "ip did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + out);
        return JSON.readTree(out);
    }

    private static Set<String> names(List<Link> links) {
        return links.stream().map(Link::name).collect(Collectors.toCollection(TreeSet::new));
    }

    /** The bridge with its address, up, in the "host" namespace. */
    private static Link bridge(RouteNetlink host) throws IOException {
        Link bridge = host.createBridge("hkt-br0", 0, true);
        host.addAddress("hkt-br0", BRIDGE, 24);
        host.addAddress("lo", BEYOND, 32);
        host.setUp("lo", true);
        return bridge;
    }

    @Test
    void aBridgedVethPairCarriesTrafficBetweenTwoNamespaces() throws Exception {
        try (TestNamespace hostNs = TestNamespace.create(); TestNamespace boxNs = TestNamespace.create();
                RouteNetlink host = RouteNetlink.openIn(hostNs.fd())) {
            Link bridge = bridge(host);
            assertEquals(Optional.of("bridge"), bridge.kind());
            assertTrue(bridge.isUp());

            // step 1: one request
            Optional<Link> echoed = host.createVeth(VethPair.of("hkt-v0", "eth0").peerIn(boxNs.fd())
                    .master(bridge.index()).withUp());
            Link hostEnd = host.requireLink("hkt-v0");
            assertTrue(echoed.isPresent(), "this kernel echoes the new link (NLM_F_ECHO)");
            assertEquals(hostEnd.index(), echoed.get().index());
            assertEquals(hostEnd.linkIndex(), echoed.get().linkIndex());
            assertEquals(Optional.of("veth"), hostEnd.kind());
            assertEquals(bridge.index(), hostEnd.masterIndex());
            assertTrue(hostEnd.isUp());
            assertNotEquals(-1, hostEnd.linkNetnsId(), "the peer is in another namespace");
            assertTrue(host.link("eth0").isEmpty(), "the peer was made in the other namespace only");

            try (RouteNetlink box = RouteNetlink.openIn(boxNs.fd())) {
                Link eth0 = box.requireLink("eth0");
                assertEquals(hostEnd.linkIndex(), eth0.index(), "IFLA_LINK of the host end is the peer's index");
                assertEquals(Optional.of("veth"), eth0.kind());
                assertFalse(eth0.isUp(), "the peer is up only once step 2 brings it up");

                // step 2: one pipelined send
                box.configure(new InterfaceSetup("eth0", CONTAINER, 24, Optional.of(BRIDGE), true));

                List<Address> v4 = box.addresses(linux_h.AF_INET());
                assertTrue(v4.contains(new Address(eth0.index(), CONTAINER, 24, linux_h.RT_SCOPE_UNIVERSE(),
                        Optional.of("eth0"))), v4.toString());
                Route defaultRoute = box.routes(linux_h.AF_INET()).stream()
                        .filter(r -> r.table() == linux_h.RT_TABLE_MAIN() && r.isDefault()).findFirst().orElseThrow();
                assertEquals(Optional.of(BRIDGE), defaultRoute.gateway());
                assertEquals(eth0.index(), defaultRoute.outputIndex());
                assertTrue(box.requireLink("lo").isUp());
                assertTrue(box.requireLink("eth0").isUp());
            }

            // what ip sees in the container's namespace
            JsonNode addr = ipJson(boxNs, "addr", "show", "dev", "eth0");
            JsonNode inet = addr.get(0).get("addr_info").get(0);
            assertEquals("10.200.0.2", inet.get("local").asText());
            assertEquals(24, inet.get("prefixlen").asInt());
            assertTrue(addr.get(0).get("flags").toString().contains("UP"));
            JsonNode route = ipJson(boxNs, "route", "show", "default");
            assertEquals("10.200.0.1", route.get(0).get("gateway").asText());
            assertEquals("eth0", route.get(0).get("dev").asText());
            JsonNode veth = ipJson(hostNs, "link", "show", "dev", "hkt-v0");
            assertEquals("hkt-br0", veth.get(0).get("master").asText());

            // traffic: ICMP across the bridge, and TCP to an address only the default route reaches
            Process ping = new ProcessBuilder("nsenter", "--net=" + boxNs.path(), "busybox", "ping", "-c", "1", "-W", "5",
                    "10.200.0.1").redirectErrorStream(true).start();
            String pingOut = new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(ping.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, ping.exitValue(), pingOut);
            assertTcpWorks(hostNs, boxNs, BEYOND);
            assertTcpWorks(hostNs, boxNs, BRIDGE);
        }
    }

    /** A server socket made in {@code serverNs}, a client made in {@code clientNs}, a round trip of bytes. */
    private static void assertTcpWorks(TestNamespace serverNs, TestNamespace clientNs, InetAddress to) throws Exception {
        try (ServerSocketChannel server = NetworkNamespace.callIn(serverNs.fd(),
                () -> ServerSocketChannel.open().bind(new InetSocketAddress(to, 0)));
                SocketChannel client = NetworkNamespace.callIn(clientNs.fd(), SocketChannel::open)) {
            client.connect(server.getLocalAddress());
            try (SocketChannel accepted = server.accept()) {
                client.write(ByteBuffer.wrap("hello over the bridge".getBytes(StandardCharsets.UTF_8)));
                ByteBuffer in = ByteBuffer.allocate(64);
                while (in.position() < 21) {
                    assertTrue(accepted.read(in) > 0);
                }
                assertEquals("hello over the bridge", new String(in.array(), 0, in.position(), StandardCharsets.UTF_8));
                assertEquals(CONTAINER, ((InetSocketAddress) accepted.getRemoteAddress()).getAddress());
            }
        }
    }

    @Test
    void refusalsNameTheRequestTheErrnoAndTheKernelsMessage() throws Exception {
        try (TestNamespace ns = TestNamespace.create(); RouteNetlink rt = RouteNetlink.openIn(ns.fd())) {
            rt.createBridge("hkt-br0", 1400, false);
            NetlinkException exists = assertThrows(NetlinkException.class, () -> rt.createBridge("hkt-br0", 0, false));
            assertEquals(linux_h.EEXIST(), exists.errno());
            assertTrue(exists.getMessage().startsWith("RTM_NEWLINK hkt-br0 (bridge): File exists (EEXIST)"),
                    exists.getMessage());

            NetlinkException missing = assertThrows(NetlinkException.class, () -> rt.deleteLink("hkt-none"));
            assertEquals(linux_h.ENODEV(), missing.errno());
            assertTrue(missing.getMessage().startsWith("RTM_DELLINK hkt-none: No such device (ENODEV)"),
                    missing.getMessage());

            // a master that is not a bridge: the kernel explains in its extended ack
            int lo = rt.requireLink("lo").index();
            NetlinkException notABridge = assertThrows(NetlinkException.class, () ->
                    rt.createVeth(VethPair.of("hkt-v0", "hkt-v1").master(lo)));
            assertEquals(linux_h.EOPNOTSUPP(), notABridge.errno(), notABridge.getMessage());
            assertTrue(rt.link("hkt-v0").isEmpty(), "the refused pair is not left behind: " + names(rt.links()));
            NetlinkException tinyMtu = assertThrows(NetlinkException.class, () -> rt.setMtu("hkt-br0", 10));
            assertEquals(linux_h.EINVAL(), tinyMtu.errno());
            assertTrue(tinyMtu.kernelMessage().isPresent(), tinyMtu.getMessage());
            assertTrue(tinyMtu.getMessage().startsWith("RTM_SETLINK hkt-br0 mtu 10: Invalid argument (EINVAL): the kernel says: "
                    + tinyMtu.kernelMessage().get()), tinyMtu.getMessage());

            NetlinkException badGateway = assertThrows(NetlinkException.class, () ->
                    rt.addRoute(Route.defaultVia(address("192.0.2.1"), 0)));
            assertTrue(badGateway.getMessage().startsWith("RTM_NEWROUTE default via 192.0.2.1: "), badGateway.getMessage());
            assertTrue(badGateway.kernelMessage().isPresent(), badGateway.getMessage());
        }
    }

    @Test
    void aPipelinedSendReportsWhichRequestFailed() throws Exception {
        try (TestNamespace ns = TestNamespace.create(); RouteNetlink rt = RouteNetlink.openIn(ns.fd())) {
            Link bridge = rt.createBridge("hkt-br0", 0, true);
            List<NetlinkRequest> requests = List.of(
                    RouteRequests.newAddress(bridge.index(), "hkt-br0", BRIDGE, 24),
                    RouteRequests.newRoute(Route.defaultVia(address("10.99.0.1"), 0)), // no route to that gateway
                    RouteRequests.setUp("lo", true),
                    RouteRequests.newAddress(bridge.index(), "hkt-br0", BRIDGE, 24)); // the same again: EEXIST
            NetlinkException e = assertThrows(NetlinkException.class, () -> rt.execute(requests));
            assertEquals(1, e.index());
            assertTrue(e.getMessage().contains("RTM_NEWROUTE default via 10.99.0.1")
                    && e.getMessage().contains("[request 2 of 4 sent together]"), e.getMessage());
            assertEquals(1, e.getSuppressed().length);
            NetlinkException again = (NetlinkException) e.getSuppressed()[0];
            assertEquals(3, again.index());
            assertEquals(linux_h.EEXIST(), again.errno());
            // the kernel went on after the refusal: the address is there and lo is up
            assertTrue(rt.requireLink("lo").isUp());
            assertEquals(1, rt.addresses(linux_h.AF_INET()).stream().filter(a -> a.address().equals(BRIDGE)).count());
        }
    }

    @Test
    void aSocketOfAnotherNamespaceSeesOnlyThatNamespacesLinks() throws Exception {
        try (TestNamespace a = TestNamespace.create(); TestNamespace b = TestNamespace.create();
                RouteNetlink inA = RouteNetlink.openIn(a.fd()); RouteNetlink inB = RouteNetlink.openIn(b.fd())) {
            inA.createBridge("hkt-only-a", 0, false);
            inB.createVeth(VethPair.of("hkt-b0", "hkt-b1"));
            assertEquals(Set.of("lo", "hkt-only-a"), names(inA.links()));
            assertEquals(Set.of("lo", "hkt-b0", "hkt-b1"), names(inB.links()));
            try (RouteNetlink jvm = RouteNetlink.open()) {
                Set<String> own = names(jvm.links());
                assertFalse(own.contains("hkt-only-a") || own.contains("hkt-b0"), own.toString());
            }
            // and the thread that opened them is back where it was
            assertEquals(Set.of(), names(inA.links()).stream().filter(n -> n.startsWith("hkt-b")).collect(Collectors.toSet()));
        }
    }

    @Test
    void linksChangeUpDownMtuAndMaster() throws Exception {
        try (TestNamespace ns = TestNamespace.create(); RouteNetlink rt = RouteNetlink.openIn(ns.fd())) {
            Link bridge = rt.createBridge("hkt-br0", 0, false);
            assertFalse(bridge.isUp());
            rt.createVeth(VethPair.of("hkt-v0", "hkt-v1").mtu(1300));
            Link v0 = rt.requireLink("hkt-v0");
            assertEquals(1300, v0.mtu());
            assertEquals(rt.requireLink("hkt-v1").index(), v0.linkIndex(), "a veth's IFLA_LINK is its peer");
            assertEquals(-1, v0.linkNetnsId());
            rt.setMaster("hkt-v0", bridge.index());
            rt.setMtu("hkt-v0", 1280);
            rt.setUp("hkt-v0", true);
            v0 = rt.requireLink("hkt-v0");
            assertEquals(bridge.index(), v0.masterIndex());
            assertEquals(1280, v0.mtu());
            assertTrue(v0.isUp());
            rt.setUp("hkt-v0", false);
            rt.setMaster("hkt-v0", 0);
            v0 = rt.requireLink("hkt-v0");
            assertFalse(v0.isUp());
            assertEquals(0, v0.masterIndex());
            assertTrue(rt.deleteLinkIfPresent("hkt-v1"));
            assertFalse(rt.deleteLinkIfPresent("hkt-v0"), "deleting one end deletes its peer");
            assertEquals(Set.of("lo", "hkt-br0"), names(rt.links()));
        }
    }

    @Test
    void ipv6AddressesAndARouteToAPrefixOnADevice() throws Exception {
        try (TestNamespace ns = TestNamespace.create(); RouteNetlink rt = RouteNetlink.openIn(ns.fd())) {
            Link bridge = rt.createBridge("hkt-br0", 0, true);
            InetAddress v6 = address("fd00:4841:4b4f::1");
            rt.addAddress("hkt-br0", v6, 64);
            assertTrue(rt.addresses(linux_h.AF_INET6()).stream()
                    .anyMatch(a -> a.address().equals(v6) && a.prefixLength() == 64 && a.index() == bridge.index()));
            rt.addRoute(Route.toPrefix(address("10.77.0.0"), 16, bridge.index()));
            Route r = rt.routes(linux_h.AF_INET()).stream()
                    .filter(x -> x.destination().equals(Optional.of(address("10.77.0.0")))).findFirst().orElseThrow();
            assertEquals(16, r.prefixLength());
            assertEquals(bridge.index(), r.outputIndex());
            assertEquals(linux_h.RT_SCOPE_LINK(), r.scope());
            JsonNode ip = ipJson(ns, "route", "show", "10.77.0.0/16");
            assertEquals("hkt-br0", ip.get(0).get("dev").asText());
            assertEquals("link", ip.get(0).get("scope").asText());
        }
    }

    @Test
    void twoHundredContainerCyclesLeaveNothingBehind() throws Exception {
        try (TestNamespace hostNs = TestNamespace.create(); RouteNetlink host = RouteNetlink.openIn(hostNs.fd())) {
            Link bridge = bridge(host);
            int fds = -1;
            for (int i = 0; i < 200; i++) {
                try (TestNamespace boxNs = TestNamespace.create()) {
                    Optional<Link> hostEnd = host.createVeth(VethPair.of("hkt-c" + i, "eth0").peerIn(boxNs.fd())
                            .master(bridge.index()).withUp());
                    InterfaceSetup eth0 = new InterfaceSetup("eth0", CONTAINER, 24, Optional.of(BRIDGE), true);
                    try (RouteNetlink box = RouteNetlink.openIn(boxNs.fd())) {
                        if (i % 2 == 0) {
                            box.configure(eth0, hostEnd.orElseThrow().linkIndex());
                        } else {
                            box.configure(eth0);
                        }
                        assertTrue(box.requireLink("eth0").isUp());
                    }
                    host.deleteLink("hkt-c" + i);
                }
                if (i == 0) {
                    fds = JvmResources.openFds();
                }
            }
            assertEquals(fds, JvmResources.openFds());
            assertEquals(Set.of("lo", "hkt-br0"), names(host.links()));
        }
    }
}
