package dev.hako.net;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Reads one output stream of a helper until EOF, on its own virtual thread, keeping the
 * last {@value #KEPT_CHARS} characters for messages and readiness checks.
 *
 * <p>A helper must never block on a full pipe (slirp4netns logs every API request to
 * stderr), so its stdout and stderr are read for its whole life, not only at start. The
 * thread ends when the helper has exited (EOF) and closes the stream, so nothing is left
 * once the helper has been reaped.
 */
final class SlirpOutput {
    static final int KEPT_CHARS = 16 * 1024;

    /** What has been read so far, and whether the stream has ended. */
    record State(String text, boolean eof) {
    }

    private final StringBuilder text = new StringBuilder();
    private boolean eof;
    private final Thread reader;

    private SlirpOutput(InputStream in, String name) {
        reader = Thread.ofVirtual().name(name).start(() -> pump(in));
    }

    /** Starts reading {@code in}; the thread is called {@code name}. */
    static SlirpOutput drain(InputStream in, String name) {
        return new SlirpOutput(in, name);
    }

    private void pump(InputStream in) {
        byte[] buffer = new byte[4096];
        try (in) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            append("(reading stopped: " + e.getMessage() + ")");
        } finally {
            synchronized (this) {
                eof = true;
                notifyAll();
            }
        }
    }

    private synchronized void append(String chunk) {
        text.append(chunk);
        if (text.length() > KEPT_CHARS) {
            text.delete(0, text.length() - KEPT_CHARS);
        }
        notifyAll();
    }

    /** What was read so far (at most the last {@value #KEPT_CHARS} characters). */
    synchronized State state() {
        return new State(text.toString(), eof);
    }

    /** The text read so far, trimmed, or "(nothing)". */
    String describe() {
        String s = state().text().strip();
        return s.isEmpty() ? "(nothing)" : s;
    }

    /**
     * Waits until {@code check} returns non-null for the current state (it is asked again
     * after every chunk and at EOF), or until {@code deadlineNanos} ({@link System#nanoTime()}).
     *
     * @return what {@code check} returned, or null on timeout
     */
    synchronized <T> T await(Function<State, T> check, long deadlineNanos) throws InterruptedException {
        while (true) {
            T result = check.apply(new State(text.toString(), eof));
            if (result != null) {
                return result;
            }
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** Waits for the reader to finish (the helper has exited and its end of the pipe is closed). */
    boolean join(Duration timeout) throws InterruptedException {
        return reader.join(timeout);
    }
}
