package dev.hako.netlink;

import dev.hako.linux.linux_h;

import java.util.ArrayList;
import java.util.List;

/**
 * One received netlink message: its header fields and a checked view of its payload (the
 * family header, then attributes). {@link #parseAll} splits a received datagram into
 * messages, refusing any length that does not fit, so no accessor can read beyond the
 * bytes received.
 */
public final class NetlinkMessage {
    private static final int HEADER = Netlink.MESSAGE_HEADER_SIZE;

    private final byte[] buf;
    private final int start;
    private final int length;

    private NetlinkMessage(byte[] buf, int start, int length) {
        this.buf = buf;
        this.start = start;
        this.length = length;
    }

    /**
     * Splits the first {@code length} bytes of {@code buf} into messages, each starting at
     * the aligned end of the one before.
     *
     * @throws MalformedMessageException when a header is cut short, or a message's
     *     {@code nlmsg_len} is below the header's size or beyond the bytes left
     */
    public static List<NetlinkMessage> parseAll(byte[] buf, int length) throws MalformedMessageException {
        java.util.Objects.checkFromIndexSize(0, length, buf.length);
        List<NetlinkMessage> messages = new ArrayList<>();
        int at = 0;
        while (at < length) {
            int left = length - at;
            if (left < HEADER) {
                throw new MalformedMessageException("netlink message at byte " + at + " is cut short: " + left
                        + " byte(s), less than its header (" + HEADER + ")");
            }
            long declared = Integer.toUnsignedLong(Bytes.u32(buf, at + MessageBuilder.LENGTH_OFFSET));
            if (declared < HEADER || declared > left) {
                throw new MalformedMessageException("netlink message at byte " + at + " (type "
                        + Bytes.u16(buf, at + MessageBuilder.TYPE_OFFSET) + ") declares " + declared + " bytes, but "
                        + (declared < HEADER ? "its header alone is " + HEADER : "only " + left + " were received"));
            }
            messages.add(new NetlinkMessage(buf, at, (int) declared));
            at += Math.min(Netlink.align((int) declared), left);
        }
        return messages;
    }

    /** {@code nlmsg_type}. */
    public int type() {
        return Bytes.u16(buf, start + MessageBuilder.TYPE_OFFSET);
    }

    /** {@code nlmsg_flags}. */
    public int flags() {
        return Bytes.u16(buf, start + MessageBuilder.FLAGS_OFFSET);
    }

    /** {@code nlmsg_seq}: the sequence number of the request this answers. */
    public int sequence() {
        return Bytes.u32(buf, start + MessageBuilder.SEQ_OFFSET);
    }

    /** {@code nlmsg_pid}: the port id of the socket the request came from (0 for the kernel's own messages). */
    public int portId() {
        return Bytes.u32(buf, start + linux_h.HAKO_NLMSG_PID());
    }

    /** The payload's length: everything after the message header. */
    public int payloadLength() {
        return length - HEADER;
    }

    /** A copy of the whole message, header included. */
    public byte[] bytes() {
        return java.util.Arrays.copyOfRange(buf, start, start + length);
    }

    /** One byte of the payload at {@code offset} (a family header field). */
    public int u8(int offset) throws MalformedMessageException {
        return buf[payload(offset, 1)] & 0xFF;
    }

    /** A 16-bit payload field in the host's order. */
    public int u16(int offset) throws MalformedMessageException {
        return Bytes.u16(buf, payload(offset, 2));
    }

    /** A 16-bit payload field in network order. */
    public int be16(int offset) throws MalformedMessageException {
        return Bytes.be16(buf, payload(offset, 2));
    }

    /** A 32-bit payload field in the host's order. */
    public int u32(int offset) throws MalformedMessageException {
        return Bytes.u32(buf, payload(offset, 4));
    }

    /** Checks that the payload holds a family header of {@code size} bytes. */
    public void requireHeader(int size, String what) throws MalformedMessageException {
        if (payloadLength() < size) {
            throw new MalformedMessageException(what + " message (type " + type() + ") has a " + payloadLength()
                    + "-byte payload, too short for its " + size + "-byte header");
        }
    }

    /** The attributes after a family header of {@code familyHeaderSize} bytes (aligned to 4). */
    public Attributes attributes(int familyHeaderSize) throws MalformedMessageException {
        requireHeader(familyHeaderSize, "a");
        int from = Math.min(Netlink.align(familyHeaderSize), payloadLength());
        return Attributes.parse(buf, start + HEADER + from, payloadLength() - from, "message type " + type());
    }

    /** Attributes starting at {@code offset} of the payload (for layouts like an error's, whose TLVs follow the request). */
    Attributes attributesAt(int offset) throws MalformedMessageException {
        if (offset > payloadLength()) {
            throw new MalformedMessageException("message type " + type() + ": attributes at payload offset " + offset
                    + ", beyond its " + payloadLength() + "-byte payload");
        }
        return Attributes.parse(buf, start + HEADER + offset, payloadLength() - offset, "message type " + type());
    }

    private int payload(int offset, int size) throws MalformedMessageException {
        if (offset < 0 || offset + size > payloadLength()) {
            throw new MalformedMessageException("message type " + type() + ": a " + size + "-byte field at payload offset "
                    + offset + " is beyond its " + payloadLength() + "-byte payload");
        }
        return start + HEADER + offset;
    }

    @Override
    public String toString() {
        return "netlink message type " + type() + " flags 0x" + Integer.toHexString(flags()) + " seq "
                + Integer.toUnsignedString(sequence()) + " (" + length + " bytes)";
    }
}
