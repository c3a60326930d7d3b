package dev.hako.netlink;

import dev.hako.linux.linux_h;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The writer's bytes, compared with messages laid out by hand from the headers' rules:
 * {@code struct nlmsghdr} (len, type, flags, seq, pid), the family header padded to 4,
 * attributes whose {@code nla_len} counts header and value but not padding, nests whose
 * length counts their padded contents, and {@code nlmsg_len} counting everything.
 */
class MessageBuilderTest {

    /** The expected bytes, written field by field in the host's order. */
    private static ByteBuffer expected(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
    }

    @Test
    void headerSizesAreTheKernels() {
        assertEquals(16, Netlink.MESSAGE_HEADER_SIZE);
        assertEquals(4, Netlink.ATTRIBUTE_HEADER_SIZE);
        assertEquals(16, linux_h.HAKO_IFINFOMSG_SIZE());
        assertEquals(8, linux_h.HAKO_IFADDRMSG_SIZE());
        assertEquals(12, linux_h.HAKO_RTMSG_SIZE());
        assertEquals(List.of(0, 4, 4, 8, 8, 12), List.of(Netlink.align(0), Netlink.align(1), Netlink.align(4),
                Netlink.align(5), Netlink.align(8), Netlink.align(9)));
    }

    @Test
    void aRequestWithAStringAndANestIsByteExact() {
        MessageBuilder m = MessageBuilder.request(linux_h.RTM_NEWLINK(), linux_h.NLM_F_CREATE() | linux_h.NLM_F_EXCL(),
                linux_h.HAKO_IFINFOMSG_SIZE());
        m.headerU32(linux_h.HAKO_IFI_FLAGS(), linux_h.IFF_UP());
        m.headerU32(linux_h.HAKO_IFI_CHANGE(), linux_h.IFF_UP());
        m.attrString(linux_h.IFLA_IFNAME(), "hkt0");          // 4 + 5 = 9, padded to 12
        int nest = m.beginNested(linux_h.IFLA_LINKINFO());   // 4 + (4 + 7 = 11 -> 12) = 16
        m.attrString(linux_h.IFLA_INFO_KIND(), "bridge");
        m.endNested(nest);
        m.attrU32(linux_h.IFLA_MTU(), 1400);                 // 8
        byte[] bytes = m.build("test").bytes();

        int total = 16 + 16 + 12 + 16 + 8;
        ByteBuffer e = expected(total);
        e.putInt(total).putShort((short) linux_h.RTM_NEWLINK())
                .putShort((short) (linux_h.NLM_F_REQUEST() | linux_h.NLM_F_ACK() | linux_h.NLM_F_CREATE()
                        | linux_h.NLM_F_EXCL()))
                .putInt(0).putInt(0);
        // struct ifinfomsg: family, pad, type, index, flags, change
        e.put((byte) 0).put((byte) 0).putShort((short) 0).putInt(0).putInt(linux_h.IFF_UP()).putInt(linux_h.IFF_UP());
        e.putShort((short) 9).putShort((short) linux_h.IFLA_IFNAME()).put("hkt0".getBytes()).put((byte) 0)
                .put(new byte[3]);
        e.putShort((short) 16).putShort((short) linux_h.IFLA_LINKINFO());
        e.putShort((short) 11).putShort((short) linux_h.IFLA_INFO_KIND()).put("bridge".getBytes()).put((byte) 0)
                .put((byte) 0);
        e.putShort((short) 8).putShort((short) linux_h.IFLA_MTU()).putInt(1400);
        assertArrayEquals(e.array(), bytes);
    }

