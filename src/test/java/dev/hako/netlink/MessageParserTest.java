package dev.hako.netlink;

import dev.hako.linux.linux_h;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The reader against what a kernel (or anything pretending to be one) might send: several
 * messages in one datagram, truncated headers, lengths that lie in either direction,
 * attributes that overrun their message or their nest, payloads of the wrong size, acks
 * with and without the extended ack, and random bytes, none of which may read out of
 * bounds or fail with anything but {@link MalformedMessageException}.
 */
class MessageParserTest {

    private static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
    }

    private static void header(ByteBuffer b, int length, int type, int flags, int seq) {
        b.putInt(length).putShort((short) type).putShort((short) flags).putInt(seq).putInt(0);
    }

    @Test
    void aDatagramSplitsIntoItsMessages() throws MalformedMessageException {
        ByteBuffer b = buffer(16 + 4 + 16 + 16);
        header(b, 20, 100, linux_h.NLM_F_MULTI(), 7);
        b.putInt(0x01020304);
        header(b, 16, 101, linux_h.NLM_F_MULTI(), 7);
        header(b, 16, linux_h.NLMSG_DONE(), linux_h.NLM_F_MULTI(), 7);
        List<NetlinkMessage> m = NetlinkMessage.parseAll(b.array(), b.capacity());
        assertEquals(3, m.size());
        assertEquals(List.of(100, 101, linux_h.NLMSG_DONE()), m.stream().map(NetlinkMessage::type).toList());
        assertEquals(0x01020304, m.getFirst().u32(0));
        assertEquals(7, m.get(1).sequence());
    }

    @Test
    void truncatedAndLyingMessageLengthsAreRefused() {
        ByteBuffer b = buffer(32);
        header(b, 32, 100, 0, 1);
        byte[] bytes = b.array();
        assertMalformed("cut short", () -> NetlinkMessage.parseAll(bytes, 10));
        assertMalformed("only 20 were received", () -> NetlinkMessage.parseAll(bytes, 20));
        ByteBuffer small = buffer(32);
        header(small, 8, 100, 0, 1);
        assertMalformed("its header alone is 16", () -> NetlinkMessage.parseAll(small.array(), 32));
        ByteBuffer huge = buffer(32);
        header(huge, -1, 100, 0, 1); // 4 GiB - 1, unsigned
        assertMalformed("declares 4294967295 bytes", () -> NetlinkMessage.parseAll(huge.array(), 32));
        ByteBuffer trailing = buffer(16 + 5);
        header(trailing, 16, 100, 0, 1);
        assertMalformed("5 byte(s), less than its header", () -> NetlinkMessage.parseAll(trailing.array(), 21));
    }

    @Test
    void payloadFieldsBeyondTheMessageAreRefused() throws MalformedMessageException {
        ByteBuffer b = buffer(40);
        header(b, 20, 100, 0, 1); // 4-byte payload, then another message's bytes
        b.putInt(5);
        header(b, 20, 100, 0, 1);
        NetlinkMessage m = NetlinkMessage.parseAll(b.array(), 40).getFirst();
        assertEquals(5, m.u32(0));
        assertMalformed("beyond its 4-byte payload", () -> m.u32(2));
        assertMalformed("beyond its 4-byte payload", () -> m.u8(4));
        assertMalformed("too short for its 16-byte header", () -> m.attributes(16));
    }

    @Test
    void attributesThatOverrunTheirMessageOrNestAreRefused() throws MalformedMessageException {
        // message with a 4-byte family header, then one attribute claiming 12 bytes of 8 present
        ByteBuffer b = buffer(16 + 4 + 8);
        header(b, 28, 100, 0, 1);
        b.putInt(0);
        b.putShort((short) 12).putShort((short) 3).putInt(0);
        NetlinkMessage m = NetlinkMessage.parseAll(b.array(), 28).getFirst();
        assertMalformed("attribute 3 at offset 0 declares 12 bytes, but only 8 are left", () -> m.attributes(4));

        ByteBuffer tiny = buffer(16 + 8);
        header(tiny, 24, 100, 0, 1);
        tiny.putShort((short) 2).putShort((short) 3).putInt(0);
        NetlinkMessage t = NetlinkMessage.parseAll(tiny.array(), 24).getFirst();
        assertMalformed("its header alone is 4", () -> t.attributes(0));

        ByteBuffer stub = buffer(16 + 2);
        header(stub, 18, 100, 0, 1);
        NetlinkMessage s = NetlinkMessage.parseAll(stub.array(), 18).getFirst();
        assertMalformed("2 trailing byte(s)", () -> s.attributes(0));

        // a nest whose inner attribute claims more than the nest holds (but less than the message)
        ByteBuffer nest = buffer(16 + 12 + 8);
        header(nest, 36, 100, 0, 1);
        nest.putShort((short) 12).putShort((short) 1);   // the nest: 8 bytes of payload
        nest.putShort((short) 12).putShort((short) 2);   // inside it, an attribute claiming 12
        nest.putInt(0);
        nest.putShort((short) 8).putShort((short) 3).putInt(0); // a valid attribute after the nest
        Attributes outer = NetlinkMessage.parseAll(nest.array(), 36).getFirst().attributes(0);
        assertEquals(2, outer.all().size());
        assertMalformed("nested attribute 1: attribute 2 at offset 0 declares 12 bytes, but only 8 are left",
                () -> outer.nested(1));
    }

    @Test
    void theLastAttributeMayLackItsPadding() throws MalformedMessageException {
        ByteBuffer b = buffer(16 + 5);
        header(b, 21, 100, 0, 1);
        b.putShort((short) 5).putShort((short) 9).put((byte) 0x7F);
        Attributes a = NetlinkMessage.parseAll(b.array(), 21).getFirst().attributes(0);
        assertEquals(0x7F, a.get(9).orElseThrow().u8());
    }

    @Test
    void anAttributeOfTheWrongSizeIsRefusedByItsAccessor() throws MalformedMessageException {
        ByteBuffer b = buffer(16 + 8 + 8);
        header(b, 32, 100, 0, 1);
        b.putShort((short) 6).putShort((short) (4 | linux_h.NLA_F_NESTED())).putShort((short) 1).putShort((short) 0);
        b.putShort((short) 7).putShort((short) 5).put("abc".getBytes()).put((byte) 0);
        Attributes a = NetlinkMessage.parseAll(b.array(), 32).getFirst().attributes(0);
        Attribute two = a.get(4).orElseThrow();
        assertTrue(two.nestedFlag());
        assertEquals(1, two.u16());
        assertMalformed("a 2-byte payload where 4 bytes were expected", two::u32);
        assertMalformed("a 2-byte payload where 8 bytes were expected", two::u64);
        assertMalformed("a 2-byte payload where 1 bytes were expected", two::u8);
        assertEquals("abc", a.string(5).orElseThrow());
        assertEquals(-9, a.u32(6, -9));
    }

    @Test
    void aStringWithoutItsNulEndsAtItsPayload() throws MalformedMessageException {
        ByteBuffer b = buffer(16 + 8 + 4);
        header(b, 28, 100, 0, 1);
        b.putShort((short) 7).putShort((short) 1).put("xyz".getBytes()).put((byte) 0);
        b.putShort((short) 4).putShort((short) 2);
        Attributes a = NetlinkMessage.parseAll(b.array(), 28).getFirst().attributes(0);
        assertEquals("xyz", a.string(1).orElseThrow());
        assertEquals("", a.string(2).orElseThrow());
    }

    /** An NLMSG_ERROR as the kernel writes it with NETLINK_CAP_ACK and NETLINK_EXT_ACK. */
    static byte[] cappedError(int errno, String text, int offset, int seq) {
        byte[] msg = text == null ? null : (text + "\0").getBytes();
        int tlvs = (msg == null ? 0 : Netlink.align(4 + msg.length)) + (offset < 0 ? 0 : 8);
        int length = 16 + 4 + 16 + tlvs;
        ByteBuffer b = buffer(length);
        int flags = linux_h.NLM_F_CAPPED() | (tlvs > 0 ? linux_h.NLM_F_ACK_TLVS() : 0);
        header(b, length, linux_h.NLMSG_ERROR(), flags, seq);
        b.putInt(-errno);
        header(b, 64, linux_h.RTM_NEWLINK(), linux_h.NLM_F_REQUEST(), seq); // the request's header, capped
        if (msg != null) {
            b.putShort((short) (4 + msg.length)).putShort((short) linux_h.NLMSGERR_ATTR_MSG()).put(msg);
            b.position(Netlink.align(b.position()));
        }
        if (offset >= 0) {
            b.putShort((short) 8).putShort((short) linux_h.NLMSGERR_ATTR_OFFS()).putInt(offset);
        }
        return b.array();
    }

    @Test
    void anErrorCarriesTheKernelsExtendedAck() throws MalformedMessageException {
        byte[] bytes = cappedError(linux_h.EEXIST(), "Device already exists", 36, 9);
        KernelAnswer a = KernelAnswer.parse(NetlinkMessage.parseAll(bytes, bytes.length).getFirst());
        assertEquals(new KernelAnswer(linux_h.EEXIST(), "Device already exists", 36), a);
        byte[] ack = cappedError(0, null, -1, 9);
        assertEquals(new KernelAnswer(0, null, -1), KernelAnswer.parse(NetlinkMessage.parseAll(ack, ack.length).getFirst()));
        NetlinkException e = new NetlinkException("RTM_NEWLINK hkt0 (bridge)", a.errno(), a.message(), a.attributeOffset(),
                1, 3);
        assertEquals("RTM_NEWLINK hkt0 (bridge): File exists (EEXIST): the kernel says: Device already exists"
                + " (the attribute at byte 36 of the request) [request 2 of 3 sent together]", e.getMessage());
        assertEquals("EEXIST", e.errnoName());
    }

    @Test
    void anUncappedErrorSkipsTheEchoedRequest() throws MalformedMessageException {
        // the whole 20-byte request echoed, then the message TLV
        int length = 16 + 4 + 20 + 8;
        ByteBuffer b = buffer(length);
        header(b, length, linux_h.NLMSG_ERROR(), linux_h.NLM_F_ACK_TLVS(), 3);
        b.putInt(-linux_h.ENODEV());
        header(b, 20, linux_h.RTM_DELLINK(), linux_h.NLM_F_REQUEST(), 3);
        b.putInt(0x55555555);
        b.putShort((short) 7).putShort((short) linux_h.NLMSGERR_ATTR_MSG()).put("no!".getBytes()).put((byte) 0);
        KernelAnswer a = KernelAnswer.parse(NetlinkMessage.parseAll(b.array(), length).getFirst());
        assertEquals(new KernelAnswer(linux_h.ENODEV(), "no!", -1), a);
    }

    @Test
    void brokenErrorsAreRefused() {
        ByteBuffer shortError = buffer(16 + 8);
        header(shortError, 24, linux_h.NLMSG_ERROR(), 0, 1);
        assertMalformed("too short", () -> KernelAnswer.parse(NetlinkMessage.parseAll(shortError.array(), 24).getFirst()));

        byte[] positive = cappedError(0, null, -1, 1);
        ByteBuffer.wrap(positive).order(ByteOrder.nativeOrder()).putInt(16, 5);
        assertMalformed("carries error 5", () -> KernelAnswer.parse(NetlinkMessage.parseAll(positive, positive.length)
                .getFirst()));

        int length = 16 + 4 + 16 + 4;
        ByteBuffer echo = buffer(length);
        header(echo, length, linux_h.NLMSG_ERROR(), linux_h.NLM_F_ACK_TLVS(), 1);
        echo.putInt(-1);
        header(echo, 1000, 1, 0, 1); // claims an echoed request far longer than the payload
        assertMalformed("does not fit", () -> KernelAnswer.parse(NetlinkMessage.parseAll(echo.array(), length).getFirst()));

        byte[] badTlv = cappedError(linux_h.EINVAL(), "bad", -1, 1);
        ByteBuffer.wrap(badTlv).order(ByteOrder.nativeOrder()).putShort(36, (short) 200);
        assertMalformed("declares 200 bytes", () -> KernelAnswer.parse(NetlinkMessage.parseAll(badTlv, badTlv.length)
                .getFirst()));
    }

    @Test
    void aDoneCarriesItsErrorAndMessage() throws MalformedMessageException {
        ByteBuffer b = buffer(16 + 4 + 12);
        header(b, 32, linux_h.NLMSG_DONE(), linux_h.NLM_F_MULTI() | linux_h.NLM_F_ACK_TLVS(), 1);
        b.putInt(-linux_h.EMSGSIZE());
        b.putShort((short) 10).putShort((short) linux_h.NLMSGERR_ATTR_MSG()).put("tiny\0\0".getBytes()).put(new byte[2]);
        assertEquals(new KernelAnswer(linux_h.EMSGSIZE(), "tiny", -1),
                KernelAnswer.parse(NetlinkMessage.parseAll(b.array(), 32).getFirst()));
        ByteBuffer empty = buffer(16);
        header(empty, 16, linux_h.NLMSG_DONE(), linux_h.NLM_F_MULTI(), 1);
        assertEquals(new KernelAnswer(0, null, -1), KernelAnswer.parse(NetlinkMessage.parseAll(empty.array(), 16).getFirst()));
    }

    @Test
    void randomBytesFailOnlyAsMalformed() {
        Random random = new Random(20261201);
        int parsed = 0;
        for (int round = 0; round < 20_000; round++) {
            byte[] bytes = new byte[random.nextInt(96)];
            random.nextBytes(bytes);
            if (bytes.length >= 4 && random.nextBoolean()) {
                // a plausible length makes the parser go deeper
                ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).putInt(0, bytes.length - random.nextInt(4));
            }
            try {
                for (NetlinkMessage m : NetlinkMessage.parseAll(bytes, bytes.length)) {
                    parsed++;
                    walk(m.attributes(0));
                    if (m.type() == linux_h.NLMSG_ERROR() || m.type() == linux_h.NLMSG_DONE()) {
                        KernelAnswer.parse(m);
                    }
                    m.attributes(random.nextInt(24));
                }
            } catch (MalformedMessageException expected) {
                // the only way out for bad input
            } catch (RuntimeException e) {
                fail("bytes " + Arrays.toString(bytes) + " made the parser fail with " + e, e);
            }
        }
        assertTrue(parsed > 1000, "the random input should often parse as messages: " + parsed);
    }

    private static void walk(Attributes attributes) throws MalformedMessageException {
        for (Attribute a : attributes.all()) {
            a.string();
            a.bytes();
            if (a.length() >= 4) {
                walk(a.nested());
            }
        }
    }

    private interface Parse {
        void run() throws MalformedMessageException;
    }

    private static void assertMalformed(String expected, Parse parse) {
        MalformedMessageException e = assertThrows(MalformedMessageException.class, parse::run);
        assertTrue(e.getMessage().contains(expected), "expected \"" + expected + "\" in: " + e.getMessage());
    }
}
