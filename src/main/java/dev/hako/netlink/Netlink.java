package dev.hako.netlink;

import dev.hako.linux.linux_h;

/**
 * Netlink's framing rules, from the generated bindings: the sizes of {@code struct nlmsghdr}
 * and {@code struct nlattr}, and the 4-byte alignment that {@code NLMSG_ALIGN} and
 * {@code NLA_ALIGN} apply to every message, family header and attribute.
 */
public final class Netlink {
    /** {@code sizeof(struct nlmsghdr)}: 16. */
    public static final int MESSAGE_HEADER_SIZE = linux_h.HAKO_NLMSGHDR_SIZE();
    /** {@code sizeof(struct nlattr)}: 4. */
    public static final int ATTRIBUTE_HEADER_SIZE = linux_h.HAKO_NLATTR_SIZE();
    /** The largest length an attribute (header included) can declare: its {@code nla_len} is 16 bits. */
    public static final int MAX_ATTRIBUTE_LENGTH = 0xFFFF;

    private static final int ALIGN_TO = linux_h.NLMSG_ALIGNTO();

    static {
        if (linux_h.NLA_ALIGNTO() != ALIGN_TO) {
            throw new ExceptionInInitializerError("NLA_ALIGNTO " + linux_h.NLA_ALIGNTO() + " differs from NLMSG_ALIGNTO "
                    + ALIGN_TO + ": the framing here assumes one alignment");
        }
    }

    private Netlink() {
    }

    /** {@code NLMSG_ALIGN(length)} (the same as {@code NLA_ALIGN}): rounded up to the next multiple of 4. */
    public static int align(int length) {
        return (length + ALIGN_TO - 1) & -ALIGN_TO;
    }
}
