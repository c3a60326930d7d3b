package dev.hako.netlink;

import dev.hako.linux.linux_h;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.hako.netlink.Tlv.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * hako's rules as expression lists, in the order and form nft writes the same rules in its
 * language (as {@code nft --debug=netlink} shows them): byte-aligned prefixes load only
 * their bytes, others are masked; ports and addresses in network order, the fib result
 * in the host's.
 */
class NftRulesTest {
    private static final int REG1 = linux_h.NFT_REG_1();
    private static final int REG2 = linux_h.NFT_REG_2();

    private static byte[] hostU32(int v) {
        return java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder()).putInt(v).array();
    }

    @Test
    void aPortOnEveryNonLoopbackAddress() {
        List<NftExpression> rule = NftRules.publishedPort(PublishedPort.of(PublishedPort.Protocol.TCP, 8080, "172.29.0.2", 80));
        assertEquals(List.of(
                NftExpression.Payload.ipDestination(1),
                NftExpression.Cmp.notEqual(bytes(127)),
                NftExpression.Fib.destinationType(),
                NftExpression.Cmp.equal(hostU32(linux_h.RTN_LOCAL())),
                new NftExpression.Meta(linux_h.NFT_META_L4PROTO(), REG1),
                NftExpression.Cmp.equal(bytes(linux_h.IPPROTO_TCP())),
                NftExpression.Payload.destinationPort(PublishedPort.Protocol.TCP),
                NftExpression.Cmp.equal(bytes(0x1f, 0x90)),
                new NftExpression.Immediate(REG1, bytes(172, 29, 0, 2)),
                new NftExpression.Immediate(REG2, bytes(0, 80)),
                new NftExpression.DestinationNat(REG1, REG2)), rule);
    }

    @Test
    void aUdpPortOnOneAddress() {
        List<NftExpression> rule = NftRules.publishedPort(
                PublishedPort.on(PublishedPort.Protocol.UDP, "10.1.2.3", 53, "172.29.0.2", 5353));
        assertEquals(List.of(
                NftExpression.Payload.ipDestination(4),
                NftExpression.Cmp.equal(bytes(10, 1, 2, 3)),
                new NftExpression.Meta(linux_h.NFT_META_L4PROTO(), REG1),
                NftExpression.Cmp.equal(bytes(linux_h.IPPROTO_UDP())),
                NftExpression.Payload.destinationPort(PublishedPort.Protocol.UDP),
                NftExpression.Cmp.equal(bytes(0, 53)),
                new NftExpression.Immediate(REG1, bytes(172, 29, 0, 2)),
                new NftExpression.Immediate(REG2, bytes(0x14, 0xe9)),
                new NftExpression.DestinationNat(REG1, REG2)), rule);
    }

    @Test
    void zeroZeroZeroZeroMeansEveryAddress() {
        assertEquals(NftRules.publishedPort(PublishedPort.of(PublishedPort.Protocol.TCP, 1, "172.29.0.2", 65535)),
                NftRules.publishedPort(PublishedPort.on(PublishedPort.Protocol.TCP, "0.0.0.0", 1, "172.29.0.2", 65535)));
    }

    @Test
    void masqueradeOfASixteenBitSubnet() {
        assertEquals(List.of(
                NftExpression.Payload.ipSource(2),
                NftExpression.Cmp.equal(bytes(172, 29)),
                new NftExpression.Meta(linux_h.NFT_META_OIFNAME(), REG1),
                NftExpression.Cmp.notEqual(bytes('h', 'a', 'k', 'o', '0', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
                new NftExpression.Masquerade()), NftRules.masquerade(Ipv4Prefix.parse("172.29.0.0/16"), "hako0"));
    }

    @Test
    void masqueradeOfAPrefixOffByteBoundariesIsMasked() {
        assertEquals(List.of(
                NftExpression.Payload.ipSource(4),
                new NftExpression.Bitwise(REG1, bytes(255, 240, 0, 0), new byte[4]),
                NftExpression.Cmp.equal(bytes(172, 16, 0, 0)),
                new NftExpression.Meta(linux_h.NFT_META_OIFNAME(), REG1),
                NftExpression.Cmp.notEqual(NftRules.interfaceName("br-x")),
                new NftExpression.Masquerade()), NftRules.masquerade(Ipv4Prefix.parse("172.16.0.0/12"), "br-x"));
    }

    @Test
    void badInterfaceNamesAreRefused() {
        Ipv4Prefix subnet = Ipv4Prefix.parse("10.0.0.0/8");
        for (String bad : new String[] {"", "sixteen-chars-xx", "a b", "a/b", "a:b", "a\0b", "..", "."}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NftRules.masquerade(subnet, bad),
                    "'" + bad + "'");
            assertEquals(true, e.getMessage().startsWith("interface name"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> NftRules.masquerade(subnet, null));
        assertEquals(16, NftRules.interfaceName("fifteen-chars-x").length);
    }
}
