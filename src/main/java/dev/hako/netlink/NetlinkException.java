package dev.hako.netlink;

import dev.hako.linux.Errno;

import java.io.IOException;
import java.util.Optional;

/**
 * The kernel refused a netlink request: its errno and, where the kernel gave one, its
 * extended ack message ({@code NLMSGERR_ATTR_MSG}) and the offset of the attribute it
 * blames ({@code NLMSGERR_ATTR_OFFS}). The message names the request, e.g.
 * {@code RTM_NEWLINK hako0 (bridge): File exists (EEXIST): the kernel says: ...}; in a
 * pipelined send it also says which request of how many it was.
 */
public final class NetlinkException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String request;
    private final int errno;
    private final String kernelMessage;
    private final int attributeOffset;
    private final int index;

    /**
     * @param request the request's description
     * @param errno the positive errno
     * @param kernelMessage the extended ack's text, or null
     * @param attributeOffset the byte offset in the request of the attribute blamed, or -1
     * @param index the request's place in its send (0-based), or -1 when it was sent alone
     * @param count how many requests that send held
     */
    public NetlinkException(String request, int errno, String kernelMessage, int attributeOffset, int index, int count) {
        super(describe(request, errno, kernelMessage, attributeOffset, index, count));
        this.request = request;
        this.errno = errno;
        this.kernelMessage = kernelMessage;
        this.attributeOffset = attributeOffset;
        this.index = index;
    }

    private static String describe(String request, int errno, String kernelMessage, int attributeOffset, int index,
            int count) {
        StringBuilder s = new StringBuilder(request).append(": ").append(Errno.text(errno))
                .append(" (").append(Errno.name(errno)).append(')');
        if (kernelMessage != null && !kernelMessage.isEmpty()) {
            s.append(": the kernel says: ").append(kernelMessage);
        }
        if (attributeOffset >= 0) {
            s.append(" (the attribute at byte ").append(attributeOffset).append(" of the request)");
        }
        if (count > 1) {
            s.append(" [request ").append(index + 1).append(" of ").append(count).append(" sent together]");
        }
        return s.toString();
    }

    /** The request's description, as given when it was built. */
    public String request() {
        return request;
    }

    /** The errno (positive), such as {@code EEXIST}'s value. */
    public int errno() {
        return errno;
    }

    /** The errno's symbol, such as {@code EEXIST}. */
    public String errnoName() {
        return Errno.name(errno);
    }

    /** The kernel's extended ack text, when it sent one. */
    public Optional<String> kernelMessage() {
        return Optional.ofNullable(kernelMessage);
    }

    /** The offset in the request of the attribute the kernel blames, or -1. */
    public int attributeOffset() {
        return attributeOffset;
    }

    /** The request's place (0-based) among those sent together, or -1 for a request sent alone. */
    public int index() {
        return index;
    }
}
