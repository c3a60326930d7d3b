package dev.hako.seccomp;

/**
 * A seccomp profile that cannot be read or compiled: the message names the option (the
 * JSON path of the field, or the architecture) and what is wrong with it.
 */
public final class SeccompException extends IllegalArgumentException {
    public SeccompException(String message) {
        super(message);
    }

    public SeccompException(String message, Throwable cause) {
        super(message, cause);
    }
}
