package dev.hako.spawn;

import dev.hako.ContainerStats;
import dev.hako.ExitStatus;
import dev.hako.cgroup.CgroupStats;
import dev.hako.cgroup.ContainerCgroup;
import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;
import dev.hako.net.Ipv4Address;
import dev.hako.net.PortMapping;
import dev.hako.terminal.TerminalMaster;
import dev.hako.terminal.TerminalSize;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A container process that has exec'd: its pidfd, how it ends, and the JVM's ends of its
 * stdio. Owns the pidfd and the streams until {@link #killAndRelease()}.
 *
 * <p>The container's first process also owns the cgroup. A process exec'd into a running
 * container ({@link #joined}) does not: it only lives in it, and its pidfd is closed as soon
 * as it is reaped, so that many execs into a long-running container hold no descriptors.
 */
public final class Launched implements ExecTarget {
    private final long pid;
    private final int pidfd;
    private final CompletableFuture<ExitStatus> exit;
    private final Stdio stdio;
    /** The container's cgroup, owned by the first process; null for a joined one. */
    private final ContainerCgroup cgroup;
    private final Object lock = new Object();
    private boolean released;
    private boolean pidfdClosed;
    /** Set by {@link #pause()} until {@link #resume()}: close() must thaw, or a v1-frozen process never dies. */
    private volatile boolean paused;

    /** What else the container holds until it is closed (a leased range of host ids); null for none. */
    private final AutoCloseable held;
    /** The container's network beyond loopback (closed as part of {@link #held}); null for none. */
    private final ContainerNetwork network;

    Launched(long pid, int pidfd, CompletableFuture<ExitStatus> reaped, Stdio stdio, ContainerCgroup cgroup) {
        this(pid, pidfd, reaped, stdio, cgroup, null);
    }

    Launched(long pid, int pidfd, CompletableFuture<ExitStatus> reaped, Stdio stdio, ContainerCgroup cgroup,
             AutoCloseable held) {
        this(pid, pidfd, reaped, stdio, cgroup, held, null);
    }

    Launched(long pid, int pidfd, CompletableFuture<ExitStatus> reaped, Stdio stdio, ContainerCgroup cgroup,
             AutoCloseable held, ContainerNetwork network) {
        this.network = network;
        this.held = held;
        this.pid = pid;
        this.pidfd = pidfd;
        this.stdio = stdio;
        this.cgroup = cgroup;
        if (cgroup != null) {
            // Read on the reaper thread as the process is reaped, before close() can remove the cgroup.
            this.exit = reaped.thenApply(this::withOomKills);
        } else {
            this.exit = reaped;
            // Reaped: the pidfd is out of the reaper's epoll set and can serve nothing more.
            exit.whenComplete((status, failure) -> closePidfd());
        }
    }

    /** A process exec'd into a running container: lives in its cgroup without owning it. */
    static Launched joined(long pid, int pidfd, CompletableFuture<ExitStatus> reaped, Stdio stdio) {
        return new Launched(pid, pidfd, reaped, stdio, null);
    }

    private void closePidfd() {
        synchronized (lock) {
            if (!pidfdClosed) {
                pidfdClosed = true;
                Libc.closeQuietly(pidfd);
            }
        }
    }

    /** The container's address on its bridge, if it has one. */
    public Optional<Ipv4Address> networkAddress() {
        return network == null ? Optional.empty() : network.address();
    }

    /** The ports the container publishes, each with its host port; empty for none. */
    public List<PortMapping> publishedPorts() {
        return network == null ? List.of() : network.published();
    }

    /** The container's cgroup (for the first process). */
    @Override
    public ContainerCgroup cgroup() {
        return cgroup;
    }

    /** Whether {@link #pause()} froze the container and it was not resumed since. */
    public boolean isPaused() {
        return paused;
    }

    /**
     * A close-on-exec copy of the pidfd, for joining the process's namespaces while it
     * runs, safe from a concurrent {@link #killAndRelease()} closing the original.
     *
     * @throws IllegalStateException once the process is reaped or released
     */
    @Override
    public int duplicatePidfd() throws SyscallException {
        synchronized (lock) {
            if (released || pidfdClosed || exit.isDone()) {
                throw new IllegalStateException("process " + pid + " has exited");
            }
            return Libc.dupCloexec(pidfd);
        }
    }

    private ExitStatus withOomKills(ExitStatus status) {
        try {
            return cgroup.oomKills() > 0 ? status.withOomKilled() : status;
        } catch (IOException e) {
            return status;
        }
    }

    /**
     * A container of a JVM without root has no cgroup ({@code ContainerLauncher} makes
     * none): what needs one says so instead of answering for a cgroup that is not there.
     */
    private void requireCgroup(String what) {
        if (cgroup == null || cgroup.directories().isEmpty()) {
            throw new IllegalStateException(what + " needs the container's cgroup, and this container has none:"
                    + " a JVM without root makes no cgroups; run the JVM as root for " + what);
        }
    }

    /** What the container uses now. */
    public ContainerStats stats() throws IOException {
        requireCgroup("stats()");
        CgroupStats s = cgroup.stats();
        return new ContainerStats(s.memoryCurrent().orElse(0), s.memoryPeak(),
                Duration.ofNanos(s.cpuTimeNanos().orElse(0)), s.pidsCurrent().orElse(0), s.oomKills().orElse(0));
    }

    public void pause() throws IOException {
        requireCgroup("pause()");
        paused = true; // before freezing: a freeze that fails half-way is thawed again by close() too
        cgroup.freeze();
    }

    public void resume() throws IOException {
        requireCgroup("resume()");
        cgroup.thaw();
        paused = false;
    }

    public void killAll() throws IOException {
        if (cgroup != null && cgroup.directories().isEmpty()) {
            // No cgroup to walk (a JVM without root): killing the first process ends its PID
            // namespace and everything in it; without one, only the first process is reached.
            synchronized (lock) {
                if (!pidfdClosed) {
                    try {
                        Libc.pidfdSendSignal(pidfd, linux_h.SIGKILL());
                    } catch (SyscallException e) {
                        if (e.errno() != linux_h.ESRCH()) {
                            throw e;
                        }
                    }
                }
            }
            return;
        }
        cgroup.killAll();
    }

    @Override
    public boolean hasExited() {
        return exit.isDone();
    }

    @Override
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

    /**
     * Hands the terminal's master to the AF_UNIX socket at {@code socket} (an engine's console
     * socket) and lets go of this JVM's copy: from here on the engine alone holds it.
     *
     * @throws IllegalStateException without a terminal
     */
    public void sendTerminalTo(java.nio.file.Path socket) throws IOException {
        TerminalMaster terminal = stdio.terminal();
        if (terminal == null) {
            throw new IllegalStateException("process " + pid + " has no terminal to send");
        }
        dev.hako.linux.FdSocket.sendToPath(socket, terminal.fd());
        terminal.close();
    }

    /** Whether the process's stdio is a terminal. */
    public boolean hasTerminal() {
        return stdio.terminal() != null;
    }

    /**
     * Sets the size of the process's terminal.
     *
     * @throws IllegalStateException without a terminal
     * @throws IOException once the container is closed
     */
    public void resize(TerminalSize size) throws IOException {
        TerminalMaster terminal = stdio.terminal();
        if (terminal == null) {
            throw new IllegalStateException("process " + pid + " has no terminal to resize: build its container,"
                    + " or its exec, with terminal(true)");
        }
        terminal.resize(size);
    }

    /**
     * Sends {@code signal} through the pidfd. Does nothing once the process has exited or
     * the container is closed: the pidfd guarantees it can never reach a recycled pid.
     */
    public void signal(int signal) {
        synchronized (lock) {
            if (released || pidfdClosed || exit.isDone()) {
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
        if (paused && cgroup != null) {
            // A task frozen by the v1 freezer does not act on SIGKILL until it is thawed (v2's
            // freezer lets it die); thawed after the signal, it dies before running any code.
            try {
                cgroup.thaw();
            } catch (IOException e) {
                System.getLogger(Launched.class.getName()).log(System.Logger.Level.WARNING,
                        "could not thaw paused container process " + pid + " to kill it: " + e.getMessage());
            }
        }
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
        // The streams first: a terminal's master closed while a process left behind still
        // holds the slave wakes a reader with "closed", not with the EOF of a hangup.
        synchronized (lock) {
            stdio.close();
            releaseAllButStreams();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * After the process has exited: the pidfd, the cgroup and what the container held are
     * released, and the streams stay readable (what the process wrote before it ended is
     * still in its pipes), as {@link Process}'s do; {@link #killAndRelease()} closes them.
     * What a pool does for each start once its process is gone, off the starting thread.
     *
     * @throws IllegalStateException while the process still runs
     */
    public void releaseAfterExit() {
        if (!exit.isDone()) {
            throw new IllegalStateException("process " + pid + " still runs");
        }
        synchronized (lock) {
            releaseAllButStreams();
        }
    }

    private void releaseAllButStreams() {
        synchronized (lock) {
            if (!released) {
                released = true;
                closePidfd();
                try {
                    // Kills what the main process left behind (no PID namespace, or
                    // processes still exiting), then removes the cgroup directories.
                    if (cgroup != null) {
                        cgroup.destroy();
                    }
                } catch (IOException e) {
                    System.getLogger(Launched.class.getName()).log(System.Logger.Level.WARNING,
                            "could not remove the cgroup of container process " + pid + ": " + e.getMessage());
                }
                if (held != null) {
                    try {
                        held.close(); // after the cgroup is gone: none of its processes is left
                    } catch (Exception e) {
                        System.getLogger(Launched.class.getName()).log(System.Logger.Level.WARNING,
                                "could not release what container process " + pid + " held: " + e.getMessage());
                    }
                }
            }
        }
    }
}
