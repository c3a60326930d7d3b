package dev.hako.netlink;

import dev.hako.linux.linux_h;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static dev.hako.netlink.Tlv.be32;
import static dev.hako.netlink.Tlv.bytes;
import static dev.hako.netlink.Tlv.data;
import static dev.hako.netlink.Tlv.expression;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Each expression's bytes, compared with the layout nf_tables.h documents for it
 * (NFTA_PAYLOAD_*, NFTA_CMP_*, ... as big-endian 32-bit values; data in NFTA_DATA_VALUE),
 * written out by {@link Tlv} without the code under test.
 */
class NftExpressionTest {
    private static final int REG1 = linux_h.NFT_REG_1();
    private static final int REG2 = linux_h.NFT_REG_2();

    /** The attribute bytes an expression writes, without the message around them. */
    static byte[] encoded(NftExpression e) {
        MessageBuilder m = MessageBuilder.request(linux_h.NLMSG_MIN_TYPE(), 0, 0);
        e.encode(m);
        byte[] all = m.build("test").bytes();
        return Arrays.copyOfRange(all, Netlink.MESSAGE_HEADER_SIZE, all.length);
    }

    @Test
    void payloadOfIpDaddrsFirstByte() {
        byte[] expected = expression("payload",
                be32(linux_h.NFTA_PAYLOAD_DREG(), REG1),
                be32(linux_h.NFTA_PAYLOAD_BASE(), linux_h.NFT_PAYLOAD_NETWORK_HEADER()),
                be32(linux_h.NFTA_PAYLOAD_OFFSET(), 16),
                be32(linux_h.NFTA_PAYLOAD_LEN(), 1));
        assertArrayEquals(expected, encoded(NftExpression.Payload.ipDestination(1)));
        // 4 + (4 + 8 "payload\0") + 4 + 4 * 8
        assertEquals(52, expected.length);
    }

    @Test
    void payloadOfIpSaddrAndOfTheDestinationPort() {
        assertArrayEquals(expression("payload",
                be32(linux_h.NFTA_PAYLOAD_DREG(), REG1),
                be32(linux_h.NFTA_PAYLOAD_BASE(), linux_h.NFT_PAYLOAD_NETWORK_HEADER()),
                be32(linux_h.NFTA_PAYLOAD_OFFSET(), 12),
                be32(linux_h.NFTA_PAYLOAD_LEN(), 2)), encoded(NftExpression.Payload.ipSource(2)));
        assertArrayEquals(expression("payload",
                be32(linux_h.NFTA_PAYLOAD_DREG(), REG1),
                be32(linux_h.NFTA_PAYLOAD_BASE(), linux_h.NFT_PAYLOAD_TRANSPORT_HEADER()),
                be32(linux_h.NFTA_PAYLOAD_OFFSET(), 2),
                be32(linux_h.NFTA_PAYLOAD_LEN(), 2)), encoded(NftExpression.Payload.destinationPort(PublishedPort.Protocol.TCP)));
        // TCP's and UDP's destination port both sit at byte 2 (RFC 793, RFC 768)
        assertEquals(NftExpression.Payload.destinationPort(PublishedPort.Protocol.TCP),
                NftExpression.Payload.destinationPort(PublishedPort.Protocol.UDP));
    }

    @Test
    void cmpWithItsDataNest() {
        byte[] expected = expression("cmp",
                be32(linux_h.NFTA_CMP_SREG(), REG1),
                be32(linux_h.NFTA_CMP_OP(), linux_h.NFT_CMP_NEQ()),
                data(linux_h.NFTA_CMP_DATA(), bytes(0x7f)));
        assertArrayEquals(expected, encoded(NftExpression.Cmp.notEqual(bytes(0x7f))));
        // the one-byte value: nla_len 5, padded with three zeros
        int value = expected.length - 8;
        assertArrayEquals(bytes(5, 0, linux_h.NFTA_DATA_VALUE(), 0, 0x7f, 0, 0, 0),
                Arrays.copyOfRange(expected, value, expected.length));
        assertArrayEquals(expression("cmp",
                be32(linux_h.NFTA_CMP_SREG(), REG1),
                be32(linux_h.NFTA_CMP_OP(), linux_h.NFT_CMP_EQ()),
                data(linux_h.NFTA_CMP_DATA(), bytes(0x1f, 0x90))), encoded(NftExpression.Cmp.equal(bytes(0x1f, 0x90))));
    }

    @Test
    void metaOifnameAndItsComparisonWithANamePaddedToIfnamsiz() {
        assertArrayEquals(expression("meta",
                be32(linux_h.NFTA_META_KEY(), linux_h.NFT_META_OIFNAME()),
                be32(linux_h.NFTA_META_DREG(), REG1)),
                encoded(new NftExpression.Meta(linux_h.NFT_META_OIFNAME(), REG1)));
        byte[] name = NftRules.interfaceName("hako0");
        assertEquals(linux_h.IFNAMSIZ(), name.length);
        assertArrayEquals(bytes('h', 'a', 'k', 'o', '0', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), name);
    }

