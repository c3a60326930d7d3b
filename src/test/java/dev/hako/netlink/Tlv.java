package dev.hako.netlink;

import dev.hako.linux.linux_h;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Expected attribute bytes for the tests, written out by netlink's rules without
 * MessageBuilder: a {@code struct nlattr} (nla_len counting header and value, not padding;
 * nla_type in the host's order) and the value padded with zeros to 4 bytes. Nests are
 * marked NLA_F_NESTED, as libmnl marks them.
 */
final class Tlv {
    private Tlv() {
    }

    static byte[] attr(int type, byte[] value) {
        int length = 4 + value.length;
        ByteBuffer b = ByteBuffer.allocate((length + 3) & ~3).order(ByteOrder.nativeOrder());
        b.putShort((short) length).putShort((short) type).put(value);
        return b.array();
    }

    static byte[] nest(int type, byte[]... children) {
        return attr(type | linux_h.NLA_F_NESTED(), concat(children));
    }

    static byte[] string(int type, String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return attr(type, java.util.Arrays.copyOf(utf8, utf8.length + 1));
    }

    static byte[] be32(int type, int v) {
        return attr(type, ByteBuffer.allocate(4).order(ByteOrder.BIG_ENDIAN).putInt(v).array());
    }

    static byte[] be64(int type, long v) {
        return attr(type, ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putLong(v).array());
    }

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** One expression: NFTA_LIST_ELEM { NFTA_EXPR_NAME name, NFTA_EXPR_DATA { data } }. */
    static byte[] expression(String name, byte[]... data) {
        return nest(linux_h.NFTA_LIST_ELEM(), string(linux_h.NFTA_EXPR_NAME(), name), nest(linux_h.NFTA_EXPR_DATA(), data));
    }

    /** NFTA_DATA_VALUE inside a nest of {@code type}. */
    static byte[] data(int type, byte[] value) {
        return nest(type, attr(linux_h.NFTA_DATA_VALUE(), value));
    }
}
