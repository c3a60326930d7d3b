package dev.hako.netlink;

import dev.hako.linux.linux_h;

import java.util.Arrays;
import java.util.Objects;

/**
 * One expression of an nftables rule, as the kernel's {@code nf_tables} takes it: an
 * {@code NFTA_LIST_ELEM} holding the expression's name ({@code NFTA_EXPR_NAME}) and its
 * attributes ({@code NFTA_EXPR_DATA}). Only the expressions hako's NAT rules need are here.
 * Integer attributes of expressions are big-endian 32-bit values; registers are the
 * 16-byte {@code NFT_REG_1}.. ones, as {@code nft} writes them; data compared or loaded
 * ({@link Cmp}, {@link Immediate}) is the raw bytes the packet (or the meta key) holds.
 */
public sealed interface NftExpression {

    /** Where {@code saddr} sits in an IPv4 header ({@code struct iphdr}). */
    int IPV4_SADDR = linux_h.HAKO_IPHDR_SADDR();
    /** Where {@code daddr} sits in an IPv4 header. */
    int IPV4_DADDR = linux_h.HAKO_IPHDR_DADDR();
    /** The bytes of one register ({@code NFT_REG_SIZE}): the most a cmp or immediate may hold. */
    int REGISTER_SIZE = linux_h.NFT_REG_SIZE();

    /** The expression's name in the kernel ({@code payload}, {@code cmp}, ...). */
    String name();

    /** Writes the attributes inside {@code NFTA_EXPR_DATA}. */
    void encodeData(MessageBuilder m);

    /** Writes the whole {@code NFTA_LIST_ELEM}: name and data, as {@code nft} lays them out. */
    default void encode(MessageBuilder m) {
        int element = m.beginNested(nested(linux_h.NFTA_LIST_ELEM()));
        m.attrString(linux_h.NFTA_EXPR_NAME(), name());
        int data = m.beginNested(nested(linux_h.NFTA_EXPR_DATA()));
        encodeData(m);
        m.endNested(data);
        m.endNested(element);
    }

    /** {@code type} marked {@code NLA_F_NESTED}, as libmnl marks every nest. */
    static int nested(int type) {
        return type | linux_h.NLA_F_NESTED();
    }

    /** Writes {@code NFTA_DATA_VALUE} inside a nest of {@code type} (a cmp's or immediate's data). */
    private static void dataValue(MessageBuilder m, int type, byte[] value) {
        int nest = m.beginNested(nested(type));
        m.attr(linux_h.NFTA_DATA_VALUE(), value);
        m.endNested(nest);
    }

    private static void requireRegister(int register) {
        if (register != linux_h.NFT_REG_1() && register != linux_h.NFT_REG_2()) {
            throw new IllegalArgumentException("register " + register + " is not NFT_REG_1 or NFT_REG_2");
        }
    }

    private static void requireData(byte[] data, int max) {
        Objects.requireNonNull(data, "data");
        if (data.length == 0 || data.length > max) {
            throw new IllegalArgumentException("register data of " + data.length + " bytes: 1.." + max + " expected");
        }
    }

    /**
     * {@code payload load LEN @ BASE + OFFSET => REG}: bytes of the packet's network
     * ({@code NFT_PAYLOAD_NETWORK_HEADER}) or transport header into a register.
     */
    record Payload(int base, int offset, int length, int register) implements NftExpression {
        public Payload {
            if (base != linux_h.NFT_PAYLOAD_NETWORK_HEADER() && base != linux_h.NFT_PAYLOAD_TRANSPORT_HEADER()) {
                throw new IllegalArgumentException("payload base " + base + " is not the network or transport header");
            }
            if (offset < 0 || offset > 255 || length < 1 || length > REGISTER_SIZE) {
                throw new IllegalArgumentException("payload of " + length + " byte(s) at " + offset + " is out of range");
            }
            requireRegister(register);
        }

        /** {@code ip saddr} or a leading part of it (a prefix of whole bytes). */
        public static Payload ipSource(int length) {
            return new Payload(linux_h.NFT_PAYLOAD_NETWORK_HEADER(), IPV4_SADDR, length, linux_h.NFT_REG_1());
        }

        /** {@code ip daddr} or a leading part of it. */
        public static Payload ipDestination(int length) {
            return new Payload(linux_h.NFT_PAYLOAD_NETWORK_HEADER(), IPV4_DADDR, length, linux_h.NFT_REG_1());
        }

        /** {@code tcp dport} or {@code udp dport}. */
        public static Payload destinationPort(PublishedPort.Protocol protocol) {
            int offset = protocol == PublishedPort.Protocol.TCP ? linux_h.HAKO_TCPHDR_DEST() : linux_h.HAKO_UDPHDR_DEST();
            return new Payload(linux_h.NFT_PAYLOAD_TRANSPORT_HEADER(), offset, 2, linux_h.NFT_REG_1());
        }

