package dev.hako.netlink;

import dev.hako.linux.linux_h;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One received attribute: its type (without the {@code NLA_F_NESTED} and
 * {@code NLA_F_NET_BYTEORDER} bits), those bits, and a view of its payload inside the
 * received bytes. Every accessor checks the payload's length against what it reads and
 * throws {@link MalformedMessageException} naming the attribute when they differ.
 */
public final class Attribute {
    private final int rawType;
    private final byte[] buf;
    private final int offset;
    private final int length;

    Attribute(int rawType, byte[] buf, int offset, int length) {
        this.rawType = rawType;
        this.buf = buf;
        this.offset = offset;
        this.length = length;
    }

    /** The type, {@code nla_type & NLA_TYPE_MASK}. */
    public int type() {
        return rawType & linux_h.NLA_TYPE_MASK();
    }

    /** Whether the sender marked it {@code NLA_F_NESTED}. */
    public boolean nestedFlag() {
        return (rawType & linux_h.NLA_F_NESTED()) != 0;
    }

    /** Whether the sender marked it {@code NLA_F_NET_BYTEORDER}. */
    public boolean networkByteOrderFlag() {
        return (rawType & linux_h.NLA_F_NET_BYTEORDER()) != 0;
    }

    /** The payload's length, without header and padding. */
    public int length() {
        return length;
    }

    /** A copy of the payload. */
    public byte[] bytes() {
        return Arrays.copyOfRange(buf, offset, offset + length);
    }

    /** A one-byte payload. */
    public int u8() throws MalformedMessageException {
        expect(1);
        return buf[offset] & 0xFF;
    }

    /** A 16-bit payload in the host's order. */
    public int u16() throws MalformedMessageException {
        expect(2);
        return Bytes.u16(buf, offset);
    }

    /** A 32-bit payload in the host's order (compare unsigned where it matters). */
    public int u32() throws MalformedMessageException {
        expect(4);
        return Bytes.u32(buf, offset);
    }

    /** A 64-bit payload in the host's order. */
    public long u64() throws MalformedMessageException {
        expect(8);
        return Bytes.u64(buf, offset);
    }

    /** A 16-bit payload in network order. */
    public int be16() throws MalformedMessageException {
        expect(2);
        return Bytes.be16(buf, offset);
    }

    /** A 32-bit payload in network order. */
    public int be32() throws MalformedMessageException {
        expect(4);
        return Bytes.be32(buf, offset);
    }

    /** A 64-bit payload in network order. */
    public long be64() throws MalformedMessageException {
        expect(8);
        return Bytes.be64(buf, offset);
    }

    /** A C string: the payload up to its first NUL (all of it when there is none), as UTF-8. */
    public String string() {
        int end = offset;
        while (end < offset + length && buf[end] != 0) {
            end++;
        }
        return new String(buf, offset, end - offset, StandardCharsets.UTF_8);
    }

    /** The payload parsed as attributes (a nested attribute), with the same checks as a message's. */
    public Attributes nested() throws MalformedMessageException {
        return Attributes.parse(buf, offset, length, "nested attribute " + type());
    }

    private void expect(int size) throws MalformedMessageException {
        if (length != size) {
            throw new MalformedMessageException("attribute " + type() + " has a " + length + "-byte payload where "
                    + size + " bytes were expected");
        }
    }

    @Override
    public String toString() {
        return "attribute " + type() + " (" + length + " bytes)";
    }
}
