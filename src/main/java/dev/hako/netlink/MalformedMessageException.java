package dev.hako.netlink;

import java.io.IOException;

/**
 * A message from the kernel (or bytes claiming to be one) does not hold together: a length
 * that points past its buffer or below its header, a family header or attribute shorter
 * than its type needs, a reply larger than the receive buffer. Nothing beyond the bytes
 * received is ever read; the message says what was wrong and where.
 */
public final class MalformedMessageException extends IOException {
    private static final long serialVersionUID = 1L;

    public MalformedMessageException(String message) {
        super(message);
    }
}
