package dev.hako.netlink;

import dev.hako.linux.linux_h;

import java.util.Optional;

/**
 * What an {@code NLMSG_ERROR} (an ack when its error is 0) or an {@code NLMSG_DONE} says:
 * the errno and the extended ack's message and blamed offset. Layout of an error: a
 * {@code struct nlmsgerr} (the negative errno, then the request's {@code nlmsghdr}, followed
 * by the rest of the request unless the ack is {@code NLM_F_CAPPED}), then, with
 * {@code NLM_F_ACK_TLVS}, attributes; a done's payload is the errno as an int, then the
 * same attributes.
 */
record KernelAnswer(int errno, String message, int attributeOffset) {
    private static final int ERRNO_SIZE = 4;
    private static final int MAX_ERRNO = 4095;

    static KernelAnswer parse(NetlinkMessage m) throws MalformedMessageException {
        boolean error = m.type() == linux_h.NLMSG_ERROR();
        int errorAt = error ? linux_h.HAKO_NLMSGERR_ERROR() : 0;
        int attributesAt;
        if (error) {
            int requestAt = linux_h.HAKO_NLMSGERR_MSG();
            m.requireHeader(requestAt + Netlink.MESSAGE_HEADER_SIZE, "NLMSG_ERROR");
            if ((m.flags() & linux_h.NLM_F_CAPPED()) != 0) {
                attributesAt = requestAt + Netlink.MESSAGE_HEADER_SIZE;
            } else {
                long echoed = Integer.toUnsignedLong(m.u32(requestAt + MessageBuilder.LENGTH_OFFSET));
                if (echoed < Netlink.MESSAGE_HEADER_SIZE || requestAt + echoed > m.payloadLength()) {
                    if ((m.flags() & linux_h.NLM_F_ACK_TLVS()) != 0) {
                        throw new MalformedMessageException("NLMSG_ERROR echoes a request of " + echoed
                                + " bytes, which does not fit its " + m.payloadLength() + "-byte payload");
                    }
                    echoed = Netlink.MESSAGE_HEADER_SIZE; // nothing follows it that we would read
                }
                attributesAt = requestAt + Netlink.align((int) echoed);
            }
        } else {
            if (m.payloadLength() < ERRNO_SIZE) {
                return new KernelAnswer(0, null, -1); // old kernels end a dump with an empty done
            }
            attributesAt = Netlink.align(ERRNO_SIZE);
        }
        int value = m.u32(errorAt);
        if (value > 0 || value < -MAX_ERRNO) {
            throw new MalformedMessageException((error ? "NLMSG_ERROR" : "NLMSG_DONE") + " carries error " + value
                    + ", not a negative errno or 0");
        }
        String text = null;
        int offset = -1;
        if ((m.flags() & linux_h.NLM_F_ACK_TLVS()) != 0 && attributesAt < m.payloadLength()) {
            Attributes tlvs = m.attributesAt(attributesAt);
            text = tlvs.string(linux_h.NLMSGERR_ATTR_MSG()).orElse(null);
            Optional<Attribute> offs = tlvs.get(linux_h.NLMSGERR_ATTR_OFFS());
            if (offs.isPresent()) {
                offset = offs.get().u32();
            }
        }
        return new KernelAnswer(-value, text, offset);
    }
}
