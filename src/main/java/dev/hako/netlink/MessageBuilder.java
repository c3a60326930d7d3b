package dev.hako.netlink;

import dev.hako.linux.linux_h;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes one netlink message the way the kernel frames them: a {@code struct nlmsghdr}, a
 * fixed family header (such as {@code struct ifinfomsg} for rtnetlink links or
 * {@code struct nfgenmsg} for nftables), then attributes, each a {@code struct nlattr}
 * ({@code nla_len} counts its header and value but not its padding) padded with zeros to 4
 * bytes, nested attributes included; {@code nlmsg_len} counts the padding.
 *
 * <pre>{@code
 * MessageBuilder m = MessageBuilder.request(RTM_NEWLINK(), NLM_F_CREATE() | NLM_F_EXCL(), HAKO_IFINFOMSG_SIZE());
 * m.headerU32(HAKO_IFI_FLAGS(), IFF_UP());
 * m.attrString(IFLA_IFNAME(), "hako0");
 * int info = m.beginNested(IFLA_LINKINFO());
 * m.attrString(IFLA_INFO_KIND(), "bridge");
 * m.endNested(info);
 * NetlinkRequest request = m.build("RTM_NEWLINK hako0 (bridge)");
 * }</pre>
 *
 * Values go in the host's byte order unless the method says network order ({@code Be}).
 * Nesting does not add {@code NLA_F_NESTED} by itself: OR it into the type where the family
 * wants it (nftables does; rtnetlink, like iproute2, leaves it out). A builder is for one
 * thread and one message; every misuse (an attribute too long for its 16-bit length, a
 * nest left open, a header field outside the header) is an {@link IllegalArgumentException}
 * or {@link IllegalStateException}.
 */
public final class MessageBuilder {
    static final int LENGTH_OFFSET = linux_h.HAKO_NLMSG_LEN();
    static final int TYPE_OFFSET = linux_h.HAKO_NLMSG_TYPE();
    static final int FLAGS_OFFSET = linux_h.HAKO_NLMSG_FLAGS();
    static final int SEQ_OFFSET = linux_h.HAKO_NLMSG_SEQ();

    private static final int HEADER = Netlink.MESSAGE_HEADER_SIZE;
    private static final int ATTR_HEADER = Netlink.ATTRIBUTE_HEADER_SIZE;

    private final int familyHeaderSize;
    private final NetlinkRequest.Completion completion;
    private byte[] buf = new byte[128];
    private int length;
    private int openNests;
    private boolean built;

    private MessageBuilder(int type, int flags, int familyHeaderSize, NetlinkRequest.Completion completion) {
        if (type < 0 || type > 0xFFFF) {
            throw new IllegalArgumentException("message type " + type + " does not fit nlmsg_type (16 bits)");
        }
        if (flags < 0 || flags > 0xFFFF) {
            throw new IllegalArgumentException("message flags 0x" + Integer.toHexString(flags)
                    + " do not fit nlmsg_flags (16 bits)");
        }
        if (familyHeaderSize < 0 || familyHeaderSize > 4096) {
            throw new IllegalArgumentException("family header size " + familyHeaderSize + " is not 0..4096");
        }
        this.familyHeaderSize = familyHeaderSize;
        this.completion = completion;
        Bytes.putU16(buf, TYPE_OFFSET, type);
        Bytes.putU16(buf, FLAGS_OFFSET, flags);
        length = HEADER;
        reserve(Netlink.align(familyHeaderSize));
    }

    /**
     * A request the kernel acknowledges: {@code NLM_F_REQUEST | NLM_F_ACK | flags}.
     *
     * @param familyHeaderSize the size of the family's fixed header, zero-filled until set
     */
    public static MessageBuilder request(int type, int flags, int familyHeaderSize) {
        return new MessageBuilder(type, flags | linux_h.NLM_F_REQUEST() | linux_h.NLM_F_ACK(), familyHeaderSize,
                NetlinkRequest.Completion.ACK);
    }

    /** A dump request: {@code NLM_F_REQUEST | NLM_F_DUMP}, answered by a multipart reply ending in {@code NLMSG_DONE}. */
    public static MessageBuilder dump(int type, int familyHeaderSize) {
        return new MessageBuilder(type, linux_h.NLM_F_REQUEST() | linux_h.NLM_F_DUMP(), familyHeaderSize,
                NetlinkRequest.Completion.DUMP);
    }