    @Test
    void familyHeaderFieldsLandAtTheirOffsets() {
        MessageBuilder m = MessageBuilder.request(linux_h.RTM_NEWADDR(), 0, linux_h.HAKO_IFADDRMSG_SIZE());
        m.headerU8(linux_h.HAKO_IFA_FAMILY(), linux_h.AF_INET()).headerU8(linux_h.HAKO_IFA_PREFIXLEN(), 24)
                .headerU32(linux_h.HAKO_IFA_INDEX(), 7);
        byte[] bytes = m.build("addr").bytes();
        assertEquals(24, bytes.length);
        assertEquals(linux_h.AF_INET(), bytes[16 + linux_h.HAKO_IFA_FAMILY()]);
        assertEquals(24, bytes[16 + linux_h.HAKO_IFA_PREFIXLEN()]);
        assertEquals(7, ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).getInt(16 + linux_h.HAKO_IFA_INDEX()));
    }

    @Test
    void aFamilyHeaderOfOddSizeIsPaddedBeforeTheAttributes() {
        MessageBuilder m = MessageBuilder.unacknowledged(0x10, linux_h.NLM_F_REQUEST(), 5);
        m.header(new byte[] {1, 2, 3, 4, 5});
        m.attrU8(1, 0xAB);
        byte[] bytes = m.build("odd").bytes();
        ByteBuffer e = expected(16 + 8 + 8);
        e.putInt(32).putShort((short) 0x10).putShort((short) linux_h.NLM_F_REQUEST()).putInt(0).putInt(0);
        e.put(new byte[] {1, 2, 3, 4, 5, 0, 0, 0});
        e.putShort((short) 5).putShort((short) 1).put((byte) 0xAB).put(new byte[3]);
        assertArrayEquals(e.array(), bytes);
    }

    @Test
    void networkOrderAndSixtyFourBitValues() {
        MessageBuilder m = MessageBuilder.unacknowledged(0x10, 0, 0);
        m.attrBe16(1, 0x1234).attrBe32(2 | linux_h.NLA_F_NET_BYTEORDER(), 0x0A000001).attrU64(3, -2L).attrFlag(4);
        byte[] b = m.build("be").bytes();
        ByteBuffer e = expected(16 + 8 + 8 + 12 + 4);
        e.putInt(48).putShort((short) 0x10).putShort((short) 0).putInt(0).putInt(0);
        e.putShort((short) 6).putShort((short) 1).put((byte) 0x12).put((byte) 0x34).put(new byte[2]);
        e.putShort((short) 8).putShort((short) (2 | linux_h.NLA_F_NET_BYTEORDER())).put(new byte[] {10, 0, 0, 1});
        e.putShort((short) 12).putShort((short) 3).putLong(-2L);
        e.putShort((short) 4).putShort((short) 4);
        assertArrayEquals(e.array(), b);
    }

    @Test
    void nestsInsideNestsCountTheirPaddedContents() {
        MessageBuilder m = MessageBuilder.unacknowledged(0x10, 0, 0);
        int outer = m.beginNested(1 | linux_h.NLA_F_NESTED());
        int inner = m.beginNested(2);
        m.attrU8(3, 1);               // 5 -> 8
        m.endNested(inner);           // 4 + 8 = 12
        m.attrString(4, "ab");        // 7 -> 8
        m.endNested(outer);           // 4 + 12 + 8 = 24
        byte[] b = m.build("nest").bytes();
        ByteBuffer e = expected(40);
        e.putInt(40).putShort((short) 0x10).putShort((short) 0).putInt(0).putInt(0);
        e.putShort((short) 24).putShort((short) (1 | linux_h.NLA_F_NESTED()));
        e.putShort((short) 12).putShort((short) 2);
        e.putShort((short) 5).putShort((short) 3).put((byte) 1).put(new byte[3]);
        e.putShort((short) 7).putShort((short) 4).put("ab".getBytes()).put((byte) 0).put((byte) 0);
        assertArrayEquals(e.array(), b);
    }

    @Test
    void aDumpRequestCarriesNlmFDumpAndNoAck() {
        NetlinkRequest r = MessageBuilder.dump(linux_h.RTM_GETLINK(), linux_h.HAKO_IFINFOMSG_SIZE()).build("links");
        assertEquals(linux_h.NLM_F_REQUEST() | linux_h.NLM_F_DUMP(), r.flags());
        assertEquals(NetlinkRequest.Completion.DUMP, r.completion());
        assertEquals(linux_h.RTM_GETLINK(), r.type());
        assertEquals(32, r.length());
    }

    @Test
    void misuseIsRefusedWithAReason() {
        MessageBuilder m = MessageBuilder.request(1, 0, 4);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> m.headerU32(2, 1)).getMessage()
                .contains("outside the family header"));
        assertThrows(IllegalArgumentException.class, () -> m.attr(1, new byte[Netlink.MAX_ATTRIBUTE_LENGTH - 3]));
        m.attr(1, new byte[Netlink.MAX_ATTRIBUTE_LENGTH - 4]); // exactly the most nla_len can count
        assertThrows(IllegalArgumentException.class, () -> m.attrString(2, "a\0b"));
        assertThrows(IllegalArgumentException.class, () -> m.attrU8(0x1_0000, 0));
        int nest = m.beginNested(3);
        assertTrue(assertThrows(IllegalStateException.class, () -> m.build("open")).getMessage().contains("not closed"));
        m.endNested(nest);
        assertThrows(IllegalStateException.class, () -> m.endNested(nest));
        MessageBuilder big = MessageBuilder.request(1, 0, 0);
        int outer = big.beginNested(1);
        big.attr(2, new byte[40_000]);
        big.attr(3, new byte[40_000]);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> big.endNested(outer)).getMessage()
                .contains("more than nla_len can count"));
        assertThrows(IllegalArgumentException.class, () -> MessageBuilder.request(0x1_0000, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> MessageBuilder.request(1, 0x1_0000, 0));
    }

    @Test
    void aBuiltRequestReadsBackThroughTheParser() throws MalformedMessageException {
        MessageBuilder m = MessageBuilder.request(linux_h.RTM_NEWLINK(), 0, linux_h.HAKO_IFINFOMSG_SIZE());
        m.headerU32(linux_h.HAKO_IFI_INDEX(), 42);
        m.attrString(linux_h.IFLA_IFNAME(), "hkt-é");
        int info = m.beginNested(linux_h.IFLA_LINKINFO());
        m.attrString(linux_h.IFLA_INFO_KIND(), "veth");
        m.endNested(info);
        byte[] bytes = m.build("round trip").bytes();
        List<NetlinkMessage> messages = NetlinkMessage.parseAll(bytes, bytes.length);
        assertEquals(1, messages.size());
        NetlinkMessage msg = messages.getFirst();
        assertEquals(42, msg.u32(linux_h.HAKO_IFI_INDEX()));
        Attributes a = msg.attributes(linux_h.HAKO_IFINFOMSG_SIZE());
        assertEquals("hkt-é", a.string(linux_h.IFLA_IFNAME()).orElseThrow());
        assertEquals("veth", a.nested(linux_h.IFLA_LINKINFO()).orElseThrow().string(linux_h.IFLA_INFO_KIND())
                .orElseThrow());
    }
}
