package dev.hako.userns;

import java.io.IOException;

/**
 * A user namespace's maps could not be written: the kernel refused a write
 * ({@link #errno()}), {@code newuidmap}/{@code newgidmap} failed ({@link #exitCode()}) or is
 * missing. The message names the process, the file or helper, and the map.
 */
public final class IdMapException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;
    private final int exitCode;

    IdMapException(String message, int errno, int exitCode, Throwable cause) {
        super(message, cause);
        this.errno = errno;
        this.exitCode = exitCode;
    }

    /** The errno the kernel refused a write with; 0 when the kernel did not refuse. */
    public int errno() {
        return errno;
    }

    /** The helper's exit code; -1 when no helper ran to its end. */
    public int exitCode() {
        return exitCode;
    }
}