        @Override
        public String name() {
            return "payload";
        }

        @Override
        public void encodeData(MessageBuilder m) {
            m.attrBe32(linux_h.NFTA_PAYLOAD_DREG(), register);
            m.attrBe32(linux_h.NFTA_PAYLOAD_BASE(), base);
            m.attrBe32(linux_h.NFTA_PAYLOAD_OFFSET(), offset);
            m.attrBe32(linux_h.NFTA_PAYLOAD_LEN(), length);
        }
    }

    /** {@code cmp OP REG DATA}: the rule goes on only when the register compares so. */
    record Cmp(int register, int op, byte[] data) implements NftExpression {
        public Cmp {
            requireRegister(register);
            if (op != linux_h.NFT_CMP_EQ() && op != linux_h.NFT_CMP_NEQ()) {
                throw new IllegalArgumentException("cmp op " + op + " is not NFT_CMP_EQ or NFT_CMP_NEQ");
            }
            requireData(data, REGISTER_SIZE);
            data = data.clone();
        }

        /** {@code cmp eq reg 1 DATA}. */
        public static Cmp equal(byte[] data) {
            return new Cmp(linux_h.NFT_REG_1(), linux_h.NFT_CMP_EQ(), data);
        }

        /** {@code cmp neq reg 1 DATA}. */
        public static Cmp notEqual(byte[] data) {
            return new Cmp(linux_h.NFT_REG_1(), linux_h.NFT_CMP_NEQ(), data);
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public String name() {
            return "cmp";
        }

        @Override
        public void encodeData(MessageBuilder m) {
            m.attrBe32(linux_h.NFTA_CMP_SREG(), register);
            m.attrBe32(linux_h.NFTA_CMP_OP(), op);
            dataValue(m, linux_h.NFTA_CMP_DATA(), data);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Cmp c && c.register == register && c.op == op && Arrays.equals(c.data, data);
        }

        @Override
        public int hashCode() {
            return Objects.hash(register, op, Arrays.hashCode(data));
        }

        @Override
        public String toString() {
            return "Cmp[register=" + register + ", op=" + op + ", data=" + Arrays.toString(data) + "]";
        }
    }

    /**
     * {@code bitwise REG = (REG & MASK) ^ XOR}: what {@code nft} writes for a prefix that
     * does not end on a byte boundary, before comparing.
     */
    record Bitwise(int register, byte[] mask, byte[] xor) implements NftExpression {
        public Bitwise {
            requireRegister(register);
            requireData(mask, REGISTER_SIZE);
            requireData(xor, REGISTER_SIZE);
            if (mask.length != xor.length) {
                throw new IllegalArgumentException("bitwise mask of " + mask.length + " bytes but xor of " + xor.length);
            }
            mask = mask.clone();
            xor = xor.clone();
        }

        @Override
        public byte[] mask() {
            return mask.clone();
        }

        @Override
        public byte[] xor() {
            return xor.clone();
        }

        @Override
        public String name() {
            return "bitwise";
        }

        @Override
        public void encodeData(MessageBuilder m) {
            m.attrBe32(linux_h.NFTA_BITWISE_SREG(), register);
            m.attrBe32(linux_h.NFTA_BITWISE_DREG(), register);
            m.attrBe32(linux_h.NFTA_BITWISE_LEN(), mask.length);
            dataValue(m, linux_h.NFTA_BITWISE_MASK(), mask);
            dataValue(m, linux_h.NFTA_BITWISE_XOR(), xor);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bitwise b && b.register == register && Arrays.equals(b.mask, mask)
                    && Arrays.equals(b.xor, xor);
        }

        @Override
        public int hashCode() {
            return Objects.hash(register, Arrays.hashCode(mask), Arrays.hashCode(xor));
        }

        @Override
        public String toString() {
            return "Bitwise[register=" + register + ", mask=" + Arrays.toString(mask) + ", xor=" + Arrays.toString(xor) + "]";
        }
    }

    /** {@code meta load KEY => REG}, such as {@code NFT_META_L4PROTO} or {@code NFT_META_OIFNAME}. */
    record Meta(int key, int register) implements NftExpression {
        public Meta {
            requireRegister(register);
            if (key != linux_h.NFT_META_L4PROTO() && key != linux_h.NFT_META_OIFNAME()
                    && key != linux_h.NFT_META_IIFNAME()) {
                throw new IllegalArgumentException("meta key " + key + " is not one hako uses (l4proto, oifname, iifname)");
            }
        }

        @Override
        public String name() {
            return "meta";
        }

        @Override
        public void encodeData(MessageBuilder m) {
            // nft writes the key before the register for a meta load
            m.attrBe32(linux_h.NFTA_META_KEY(), key);
            m.attrBe32(linux_h.NFTA_META_DREG(), register);
        }
    }

