package dev.hako.terminal;

import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;
import dev.hako.linux.winsize;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The JVM's end of a container's terminal: the pty master, as streams (what the terminal
 * shows, and the keyboard) plus {@link #resize}.
 *
 * <p>The JDK cannot adopt a raw descriptor as a stream, and reopening the master through
 * /proc/self/fd would open the ptmx device again, making a new pty. So the streams read and
 * write the (non-blocking) master themselves, each waiting in {@code poll} on the master
 * and on a wake-up pipe. {@link #close()} closes the pipe's write end, which wakes every
 * waiting reader and writer; the master itself is closed only once none of them still
 * uses its number, so a concurrent close never makes a read hit a recycled descriptor.
 * Unlike a {@code FileInputStream}'s, a blocked read or write ends with an
 * {@link InterruptedIOException} when its thread is interrupted.
 */
public final class TerminalMaster implements Closeable {
    private static final int BUFFER = 8192;
    /** How often a blocked read or write looks at its thread's interrupt status. */
    private static final int INTERRUPT_CHECK_MILLIS = 200;

    private final int master;
    private final int[] wakeUp;
    private int users;
    private boolean closed;
    private final InputStream input = new Screen();
    private final OutputStream output = new Keyboard();

    TerminalMaster(int master) throws SyscallException {
        this.master = master;
        try {
            this.wakeUp = Libc.pipe2(linux_h.O_CLOEXEC());
        } catch (SyscallException e) {
            Libc.closeQuietly(master);
            throw e;
        }
    }

    /** The master's descriptor in the JVM (for tests and diagnostics). */
    public int fd() {
        return master;
    }

    /**
     * What the terminal shows: everything the container writes to it, with the line
     * discipline's processing ({@code \n} arrives as {@code \r\n}, typed input is echoed).
     * Ends (-1) once no process in the container holds the terminal any more.
     */
    public InputStream input() {
        return input;
    }

    /** The keyboard: bytes written here are typed into the terminal (0x03 is Ctrl-C). Unbuffered. */
    public OutputStream output() {
        return output;
    }

    /** Sets the window size (TIOCSWINSZ); the kernel sends SIGWINCH to the terminal's foreground process group. */
    public void resize(TerminalSize size) throws IOException {
        acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ws = winsize.allocate(arena);
            ws.fill((byte) 0);
            winsize.ws_col(ws, (short) size.columns());
            winsize.ws_row(ws, (short) size.rows());
            Libc.ioctl(master, linux_h.TIOCSWINSZ(), "TIOCSWINSZ", ws);
        } catch (SyscallException e) {
            throw new IOException("resizing the terminal to " + size + " failed: " + e.getMessage(), e);
        } finally {
            release();
        }
    }

    /** Closes the master (once no read or write still uses it); waiting readers and writers fail. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            Libc.closeQuietly(wakeUp[1]); // every poll on wakeUp[0] now returns
            if (users > 0) {
                return; // the last user closes the rest
            }
        }
        closeDescriptors();
    }

    private synchronized void acquire() throws IOException {
        if (closed) {
            throw new IOException("Stream closed: the container's terminal is closed");
        }
        users++;
    }

    private void release() {
        synchronized (this) {
            if (--users > 0 || !closed) {
                return;
            }
        }
        closeDescriptors();
    }

    private void closeDescriptors() {
        Libc.closeQuietly(master);
        Libc.closeQuietly(wakeUp[0]);
    }

    /**
     * Waits until the master is ready for {@code events} or the terminal is closed. Wakes
     * up now and then to see whether the thread was interrupted: an interrupt cannot reach
     * a thread inside a native poll.
     *
     * @throws IOException when it was closed meanwhile
     * @throws InterruptedIOException when the thread is interrupted (its interrupt status stays set)
     */
    private void await(short events, Arena arena) throws IOException, SyscallException {
        long size = linux_h.HAKO_POLLFD_SIZE();
        MemorySegment fds = arena.allocate(size * 2, 8);
        fds.set(JAVA_INT, linux_h.HAKO_POLLFD_FD(), master);
        fds.set(JAVA_SHORT, linux_h.HAKO_POLLFD_EVENTS(), events);
        fds.set(JAVA_INT, size + linux_h.HAKO_POLLFD_FD(), wakeUp[0]);
        fds.set(JAVA_SHORT, size + linux_h.HAKO_POLLFD_EVENTS(), (short) linux_h.POLLIN());
        while (true) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException("interrupted while waiting on the container's terminal");
            }
            if (Libc.poll(fds, 2, INTERRUPT_CHECK_MILLIS) == 0) {
                continue;
            }
            if (fds.get(JAVA_SHORT, size + linux_h.HAKO_POLLFD_REVENTS()) != 0) {
                throw new IOException("Stream closed: the container's terminal was closed");
            }
            return;
        }
    }

    /** The master's read side. */
    private final class Screen extends InputStream {
        private boolean streamClosed;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (streamClosed) {
                throw new IOException("Stream closed");
            }
            if (len == 0) {
                return 0;
            }
            acquire();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(Math.min(len, BUFFER));
                while (true) {
                    await((short) linux_h.POLLIN(), arena);
                    try {
                        long n = Libc.read(master, buf);
                        if (n == 0) {
                            return -1;
                        }
                        MemorySegment.copy(buf, JAVA_BYTE, 0, b, off, (int) n);
                        return (int) n;
                    } catch (SyscallException e) {
                        if (e.errno() == linux_h.EIO()) {
                            return -1; // every process that held the terminal has closed it
                        }
                        if (e.errno() != linux_h.EAGAIN()) {
                            throw new IOException("reading the container's terminal failed: " + e.getMessage(), e);
                        }
                    }
                }
            } catch (SyscallException e) {
                throw new IOException("waiting on the container's terminal failed: " + e.getMessage(), e);
            } finally {
                release();
            }
        }

        /** Marks this stream closed; the master stays open for the keyboard and {@link #resize} until the container closes. */
        @Override
        public void close() {
            streamClosed = true;
        }
    }

    /** The master's write side. */
    private final class Keyboard extends OutputStream {
        private boolean streamClosed;

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (streamClosed) {
                throw new IOException("Stream closed");
            }
            if (len == 0) {
                return;
            }
            acquire();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(Math.min(len, BUFFER));
                int done = 0;
                while (done < len) {
                    int chunk = (int) Math.min(len - done, buf.byteSize());
                    MemorySegment.copy(b, off + done, buf, JAVA_BYTE, 0, chunk);
                    await((short) linux_h.POLLOUT(), arena);
                    try {
                        done += (int) Libc.write(master, buf.asSlice(0, chunk));
                    } catch (SyscallException e) {
                        if (e.errno() != linux_h.EAGAIN()) {
                            throw new IOException("typing into the container's terminal failed: " + e.getMessage()
                                    + (e.errno() == linux_h.EIO() ? " (no process in the container holds it any more)" : ""),
                                    e);
                        }
                    }
                }
            } catch (SyscallException e) {
                throw new IOException("waiting on the container's terminal failed: " + e.getMessage(), e);
            } finally {
                release();
            }
        }

        /**
         * Marks this stream closed. A terminal has no end of input as a pipe has: a program
         * reading it sees end of file when Ctrl-D (0x04) is typed at the start of a line,
         * so write that to end its input.
         */
        @Override
        public void close() {
            streamClosed = true;
        }
    }
}