    @Test
    void fibDaddrType() {
        assertArrayEquals(expression("fib",
                be32(linux_h.NFTA_FIB_DREG(), REG1),
                be32(linux_h.NFTA_FIB_RESULT(), linux_h.NFT_FIB_RESULT_ADDRTYPE()),
                be32(linux_h.NFTA_FIB_FLAGS(), linux_h.NFTA_FIB_F_DADDR())),
                encoded(NftExpression.Fib.destinationType()));
    }

    @Test
    void immediateAddressAndPort() {
        assertArrayEquals(expression("immediate",
                be32(linux_h.NFTA_IMMEDIATE_DREG(), REG1),
                data(linux_h.NFTA_IMMEDIATE_DATA(), bytes(172, 29, 0, 2))),
                encoded(new NftExpression.Immediate(REG1, bytes(172, 29, 0, 2))));
        assertArrayEquals(expression("immediate",
                be32(linux_h.NFTA_IMMEDIATE_DREG(), REG2),
                data(linux_h.NFTA_IMMEDIATE_DATA(), bytes(0, 80))),
                encoded(new NftExpression.Immediate(REG2, bytes(0, 80))));
    }

    @Test
    void natWithItsRegisters() {
        assertArrayEquals(expression("nat",
                be32(linux_h.NFTA_NAT_TYPE(), linux_h.NFT_NAT_DNAT()),
                be32(linux_h.NFTA_NAT_FAMILY(), linux_h.NFPROTO_IPV4()),
                be32(linux_h.NFTA_NAT_REG_ADDR_MIN(), REG1),
                be32(linux_h.NFTA_NAT_REG_PROTO_MIN(), REG2),
                be32(linux_h.NFTA_NAT_FLAGS(), linux_h.NF_NAT_RANGE_PROTO_SPECIFIED())),
                encoded(new NftExpression.DestinationNat(REG1, REG2)));
    }

    @Test
    void masqueradeHasAnEmptyDataNest() {
        byte[] expected = expression("masq");
        assertArrayEquals(expected, encoded(new NftExpression.Masquerade()));
        // NFTA_LIST_ELEM(4) + NFTA_EXPR_NAME "masq\0" (4 + 5 -> 12) + NFTA_EXPR_DATA (4, empty)
        assertEquals(20, expected.length);
        ByteBuffer b = ByteBuffer.wrap(expected).order(ByteOrder.nativeOrder());
        assertEquals(4, b.getShort(16));
        assertEquals(linux_h.NFTA_EXPR_DATA() | linux_h.NLA_F_NESTED(), b.getShort(18) & 0xFFFF);
    }

    @Test
    void bitwiseForAPrefixOffByteBoundaries() {
        assertArrayEquals(expression("bitwise",
                be32(linux_h.NFTA_BITWISE_SREG(), REG1),
                be32(linux_h.NFTA_BITWISE_DREG(), REG1),
                be32(linux_h.NFTA_BITWISE_LEN(), 4),
                data(linux_h.NFTA_BITWISE_MASK(), bytes(255, 240, 0, 0)),
                data(linux_h.NFTA_BITWISE_XOR(), bytes(0, 0, 0, 0))),
                encoded(new NftExpression.Bitwise(REG1, bytes(255, 240, 0, 0), new byte[4])));
    }

    @Test
    void expressionsRefuseWhatTheKernelWouldNot() {
        assertThrows(IllegalArgumentException.class, () -> new NftExpression.Payload(7, 0, 4, REG1));
        assertThrows(IllegalArgumentException.class,
                () -> new NftExpression.Payload(linux_h.NFT_PAYLOAD_NETWORK_HEADER(), 0, 17, REG1));
        assertThrows(IllegalArgumentException.class,
                () -> new NftExpression.Payload(linux_h.NFT_PAYLOAD_NETWORK_HEADER(), -1, 4, REG1));
        assertThrows(IllegalArgumentException.class, () -> NftExpression.Cmp.equal(new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> NftExpression.Cmp.equal(new byte[17]));
        assertThrows(IllegalArgumentException.class, () -> new NftExpression.Cmp(REG1, 99, bytes(1)));
        assertThrows(IllegalArgumentException.class, () -> new NftExpression.Immediate(0, bytes(1)));
        assertThrows(IllegalArgumentException.class, () -> new NftExpression.DestinationNat(REG1, REG1));
        assertThrows(IllegalArgumentException.class, () -> new NftExpression.Bitwise(REG1, bytes(1, 2), bytes(1)));
    }

    @Test
    void dataIsCopiedInAndOut() {
        byte[] value = bytes(1, 2, 3, 4);
        NftExpression.Immediate i = new NftExpression.Immediate(REG1, value);
        value[0] = 9;
        i.data()[1] = 9;
        assertArrayEquals(bytes(1, 2, 3, 4), i.data());
        assertEquals(new NftExpression.Immediate(REG1, bytes(1, 2, 3, 4)), i);
    }
}
