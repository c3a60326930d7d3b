package dev.hako;

import java.io.IOException;

/**
 * A container could not be started or controlled. The message says what went wrong
 * (for a failed setup step: which system call on which path, and the errno) and, where
 * there is one, what to do about it.
 */
public class ContainerException extends IOException {
    private static final long serialVersionUID = 1L;

    public ContainerException(String message) {
        super(message);
    }

    public ContainerException(String message, Throwable cause) {
        super(message, cause);
    }
}
