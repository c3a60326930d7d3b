package dev.hako.netlink;

import dev.hako.linux.linux_h;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How answers are filed under the requests of one send: by sequence number, acks and
 * errors ending their request, a dump's messages until its done, stale and late messages
 * left out, an interrupted dump noticed, an overrun refused.
 */
class AnswersTest {
    private static final NetlinkRequest ACK = MessageBuilder.request(linux_h.RTM_NEWLINK(), 0, 16).build("first");
    private static final NetlinkRequest DUMP = MessageBuilder.dump(linux_h.RTM_GETLINK(), 16).build("dump");
    private static final NetlinkRequest NONE = MessageBuilder.unacknowledged(0x10, linux_h.NLM_F_REQUEST(), 0)
            .build("marker");

    private static NetlinkMessage message(int type, int flags, int seq, int payload) throws MalformedMessageException {
        ByteBuffer b = ByteBuffer.allocate(16 + payload).order(ByteOrder.nativeOrder());
        b.putInt(16 + payload).putShort((short) type).putShort((short) flags).putInt(seq).putInt(0);
        return NetlinkMessage.parseAll(b.array(), b.capacity()).getFirst();
    }

    private static NetlinkMessage error(int errno, int seq) throws MalformedMessageException {
        byte[] bytes = MessageParserTest.cappedError(errno, errno == 0 ? null : "why", -1, seq);
        return NetlinkMessage.parseAll(bytes, bytes.length).getFirst();
    }

    @Test
    void eachAnswerGoesToItsRequest() throws Exception {
        Answers a = new Answers(List.of(ACK, DUMP, ACK), new int[] {7, 8, 9}, 0, 3);
        assertTrue(a.waiting());
        a.accept(message(linux_h.RTM_NEWLINK(), linux_h.NLM_F_MULTI(), 8, 16));
        a.accept(error(0, 7));
        a.accept(message(linux_h.RTM_NEWLINK(), linux_h.NLM_F_MULTI(), 8, 16));
        a.accept(error(linux_h.EEXIST(), 9));
        assertTrue(a.waiting(), "the dump has not ended");
        a.accept(message(linux_h.NLMSG_DONE(), linux_h.NLM_F_MULTI(), 8, 4));
        assertFalse(a.waiting());
        List<NetlinkSocket.Outcome> o = a.outcomes();
        assertTrue(o.get(0).succeeded());
        assertEquals(0, o.get(0).replies().size());
        assertEquals(2, o.get(1).replies().size());
        assertEquals(linux_h.EEXIST(), o.get(2).error().errno());
        assertEquals(2, o.get(2).error().index());
        assertEquals("why", o.get(2).error().kernelMessage().orElseThrow());
    }

    @Test
    void staleLateAndNoopMessagesAreLeftOut() throws Exception {
        Answers a = new Answers(List.of(ACK), new int[] {5}, 0, 1);
        a.accept(error(linux_h.ENODEV(), 4));                       // an earlier call's
        a.accept(message(linux_h.NLMSG_NOOP(), 0, 5, 0));
        assertTrue(a.waiting());
        a.accept(error(0, 5));
        a.accept(error(linux_h.EINVAL(), 5));                       // after the end
        assertFalse(a.waiting());
        NetlinkSocket.Outcome o = a.outcomes().getFirst();
        assertTrue(o.succeeded(), "the late EINVAL must not overwrite the ack");
    }

    @Test
    void anUnawaitedRequestsErrorIsStillFiled() throws Exception {
        Answers a = new Answers(List.of(NONE, ACK, NONE), new int[] {1, 2, 3}, 0, 3);
        a.accept(error(linux_h.EPERM(), 1));
        a.accept(error(0, 2));
        assertFalse(a.waiting());
        List<NetlinkSocket.Outcome> o = a.outcomes();
        assertEquals(linux_h.EPERM(), o.get(0).error().errno());
        assertTrue(o.get(1).succeeded());
        assertNull(o.get(2).error());
        assertFalse(new Answers(List.of(NONE), new int[] {1}, 0, 1).waiting(), "nothing to wait for");
    }

    @Test
    void anInterruptedDumpIsNoticedAndAnOverrunRefused() throws Exception {
        Answers a = new Answers(List.of(DUMP), new int[] {3}, 4, 10);
        a.accept(message(linux_h.RTM_NEWLINK(), linux_h.NLM_F_MULTI() | linux_h.NLM_F_DUMP_INTR(), 3, 16));
        a.accept(message(linux_h.NLMSG_DONE(), linux_h.NLM_F_MULTI(), 3, 4));
        assertTrue(a.outcomes().getFirst().interrupted());
        Answers b = new Answers(List.of(ACK), new int[] {3}, 0, 1);
        MalformedMessageException e = assertThrows(MalformedMessageException.class,
                () -> b.accept(message(linux_h.NLMSG_OVERRUN(), 0, 3, 0)));
        assertTrue(e.getMessage().startsWith("first: the kernel reports an overrun"), e.getMessage());
    }

    @Test
    void aDumpEndingInAnErrorCarriesIt() throws Exception {
        Answers a = new Answers(List.of(ACK, DUMP), new int[] {1, 2}, 64, 130);
        a.accept(error(0, 1));
        a.accept(error(linux_h.EOPNOTSUPP(), 2));
        assertFalse(a.waiting());
        NetlinkException e = a.outcomes().get(1).error();
        assertEquals(65, e.index());
        assertTrue(e.getMessage().endsWith("[request 66 of 130 sent together]"), e.getMessage());
    }
}
