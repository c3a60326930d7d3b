package dev.hako;

import dev.hako.linux.Signals;

/**
 * How a container's main process ended: with an exit code, or killed by a signal, and
 * whether the kernel's OOM killer struck inside the container's memory limit.
 *
 * <p>{@link #toExitValue()} folds code and signal into one number the way shells and
 * {@link Process#exitValue()} do: the code itself, or 128 + the signal number.
 */
public record ExitStatus(int code, int signal, boolean oomKilled) {

    /** A process that called {@code exit(code)}. */
    public static ExitStatus exited(int code) {
        return new ExitStatus(code, 0, false);
    }

    /** A process that was killed by {@code signal}. */
    public static ExitStatus killed(int signal) {
        return new ExitStatus(0, signal, false);
    }

    /** This status, marked as ended by the OOM killer (as {@code docker inspect} shows OOMKilled). */
    public ExitStatus withOomKilled() {
        return new ExitStatus(code, signal, true);
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
        String how = signaled() ? "killed by " + Signals.name(signal) : "exited with code " + code;
        return oomKilled ? how + " (out of memory: the OOM killer ended a process in the container)" : how;
    }
}
