package dev.hako.linux;

import java.io.IOException;

/**
 * A system call failed. The message names the call, its important arguments and the
 * errno, e.g. {@code mount(overlay -> /var/lib/hako/c1/rootfs): EINVAL (Invalid argument)}.
 */
public final class SyscallException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;
    private final String call;

    public SyscallException(String call, int errno) {
        super(call + ": " + Errno.describe(errno));
        this.errno = errno;
        this.call = call;
    }

    /** The call as the message names it, without the errno. */
    public String call() {
        return call;
    }

    /** The errno value the call failed with. */
    public int errno() {
        return errno;
    }
}