    /**
     * {@code fib daddr type => REG}: the route type ({@code RTN_LOCAL}, ...) of the
     * packet's destination, a host-order 32-bit value in the register.
     */
    record Fib(int flags, int result, int register) implements NftExpression {
        public Fib {
            requireRegister(register);
            if (flags != linux_h.NFTA_FIB_F_DADDR() || result != linux_h.NFT_FIB_RESULT_ADDRTYPE()) {
                throw new IllegalArgumentException("fib flags " + flags + " result " + result
                        + ": only 'fib daddr type' is supported");
            }
        }

        /** {@code fib daddr type => reg 1}. */
        public static Fib destinationType() {
            return new Fib(linux_h.NFTA_FIB_F_DADDR(), linux_h.NFT_FIB_RESULT_ADDRTYPE(), linux_h.NFT_REG_1());
        }

        @Override
        public String name() {
            return "fib";
        }

        @Override
        public void encodeData(MessageBuilder m) {
            m.attrBe32(linux_h.NFTA_FIB_DREG(), register);
            m.attrBe32(linux_h.NFTA_FIB_RESULT(), result);
            m.attrBe32(linux_h.NFTA_FIB_FLAGS(), flags);
        }
    }

    /** {@code immediate REG DATA}: a constant into a register (the address and port a dnat maps to). */
    record Immediate(int register, byte[] data) implements NftExpression {
        public Immediate {
            requireRegister(register);
            requireData(data, REGISTER_SIZE);
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public String name() {
            return "immediate";
        }

        @Override
        public void encodeData(MessageBuilder m) {
            m.attrBe32(linux_h.NFTA_IMMEDIATE_DREG(), register);
            dataValue(m, linux_h.NFTA_IMMEDIATE_DATA(), data);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Immediate i && i.register == register && Arrays.equals(i.data, data);
        }

        @Override
        public int hashCode() {
            return Objects.hash(register, Arrays.hashCode(data));
        }

        @Override
        public String toString() {
            return "Immediate[register=" + register + ", data=" + Arrays.toString(data) + "]";
        }
    }

    /**
     * {@code nat dnat ip addr_min REG proto_min REG}: destination NAT to the IPv4 address and
     * port held in two registers ({@code NF_NAT_RANGE_PROTO_SPECIFIED}, as {@code nft} sets
     * it when a port is given; the kernel adds {@code NF_NAT_RANGE_MAP_IPS} itself).
     */
    record DestinationNat(int addressRegister, int portRegister) implements NftExpression {
        public DestinationNat {
            requireRegister(addressRegister);
            requireRegister(portRegister);
            if (addressRegister == portRegister) {
                throw new IllegalArgumentException("dnat address and port in the same register " + addressRegister);
            }
        }

        @Override
        public String name() {
            return "nat";
        }

        @Override
        public void encodeData(MessageBuilder m) {
            m.attrBe32(linux_h.NFTA_NAT_TYPE(), linux_h.NFT_NAT_DNAT());
            m.attrBe32(linux_h.NFTA_NAT_FAMILY(), linux_h.NFPROTO_IPV4());
            m.attrBe32(linux_h.NFTA_NAT_REG_ADDR_MIN(), addressRegister);
            m.attrBe32(linux_h.NFTA_NAT_REG_PROTO_MIN(), portRegister);
            m.attrBe32(linux_h.NFTA_NAT_FLAGS(), linux_h.NF_NAT_RANGE_PROTO_SPECIFIED());
        }
    }

    /** {@code masq}: source NAT to the address of the interface the packet leaves by. */
    record Masquerade() implements NftExpression {
        @Override
        public String name() {
            return "masq";
        }

        @Override
        public void encodeData(MessageBuilder m) {
            // no attributes: nft still sends the (empty) data nest
        }
    }

    /** {@code drop} (or another verdict): an immediate into the verdict register, as nft writes it. */
    record Verdict(int code) implements NftExpression {
        /** {@code drop}. */
        public static Verdict drop() {
            return new Verdict(linux_h.NF_DROP());
        }

        /** {@code accept}. */
        public static Verdict accept() {
            return new Verdict(linux_h.NF_ACCEPT());
        }

        @Override
        public String name() {
            return "immediate";
        }

        @Override
        public void encodeData(MessageBuilder m) {
            m.attrBe32(linux_h.NFTA_IMMEDIATE_DREG(), linux_h.NFT_REG_VERDICT());
            int data = m.beginNested(nested(linux_h.NFTA_IMMEDIATE_DATA()));
            int verdict = m.beginNested(nested(linux_h.NFTA_DATA_VERDICT()));
            m.attrBe32(linux_h.NFTA_VERDICT_CODE(), code);
            m.endNested(verdict);
            m.endNested(data);
        }
    }
}
