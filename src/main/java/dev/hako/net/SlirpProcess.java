package dev.hako.net;

import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One helper process, the JVM's child: its output read for its whole life, and its end.
 *
 * <p>{@code ProcessBuilder} gives a child stdin, stdout and stderr and closes every other
 * descriptor, which is what the helpers need (see {@link SlirpCommand}). The JDK reaps it;
 * hako never waits on a pid itself.
 */
final class SlirpProcess {
    /** How long a helper gets to exit on its own (exit-fd, SIGTERM) before SIGKILL. */
    private static final Duration GRACE = Duration.ofSeconds(2);
    private static final Duration REAP = Duration.ofSeconds(10);

    private final List<String> command;
    private final Process process;
    private final SlirpOutput stdout;
    private final SlirpOutput stderr;
    private final boolean exitOnStdinClose;

    private SlirpProcess(List<String> command, Process process, boolean exitOnStdinClose) {
        this.command = command;
        this.process = process;
        this.exitOnStdinClose = exitOnStdinClose;
        this.stdout = SlirpOutput.drain(process.getInputStream(), "hako-" + shortName() + "-stdout-" + process.pid());
        this.stderr = SlirpOutput.drain(process.getErrorStream(), "hako-" + shortName() + "-stderr-" + process.pid());
    }

    /**
     * Starts {@code command}. {@code exitOnStdinClose}: its stdin is a pipe the JVM keeps
     * open until {@link #stop()} (slirp4netns's exit-fd); otherwise stdin is /dev/null.
     */
    static SlirpProcess start(List<String> command, boolean exitOnStdinClose) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        if (!exitOnStdinClose) {
            builder.redirectInput(Redirect.from(new File("/dev/null")));
        }
        return new SlirpProcess(List.copyOf(command), builder.start(), exitOnStdinClose);
    }

    private String shortName() {
        return new File(command.getFirst()).getName();
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    SlirpOutput stdout() {
        return stdout;
    }

    /**
     * Waits for {@code ready} to say yes (true) or no (false) about stdout, up to {@code timeout}.
     *
     * @throws IOException when it says no or time runs out, with the helper's stderr
     */
    void awaitReady(Function<SlirpOutput.State, Boolean> ready, Duration timeout) throws IOException {
        Boolean verdict;
        try {
            verdict = stdout.await(ready, System.nanoTime() + timeout.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + shortName() + " to configure the namespace");
        }
        if (verdict == null) {
            throw failure(shortName() + " did not configure the namespace within " + timeout.toMillis() + " ms");
        }
        if (!verdict) {
            throw failure(shortName() + " failed before it had configured the namespace");
        }
    }

    /** An exception that says what went wrong, with the helper's command, exit status and output. */
    IOException failure(String what) {
        String status = process.isAlive() ? "still running" : "exit status " + exitStatus();
        if (!process.isAlive()) {
            awaitOutput(); // stdout may end before stderr has been read: the message needs both
        }
        return new IOException(what + " (" + status + ")\n  command: " + String.join(" ", command) + "\n  stderr: "
                + stderr.describe() + "\n  stdout: " + stdout.describe());
    }

    private String exitStatus() {
        try {
            process.waitFor(1, TimeUnit.SECONDS);
            return Integer.toString(process.exitValue());
        } catch (InterruptedException | IllegalThreadStateException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return "unknown";
        }
    }

    private void awaitOutput() {
        try {
            stdout.join(GRACE);
            stderr.join(GRACE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The helper's stderr so far. */
    String stderrText() {
        return stderr.state().text();
    }

    /**
     * Ends the helper: slirp4netns by closing its exit-fd, pasta by SIGTERM; SIGKILL after
     * {@link #GRACE}; then waits until it is reaped and both output readers are done.
     */
    void stop() throws InterruptedException {
        try {
            if (exitOnStdinClose) {
                process.getOutputStream().close();
            } else {
                process.destroy();
            }
        } catch (IOException e) {
            process.destroyForcibly(); // the pipe would not close: no gentle way left
        }
        if (!process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(REAP.toMillis(), TimeUnit.MILLISECONDS);
        }
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // closed above, or /dev/null
        }
        stdout.join(REAP);
        stderr.join(REAP);
    }
}
