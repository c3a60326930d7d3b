package dev.hako;

import dev.hako.linux.linux_h;
import dev.hako.spawn.Launched;
import dev.hako.terminal.TerminalSize;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A process of a started {@link Container}, its command or one started by
 * {@link Container#exec}, used like a {@link Process}: its streams, {@link #waitFor()}, {@link #exitValue()}, {@link #onExit()}, {@link #destroy()}.
 *
 * <p>Waiting and signalling go through a pidfd, so they can never hit another process that
 * reused the pid. {@link #pid()} is the process id on the host. Death by a signal is
 * reported as {@code 128 + signal} by {@link #exitValue()}, and exactly by
 * {@link #exitStatus()}.
 *
 * <p>With a PID namespace the command is PID 1 of the container, and like any init it
 * ignores signals it has no handler for: {@link #destroy()} (SIGTERM) then does nothing,
 * as with {@code docker stop}, and {@link #destroyForcibly()} (SIGKILL) is the sure way.
 *
 * <p>With {@link Container.Builder#terminal(boolean) terminal(true)} the process's stdin,
 * stdout and stderr are a terminal (a pty), and the streams are its master side:
 * {@link #getInputStream()} is what the terminal shows (stdout and stderr merged, as the
 * screen shows them, with the line discipline's {@code \r\n} and echo),
 * {@link #getOutputStream()} is the keyboard (unbuffered; Ctrl-C is byte 3), and
 * {@link #getErrorStream()} is empty, as a {@code Process}'s is when
 * {@link ProcessBuilder#redirectErrorStream(boolean)} merged it. {@link #resize} sets the
 * window size.
 */
public final class ContainerProcess extends Process {

    private final Container container;
    private final Launched launched;
    private final CompletableFuture<Process> onExit;

    /** For the OCI runtime, through {@code spawn.ApiAccess}. */
    Launched launched() {
        return launched;
    }

    ContainerProcess(Container container, Launched launched) {
        this.container = container;
        this.launched = launched;
        // Async: callers' onExit stages must not run on the reaper thread, which serves
        // every container in the JVM.
        this.onExit = launched.exit().thenApplyAsync(status -> this);
    }

    /** The container this process runs in. */
    public Container container() {
        return container;
    }

    @Override
    public long pid() {
        return launched.pid();
    }

    /**
     * The ports the container publishes ({@link Container.Builder#publish}), each with the
     * host address and port it is reached at; empty when it publishes none.
     */
    public List<PublishedPort> ports() {
        return launched.publishedPorts().stream().map(m -> new PublishedPort(m.protocol().name().toLowerCase(Locale.ROOT),
                m.hostSocketAddress(), m.containerPort())).toList();
    }

    /**
     * The host port that TCP port {@code containerPort} is published on (the one chosen, for
     * a {@code publish("0:80")}), like {@code docker port}.
     *
     * @throws IllegalArgumentException when the container does not publish that port
     */
    public int hostPort(int containerPort) {
        return ports().stream().filter(p -> p.protocol().equals("tcp") && p.containerPort() == containerPort)
                .findFirst().map(p -> p.host().getPort())
                .orElseThrow(() -> new IllegalArgumentException("container " + container.id() + " publishes no TCP port "
                        + containerPort + " (its ports: " + ports() + ")"));
    }

    /** The container's address on its bridge network ({@link Network#bridge()}); empty on any other network. */
    public Optional<InetAddress> ipAddress() {
        return launched.networkAddress().map(a -> a.toInetAddress());
    }

    @Override
    public OutputStream getOutputStream() {
        return launched.stdin();
    }

    @Override
    public InputStream getInputStream() {
        return launched.stdout();
    }

    @Override
    public InputStream getErrorStream() {
        return launched.stderr();
    }

    @Override
    public int waitFor() throws InterruptedException {
        return awaitStatus().toExitValue();
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            launched.exit().get(timeout, unit);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for container " + container.id() + " failed", e.getCause());
        }
    }

    /** Waits for the process to end and returns how it ended. */
    public ExitStatus awaitStatus() throws InterruptedException {
        try {
            return launched.exit().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for container " + container.id() + " failed", e.getCause());
        }
    }

    @Override
    public int exitValue() {
        return exitStatus().toExitValue();
    }

    /**
     * How the process ended.
     *
     * @throws IllegalThreadStateException if it is still running
     */
    public ExitStatus exitStatus() {
        ExitStatus status = launched.exit().getNow(null);
        if (status == null) {
            throw new IllegalThreadStateException("container " + container.id() + " is still running");
        }
        return status;
    }

    @Override
    public boolean isAlive() {
        return !launched.exit().isDone();
    }

    @Override
    public CompletableFuture<Process> onExit() {
        return onExit;
    }

    /** Sends SIGTERM (ignored by a PID 1 without a handler for it; see the class comment). */
    @Override
    public void destroy() {
        launched.signal(linux_h.SIGTERM());
    }

    /** Sends SIGKILL. */
    @Override
    public Process destroyForcibly() {
        launched.signal(linux_h.SIGKILL());
        return this;
    }

    @Override
    public boolean supportsNormalTermination() {
        return true;
    }

    /**
     * Sends a signal to the process through its pidfd, like {@code kill -s}. Does nothing
     * once it has exited.
     */
    public void signal(Signal signal) {
        launched.signal(signal.number());
    }

    /**
     * Sends the signal called {@code name} ({@code "USR1"}, {@code "SIGUSR1"}, ...).
     *
     * @throws IllegalArgumentException for a name that is no signal
     */
    public void signal(String name) {
        signal(Signal.of(name));
    }

    /**
     * Sets the size of the process's terminal, as a terminal emulator does when its window
     * changes: the kernel then sends SIGWINCH to the terminal's foreground processes.
     *
     * @throws IllegalStateException when the container has no terminal
     * @throws IllegalArgumentException for a size of less than 1 or more than 65535
     * @throws IOException when the container is closed
     */
    public void resize(int columns, int rows) throws IOException {
        launched.resize(TerminalSize.of(columns, rows, "resize"));
    }

    @Override
    public ProcessHandle toHandle() {
        return ProcessHandle.of(pid()).orElseThrow(() -> new IllegalStateException(
                "container " + container.id() + " process " + pid() + " has exited"));
    }

    @Override
    public String toString() {
        CompletableFuture<ExitStatus> exit = launched.exit();
        return "ContainerProcess[id=" + container.id() + ", pid=" + pid() + ", "
                + (exit.isDone() ? exit.join() : "running") + "]";
    }
}
