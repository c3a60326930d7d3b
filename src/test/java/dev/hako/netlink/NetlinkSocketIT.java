package dev.hako.netlink;

import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;
import dev.hako.testing.JvmResources;
import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generic core against the real kernel, inside a fresh network namespace: a dump, an
 * error with its extended ack, pipelined requests with one refused in the middle, a
 * stranger's datagram ignored, and the descriptor gone at close.
 */
@KernelTest
class NetlinkSocketIT {
    private static NetlinkRequest getLink(String name) {
        MessageBuilder m = MessageBuilder.request(linux_h.RTM_GETLINK(), 0, linux_h.HAKO_IFINFOMSG_SIZE());
        m.attrString(linux_h.IFLA_IFNAME(), name);
        return m.build("RTM_GETLINK " + name);
    }

    private static String name(NetlinkMessage m) throws MalformedMessageException {
        return m.attributes(linux_h.HAKO_IFINFOMSG_SIZE()).string(linux_h.IFLA_IFNAME()).orElseThrow();
    }

    @Test
    void aDumpOfAFreshNamespaceHoldsOnlyLoopback() throws Exception {
        try (TestNamespace ns = TestNamespace.create()) {
            try (NetlinkSocket s = NetlinkSocket.openIn(ns.fd(), linux_h.NETLINK_ROUTE())) {
                assertNotEquals(0, s.portId());
                List<NetlinkMessage> links = s.dump(MessageBuilder.dump(linux_h.RTM_GETLINK(), linux_h.HAKO_IFINFOMSG_SIZE())
                        .build("RTM_GETLINK dump"));
                assertEquals(1, links.size());
                assertEquals(linux_h.RTM_NEWLINK(), links.getFirst().type());
                assertEquals("lo", name(links.getFirst()));
            }
        }
    }

    @Test
    void aRefusedRequestNamesItselfTheErrnoAndTheKernelsMessage() throws Exception {
        try (TestNamespace ns = TestNamespace.create()) {
            try (NetlinkSocket s = NetlinkSocket.openIn(ns.fd(), linux_h.NETLINK_ROUTE())) {
                NetlinkException e = assertThrows(NetlinkException.class, () -> s.request(getLink("hkt-missing")));
                assertEquals(linux_h.ENODEV(), e.errno());
                assertEquals("ENODEV", e.errnoName());
                assertTrue(e.getMessage().startsWith("RTM_GETLINK hkt-missing: No such device (ENODEV)"), e.getMessage());
                // an attribute the kernel's policy refuses: IFLA_IFNAME longer than IFNAMSIZ
                MessageBuilder m = MessageBuilder.request(linux_h.RTM_NEWLINK(), linux_h.NLM_F_CREATE(),
                        linux_h.HAKO_IFINFOMSG_SIZE());
                m.attrString(linux_h.IFLA_IFNAME(), "hkt-name-far-too-long-for-ifnamsiz");
                NetlinkException policy = assertThrows(NetlinkException.class, () -> s.request(m.build("RTM_NEWLINK long")));
                assertTrue(policy.errno() == linux_h.EINVAL() || policy.errno() == linux_h.ERANGE(), policy.getMessage());
                assertTrue(policy.kernelMessage().isPresent(), "the kernel's extended ack: " + policy.getMessage());
                assertTrue(policy.attributeOffset() > 0, policy.getMessage());
            }
        }
    }

    @Test
    void pipelinedRequestsMapEachAnswerToItsRequest() throws Exception {
        try (TestNamespace ns = TestNamespace.create()) {
            try (NetlinkSocket s = NetlinkSocket.openIn(ns.fd(), linux_h.NETLINK_ROUTE())) {
                List<NetlinkRequest> requests = List.of(getLink("lo"), getLink("hkt-nope"), getLink("lo"));
                List<NetlinkSocket.Outcome> outcomes = s.executeAll(requests);
                assertEquals(3, outcomes.size());
                assertTrue(outcomes.get(0).succeeded());
                assertEquals("lo", name(outcomes.get(0).replies().getFirst()));
                assertFalse(outcomes.get(1).succeeded());
                assertEquals(1, outcomes.get(1).error().index());
                assertTrue(outcomes.get(1).error().getMessage().contains("RTM_GETLINK hkt-nope")
                        && outcomes.get(1).error().getMessage().contains("[request 2 of 3 sent together]"),
                        outcomes.get(1).error().getMessage());
                assertTrue(outcomes.get(2).succeeded());
                assertEquals(1, outcomes.get(2).replies().size());
                NetlinkException thrown = assertThrows(NetlinkException.class, () -> s.execute(requests));
                assertEquals("RTM_GETLINK hkt-nope", thrown.request());
                // more requests than one send takes: split, every answer still mapped
                List<NetlinkRequest> many = new java.util.ArrayList<>();
                for (int i = 0; i < NetlinkSocket.MAX_PIPELINE * 2 + 5; i++) {
                    many.add(i == 100 ? getLink("hkt-hundred") : getLink("lo"));
                }
                List<NetlinkSocket.Outcome> all = s.executeAll(many);
                for (int i = 0; i < all.size(); i++) {
                    assertEquals(i != 100, all.get(i).succeeded(), "request " + i);
                }
                assertEquals(100, all.get(100).error().index());
            // the same in exactly one send, with room for every answer
            s.receiveBufferSize(1 << 20);
            List<NetlinkSocket.Outcome> one = s.executeInOneSend(many);
            assertEquals(many.size(), one.size());
            for (int i = 0; i < one.size(); i++) {
                assertEquals(i != 100, one.get(i).succeeded(), "request " + i);
            }
            List<NetlinkRequest> tooMany = java.util.Collections.nCopies(NetlinkSocket.MAX_SEND / 16, getLink("lo"));
            assertThrows(IllegalArgumentException.class, () -> s.executeInOneSend(tooMany));
            }
        }
    }

    @Test
    void aStrangersDatagramIsIgnored() throws Exception {
        try (TestNamespace ns = TestNamespace.create()) {
            try (NetlinkSocket victim = NetlinkSocket.openIn(ns.fd(), linux_h.NETLINK_ROUTE());
                    NetlinkSocket stranger = NetlinkSocket.openIn(ns.fd(), linux_h.NETLINK_ROUTE())) {
                // garbage that would fail to parse, a forged ack, a datagram larger than the receive buffer:
                // the kernel refuses them all, since the victim is connected to the kernel
                byte[][] hostile = {new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17},
                        MessageParserTest.cappedError(linux_h.ENODEV(), "forged", -1, 0),
                        new byte[NetlinkSocket.RECEIVE_SIZE + 4096]};
                for (byte[] datagram : hostile) {
                    SyscallException refused = assertThrows(SyscallException.class,
                            () -> stranger.sendToPort(victim.portId(), datagram));
                    assertEquals(linux_h.ECONNREFUSED(), refused.errno(), refused.getMessage());
                }
                assertEquals("lo", name(victim.request(getLink("lo")).getFirst()));
            }
        }
    }

    @Test
    void closeClosesTheDescriptor() throws Exception {
        try (TestNamespace ns = TestNamespace.create()) {
            int open = JvmResources.openFds();
            NetlinkSocket s = NetlinkSocket.openIn(ns.fd(), linux_h.NETLINK_ROUTE());
            assertEquals(open + 1, JvmResources.openFds());
            s.close();
            s.close();
            assertEquals(open, JvmResources.openFds());
            assertThrows(IllegalStateException.class, () -> s.request(getLink("lo")));
        }
    }
}
