package dev.hako;

import dev.hako.linux.Signals;

/**
 * How a container's main process ended: with an exit code, or killed by a signal.
 *
 * <p>{@link #toExitValue()} folds both into one number the way shells and
 * {@link Process#exitValue()} do: the code itself, or 128 + the signal number.
 */
public record ExitStatus(int code, int signal) {

    /** A process that called {@code exit(code)}. */
    public static ExitStatus exited(int code) {
        return new ExitStatus(code, 0);
    }

    /** A process that was killed by {@code signal}. */
    public static ExitStatus killed(int signal) {
        return new ExitStatus(0, signal);
    }

    /** True when the process was killed by a signal rather than exiting. */
    public boolean signaled() {
        return signal != 0;
    }

    /** The exit code, or 128 + signal for a process killed by a signal. */
    public int toExitValue() {
        return signaled() ? 128 + signal : code;
    }

    @Override
    public String toString() {
        return signaled() ? "killed by " + Signals.name(signal) : "exited with code " + code;
    }
}
