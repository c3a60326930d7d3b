package dev.hako.netlink;

import dev.hako.linux.linux_h;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The attributes of a message (after its family header) or of a nested attribute, parsed
 * and checked all at once: each {@code nla_len} must cover at least its own header and fit
 * in what is left, so a truncated or lying length is a {@link MalformedMessageException}
 * and never a read beyond the received bytes. The last attribute's padding may be missing,
 * as the kernel's own {@code nla_ok} allows.
 */
public final class Attributes {
    private static final int HEADER = Netlink.ATTRIBUTE_HEADER_SIZE;

    private final List<Attribute> list;

    private Attributes(List<Attribute> list) {
        this.list = list;
    }

    /**
     * Parses the {@code length} bytes of {@code buf} from {@code offset}; {@code where}
     * names them in errors (such as {@code RTM_NEWLINK message}).
     */
    public static Attributes parse(byte[] buf, int offset, int length, String where) throws MalformedMessageException {
        java.util.Objects.checkFromIndexSize(offset, length, buf.length);
        List<Attribute> list = new ArrayList<>();
        int at = offset;
        int end = offset + length;
        while (at < end) {
            int left = end - at;
            if (left < HEADER) {
                throw new MalformedMessageException(where + ": " + left + " trailing byte(s) at offset " + (at - offset)
                        + ", too few for an attribute header (" + HEADER + ")");
            }
            int attrLength = Bytes.u16(buf, at + linux_h.HAKO_NLA_LEN());
            int type = Bytes.u16(buf, at + linux_h.HAKO_NLA_TYPE());
            if (attrLength < HEADER || attrLength > left) {
                throw new MalformedMessageException(where + ": attribute " + (type & linux_h.NLA_TYPE_MASK())
                        + " at offset " + (at - offset) + " declares " + attrLength + " bytes, but "
                        + (attrLength < HEADER ? "its header alone is " + HEADER : "only " + left + " are left"));
            }
            list.add(new Attribute(type, buf, at + HEADER, attrLength - HEADER));
            at += Math.min(Netlink.align(attrLength), left);
        }
        return new Attributes(Collections.unmodifiableList(list));
    }

    /** Every attribute, in the order received. */
    public List<Attribute> all() {
        return list;
    }

    /** The first attribute of {@code type}. */
    public Optional<Attribute> get(int type) {
        for (Attribute a : list) {
            if (a.type() == type) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /** Every attribute of {@code type} (some families repeat one, like nftables' list elements). */
    public List<Attribute> getAll(int type) {
        List<Attribute> found = new ArrayList<>();
        for (Attribute a : list) {
            if (a.type() == type) {
                found.add(a);
            }
        }
        return found;
    }

    /** The string of the first attribute of {@code type}. */
    public Optional<String> string(int type) {
        return get(type).map(Attribute::string);
    }

    /** The 32-bit value of the first attribute of {@code type}, or {@code otherwise} when there is none. */
    public int u32(int type, int otherwise) throws MalformedMessageException {
        Optional<Attribute> a = get(type);
        return a.isPresent() ? a.get().u32() : otherwise;
    }

    /** The first attribute of {@code type} parsed as nested attributes. */
    public Optional<Attributes> nested(int type) throws MalformedMessageException {
        Optional<Attribute> a = get(type);
        return a.isPresent() ? Optional.of(a.get().nested()) : Optional.empty();
    }

    @Override
    public String toString() {
        return list.toString();
    }
}
