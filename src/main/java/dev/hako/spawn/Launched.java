package dev.hako.spawn;

import dev.hako.ExitStatus;
import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * A container process that has exec'd: its pidfd, how it ends, and the JVM's ends of its
 * stdio. Owns the pidfd and the streams until {@link #killAndRelease()}.
 */
public final class Launched {
    private final long pid;
    private final int pidfd;
    private final CompletableFuture<ExitStatus> exit;
    private final Stdio stdio;
    private final Object lock = new Object();
    private boolean released;

    Launched(long pid, int pidfd, CompletableFuture<ExitStatus> exit, Stdio stdio) {
        this.pid = pid;
        this.pidfd = pidfd;
        this.exit = exit;
        this.stdio = stdio;
    }

    public long pid() {
        return pid;
    }

    /** Completes when the process has exited and been reaped. */
    public CompletableFuture<ExitStatus> exit() {
        return exit;
    }

    public OutputStream stdin() {
        return stdio.stdin();
    }

    public InputStream stdout() {
        return stdio.stdout();
    }

    public InputStream stderr() {
        return stdio.stderr();
    }

    public int sigterm() {
        return linux_h.SIGTERM();
    }

    public int sigkill() {
        return linux_h.SIGKILL();
    }

    /**
     * Sends {@code signal} through the pidfd. Does nothing once the process has exited or
     * the container is closed: the pidfd guarantees it can never reach a recycled pid.
     */
    public void signal(int signal) {
        synchronized (lock) {
            if (released || exit.isDone()) {
                return;
            }
            try {
                Libc.pidfdSendSignal(pidfd, signal);
            } catch (SyscallException e) {
                if (e.errno() != linux_h.ESRCH()) {
                    throw new IllegalStateException("signalling container process " + pid + " failed: " + e.getMessage(), e);
                }
            }
        }
    }

    /**
     * Kills the process if it still runs, waits until it is reaped, then closes the pidfd
     * and the JVM's stream ends.
     */
    public void killAndRelease() {
        signal(linux_h.SIGKILL());
        boolean interrupted = false;
        while (true) {
            try {
                exit.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (java.util.concurrent.ExecutionException e) {
                break; // The reaper failed; the pidfd is still ours to close.
            }
        }
        synchronized (lock) {
            if (!released) {
                released = true;
                Libc.closeQuietly(pidfd);
                stdio.close();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