    /**
     * A message with exactly {@code flags} (add {@code NLM_F_REQUEST} yourself) whose sender
     * waits for nothing, such as nftables' batch markers.
     */
    public static MessageBuilder unacknowledged(int type, int flags, int familyHeaderSize) {
        return new MessageBuilder(type, flags, familyHeaderSize, NetlinkRequest.Completion.NONE);
    }

    /** Sets one byte of the family header; {@code offset} counts from the family header's start. */
    public MessageBuilder headerU8(int offset, int value) {
        buf[headerField(offset, 1)] = (byte) value;
        return this;
    }

    /** Sets a 16-bit field of the family header, in the host's order. */
    public MessageBuilder headerU16(int offset, int value) {
        Bytes.putU16(buf, headerField(offset, 2), value);
        return this;
    }

    /** Sets a 16-bit field of the family header in network order (such as nfgenmsg's res_id). */
    public MessageBuilder headerBe16(int offset, int value) {
        Bytes.putBe16(buf, headerField(offset, 2), value);
        return this;
    }

    /** Sets a 32-bit field of the family header, in the host's order. */
    public MessageBuilder headerU32(int offset, int value) {
        Bytes.putU32(buf, headerField(offset, 4), value);
        return this;
    }

    /** Sets the whole family header from bytes laid out as the C struct; their length must be its size. */
    public MessageBuilder header(byte[] familyHeader) {
        if (familyHeader.length != familyHeaderSize) {
            throw new IllegalArgumentException("family header of " + familyHeader.length + " bytes, but this message's is "
                    + familyHeaderSize);
        }
        System.arraycopy(familyHeader, 0, buf, HEADER, familyHeaderSize);
        return this;
    }

    private int headerField(int offset, int size) {
        if (offset < 0 || offset + size > familyHeaderSize) {
            throw new IllegalArgumentException("a " + size + "-byte field at " + offset + " is outside the family header ("
                    + familyHeaderSize + " bytes)");
        }
        return HEADER + offset;
    }

    /** An attribute with {@code value} as its payload. */
    public MessageBuilder attr(int type, byte[] value) {
        return attr(type, value, 0, value.length);
    }

