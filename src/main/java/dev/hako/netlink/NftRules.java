package dev.hako.netlink;

import dev.hako.linux.linux_h;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The expressions of hako's NAT rules, laid out as {@code nft} lays out the same rule
 * written in its language, so that {@code nft list table ip hako} shows them as written:
 * <ul>
 *   <li>{@link #publishedPort}: {@code ip daddr != 127.0.0.0/8 fib daddr type local
 *       tcp dport HOSTPORT dnat to ADDR:PORT} (or {@code ip daddr HOSTADDR ...} for a port
 *       published on one address);</li>
 *   <li>{@link #masquerade}: {@code ip saddr SUBNET oifname != "BRIDGE" masquerade}.</li>
 * </ul>
 */
public final class NftRules {
    private static final Ipv4Prefix LOOPBACK = Ipv4Prefix.parse("127.0.0.0/8");

    private NftRules() {
    }

    /** The dnat rule of {@code port}, for the prerouting and the output chain alike. */
    public static List<NftExpression> publishedPort(PublishedPort port) {
        List<NftExpression> e = new ArrayList<>();
        if (port.hostAddress().isPresent()) {
            e.add(NftExpression.Payload.ipDestination(4));
            e.add(NftExpression.Cmp.equal(port.hostAddress().get().getAddress()));
        } else {
            prefix(e, NftExpression.IPV4_DADDR, LOOPBACK, false);
            e.add(NftExpression.Fib.destinationType());
            e.add(NftExpression.Cmp.equal(hostU32(linux_h.RTN_LOCAL())));
        }
        e.add(new NftExpression.Meta(linux_h.NFT_META_L4PROTO(), linux_h.NFT_REG_1()));
        e.add(NftExpression.Cmp.equal(new byte[] {(byte) port.protocol().number()}));
        e.add(NftExpression.Payload.destinationPort(port.protocol()));
        e.add(NftExpression.Cmp.equal(be16(port.hostPort())));
        e.add(new NftExpression.Immediate(linux_h.NFT_REG_1(), port.containerAddress().getAddress()));
        e.add(new NftExpression.Immediate(linux_h.NFT_REG_2(), be16(port.containerPort())));
        e.add(new NftExpression.DestinationNat(linux_h.NFT_REG_1(), linux_h.NFT_REG_2()));
        return List.copyOf(e);
    }

    /** The masquerade rule of a bridge's subnet: what leaves by any other interface gets the host's address. */
    public static List<NftExpression> masquerade(Ipv4Prefix subnet, String bridge) {
        byte[] name = interfaceName(bridge);
        List<NftExpression> e = new ArrayList<>();
        prefix(e, NftExpression.IPV4_SADDR, subnet, true);
        e.add(new NftExpression.Meta(linux_h.NFT_META_OIFNAME(), linux_h.NFT_REG_1()));
        e.add(NftExpression.Cmp.notEqual(name));
        e.add(new NftExpression.Masquerade());
        return List.copyOf(e);
    }

    /** {@code iifname NAME}: the start of a rule for what arrives by one interface. */
    public static List<NftExpression> arrivingBy(String name) {
        return List.of(new NftExpression.Meta(linux_h.NFT_META_IIFNAME(), linux_h.NFT_REG_1()),
                NftExpression.Cmp.equal(interfaceName(name)));
    }

    /**
     * The masquerade rule of a container that reaches beyond the host through
     * {@code uplink} only: {@code ip saddr PREFIX oifname UPLINK masquerade}.
     */
    public static List<NftExpression> masqueradeVia(Ipv4Prefix source, String uplink) {
        List<NftExpression> e = new ArrayList<>();
        prefix(e, NftExpression.IPV4_SADDR, source, true);
        e.add(new NftExpression.Meta(linux_h.NFT_META_OIFNAME(), linux_h.NFT_REG_1()));
        e.add(NftExpression.Cmp.equal(interfaceName(uplink)));
        e.add(new NftExpression.Masquerade());
        return List.copyOf(e);
    }

    /**
     * In the forward chain: {@code iifname BRIDGE ip saddr PREFIX oifname UPLINK accept} when
     * {@code uplink} is given, else {@code iifname BRIDGE ip saddr PREFIX drop}: a container's
     * forwarded traffic leaves by its uplinks and nowhere else.
     */
    public static List<NftExpression> forwardFrom(String bridge, Ipv4Prefix source, String uplink) {
        List<NftExpression> e = new ArrayList<>();
        e.add(new NftExpression.Meta(linux_h.NFT_META_IIFNAME(), linux_h.NFT_REG_1()));
        e.add(NftExpression.Cmp.equal(interfaceName(bridge)));
        prefix(e, NftExpression.IPV4_SADDR, source, true);
        if (uplink != null) {
            e.add(new NftExpression.Meta(linux_h.NFT_META_OIFNAME(), linux_h.NFT_REG_1()));
            e.add(NftExpression.Cmp.equal(interfaceName(uplink)));
            e.add(NftExpression.Verdict.accept());
        } else {
            e.add(NftExpression.Verdict.drop());
        }
        return List.copyOf(e);
    }

    /**
     * Matches the address at {@code offset} of the IPv4 header against {@code prefix}: a
     * prefix of whole bytes loads just those bytes, any other loads all four and masks
     * them, as nft does.
     */
    private static void prefix(List<NftExpression> e, int offset, Ipv4Prefix prefix, boolean equal) {
        byte[] network = prefix.networkBytes();
        byte[] compared;
        if (prefix.length() % 8 == 0) {
            int bytes = prefix.length() / 8;
            e.add(new NftExpression.Payload(linux_h.NFT_PAYLOAD_NETWORK_HEADER(), offset, bytes, linux_h.NFT_REG_1()));
            compared = java.util.Arrays.copyOf(network, bytes);
        } else {
            e.add(new NftExpression.Payload(linux_h.NFT_PAYLOAD_NETWORK_HEADER(), offset, 4, linux_h.NFT_REG_1()));
            e.add(new NftExpression.Bitwise(linux_h.NFT_REG_1(), prefix.maskBytes(), new byte[4]));
            compared = network;
        }
        e.add(equal ? NftExpression.Cmp.equal(compared) : NftExpression.Cmp.notEqual(compared));
    }

    /**
     * An interface name as {@code meta oifname} holds it: the name, NUL-padded to
     * {@code IFNAMSIZ} bytes.
     */
    static byte[] interfaceName(String name) {
        byte[] utf8 = name == null ? new byte[0] : name.getBytes(StandardCharsets.UTF_8);
        if (utf8.length == 0 || utf8.length >= linux_h.IFNAMSIZ() || !name.matches("[^\\s/:\\x00]+")
                || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("interface name '" + name + "' is not 1.." + (linux_h.IFNAMSIZ() - 1)
                    + " bytes without whitespace, '/' or ':'");
        }
        return java.util.Arrays.copyOf(utf8, linux_h.IFNAMSIZ());
    }

    private static byte[] be16(int v) {
        return new byte[] {(byte) (v >>> 8), (byte) v};
    }

    /** A 32-bit value in the host's order: what fib leaves in its register. */
    private static byte[] hostU32(int v) {
        byte[] b = new byte[4];
        Bytes.putU32(b, 0, v);
        return b;
    }
}
