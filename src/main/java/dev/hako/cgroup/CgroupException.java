package dev.hako.cgroup;

import java.io.IOException;

/**
 * A cgroup could not be created, configured, frozen, emptied or removed. The message names
 * the option or operation, the file, the value and the kernel's reason, and where there
 * is one, what to do about it.
 */
public final class CgroupException extends IOException {
    private static final long serialVersionUID = 1L;

    public CgroupException(String message) {
        super(message);
    }

    public CgroupException(String message, Throwable cause) {
        super(message, cause);
    }
}