    /** An attribute with {@code length} bytes of {@code value} from {@code offset} as its payload. */
    public MessageBuilder attr(int type, byte[] value, int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, value.length);
        int at = beginAttr(type, length);
        System.arraycopy(value, offset, buf, at, length);
        return this;
    }

    /** An attribute with no payload (a flag such as {@code IFA_F_NODAD}'s kin). */
    public MessageBuilder attrFlag(int type) {
        beginAttr(type, 0);
        return this;
    }

    /** A one-byte attribute. */
    public MessageBuilder attrU8(int type, int value) {
        int at = beginAttr(type, 1); // first: it may grow buf, which the array access would read before it
        buf[at] = (byte) value;
        return this;
    }

    /** A 16-bit attribute in the host's order. */
    public MessageBuilder attrU16(int type, int value) {
        int at = beginAttr(type, 2); // first: it may grow buf
        Bytes.putU16(buf, at, value);
        return this;
    }

    /** A 32-bit attribute in the host's order (such as {@code IFLA_MTU}, an ifindex, an fd). */
    public MessageBuilder attrU32(int type, int value) {
        int at = beginAttr(type, 4); // first: it may grow buf
        Bytes.putU32(buf, at, value);
        return this;
    }

    /** A 64-bit attribute in the host's order. */
    public MessageBuilder attrU64(int type, long value) {
        int at = beginAttr(type, 8); // first: it may grow buf
        Bytes.putU64(buf, at, value);
        return this;
    }

    /** A 16-bit attribute in network order. */
    public MessageBuilder attrBe16(int type, int value) {
        int at = beginAttr(type, 2); // first: it may grow buf
        Bytes.putBe16(buf, at, value);
        return this;
    }

    /** A 32-bit attribute in network order. */
    public MessageBuilder attrBe32(int type, int value) {
        int at = beginAttr(type, 4); // first: it may grow buf
        Bytes.putBe32(buf, at, value);
        return this;
    }

    /** A 64-bit attribute in network order. */
    public MessageBuilder attrBe64(int type, long value) {
        int at = beginAttr(type, 8); // first: it may grow buf
        Bytes.putBe64(buf, at, value);
        return this;
    }

    /**
     * A C string attribute: the UTF-8 bytes of {@code value} and a terminating NUL (which
     * {@code nla_len} counts). A NUL inside {@code value} is refused: the kernel would cut
     * the string there.
     */
    public MessageBuilder attrString(int type, String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("attribute " + type + ": the string contains a NUL: " + value.replace("\0", "\\0"));
        }
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        int at = beginAttr(type, utf8.length + 1);
        System.arraycopy(utf8, 0, buf, at, utf8.length);
        return this;
    }

    /**
     * Writes {@code struct} as it is, padded to 4, where the next attribute would go: for a
     * nest whose payload starts with a C struct before its attributes, such as
     * {@code VETH_INFO_PEER}, which holds the peer's {@code struct ifinfomsg}.
     */
    public MessageBuilder struct(byte[] struct) {
        if (built) {
            throw new IllegalStateException("the message was already built");
        }
        int at = length;
        reserve(Netlink.align(struct.length));
        System.arraycopy(struct, 0, buf, at, struct.length);
        return this;
    }

    /**
     * Opens a nested attribute: the attributes written until {@link #endNested} with the
     * returned token are its payload.
     */
    public int beginNested(int type) {
        int start = length;
        beginAttr(type, 0);
        openNests++;
        return start;
    }

    /** Closes the nest {@code token} names: its {@code nla_len} becomes everything written since, padding included. */
    public MessageBuilder endNested(int token) {
        if (openNests == 0 || token < HEADER || token + ATTR_HEADER > length) {
            throw new IllegalStateException("endNested(" + token + ") without a matching beginNested");
        }
        int nestLength = length - token;
        if (nestLength > Netlink.MAX_ATTRIBUTE_LENGTH) {
            throw new IllegalArgumentException("nested attribute " + Bytes.u16(buf, token + linux_h.HAKO_NLA_TYPE())
                    + " holds " + nestLength + " bytes, more than nla_len can count (" + Netlink.MAX_ATTRIBUTE_LENGTH + ")");
        }
        Bytes.putU16(buf, token + linux_h.HAKO_NLA_LEN(), nestLength);
        openNests--;
        return this;
    }

    /** Writes the attribute's header, reserves its padded payload and returns where the payload starts. */
    private int beginAttr(int type, int payload) {
        if (built) {
            throw new IllegalStateException("the message was already built");
        }
        if (type < 0 || type > 0xFFFF) {
            throw new IllegalArgumentException("attribute type " + type + " does not fit nla_type (16 bits)");
        }
        int attrLength = ATTR_HEADER + payload;
        if (attrLength > Netlink.MAX_ATTRIBUTE_LENGTH) {
            throw new IllegalArgumentException("attribute " + type + " of " + payload + " bytes is longer than nla_len can count ("
                    + Netlink.MAX_ATTRIBUTE_LENGTH + " with its header)");
        }
        int start = length;
        reserve(Netlink.align(attrLength));
        Bytes.putU16(buf, start + linux_h.HAKO_NLA_LEN(), attrLength);
        Bytes.putU16(buf, start + linux_h.HAKO_NLA_TYPE(), type);
        return start + ATTR_HEADER;
    }

    private void reserve(int bytes) {
        int needed = length + bytes;
        if (needed < 0 || needed > NetlinkSocket.MAX_SEND) {
            throw new IllegalArgumentException("message longer than " + NetlinkSocket.MAX_SEND + " bytes");
        }
        if (needed > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(needed, buf.length * 2));
        }
        length = needed; // the array is zeroed, so padding and unset header fields are 0
    }

    /** Ends the message: sets {@code nlmsg_len}; {@code description} names it in errors. */
    public NetlinkRequest build(String description) {
        if (openNests != 0) {
            throw new IllegalStateException(description + ": " + openNests + " nested attribute(s) not closed");
        }
        built = true;
        Bytes.putU32(buf, LENGTH_OFFSET, length);
        return new NetlinkRequest(Arrays.copyOf(buf, length), description, completion);
    }
}
