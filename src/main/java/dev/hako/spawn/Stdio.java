package dev.hako.spawn;

import dev.hako.linux.FdSocket;
import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;
import dev.hako.terminal.ConsoleSocket;
import dev.hako.terminal.TerminalMaster;
import dev.hako.terminal.TerminalSize;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ProcessBuilder.Redirect;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The container's stdin, stdout and stderr: pipes to the JVM, the JVM's own streams, or
 * files, as {@link Redirect} says, or a terminal whose master the child sends back. Holds the JVM's ends (as Java streams) and the
 * descriptors the child takes over, which the parent closes right after the clone.
 */
final class Stdio implements Closeable {
    /** What the child's descriptor {@code target} becomes: a parent fd to dup, or a host file to open. */
    record Source(int target, int parentFd, String file, int openFlags) {
        boolean isFile() {
            return file != null;
        }

        /** The builder option that chose this source. */
        String option() {
            return switch (target) {
                case 0 -> "redirectInput";
                case 1 -> "redirectOutput";
                default -> "redirectError";
            };
        }
    }

    private final List<Source> sources = new ArrayList<>();
    private final List<Integer> childEnds = new ArrayList<>();
    private final List<Closeable> parentEnds = new ArrayList<>();
    private final boolean mergeStderr;
    private ConsoleSocket console;
    private TerminalMaster terminal;
    private OutputStream stdin = new NotAPipe();
    private InputStream stdout = InputStream.nullInputStream();
    private InputStream stderr = InputStream.nullInputStream();

    private Stdio(boolean mergeStderr) {
        this.mergeStderr = mergeStderr;
    }

    /** The stdio of a container's command. */
    static Stdio open(LaunchConfig config) throws IOException {
        return open(config.terminal(), config.stdin(), config.stdout(), config.stderr(), config.redirectErrorStream());
    }

    /** The stdio of a process exec'd into a running container: the same choices as its command's. */
    static Stdio open(ExecConfig exec) throws IOException {
        return open(exec.terminal(), exec.stdin(), exec.stdout(), exec.stderr(), exec.redirectErrorStream());
    }

    /** A terminal when {@code terminal} is not null (the redirects are then the default pipes), else the redirects. */
    private static Stdio open(TerminalSize terminal, Redirect in, Redirect out, Redirect err,
                              boolean redirectErrorStream) throws IOException {
        return terminal != null ? openTerminal() : open(in, out, err, redirectErrorStream);
    }

    /**
     * A pool member's stdio until its start: /dev/null as 0, 1 and 2, so that its fd table
     * is what its plan says; the start's own stdio replaces them ({@link #sendTo}).
     */
    static Stdio placeholders() throws IOException {
        Stdio stdio = new Stdio(false);
        int devNull = Libc.openat2(linux_h.AT_FDCWD(), "/dev/null", linux_h.O_RDWR() | linux_h.O_CLOEXEC(), 0);
        stdio.childEnds.add(devNull);
        for (int target = 0; target < 3; target++) {
            stdio.sources.add(new Source(target, devNull, null, 0));
        }
        return stdio;
    }

    /**
     * Sends the descriptor of each source over {@code socket}, in the order of
     * {@link #sources()}: the child's end of a pipe, the JVM's own stream, or a file the
     * JVM opens here (a member is past its pivot_root, so the child could not open a host
     * path any more).
     */
    void sendTo(FdSocket socket) throws IOException {
        for (Source s : sources) {
            if (!s.isFile()) {
                socket.send(s.parentFd());
                continue;
            }
            int fd;
            try {
                fd = Libc.openat2(linux_h.AT_FDCWD(), s.file(), s.openFlags() | linux_h.O_CLOEXEC(), 0666, 0);
            } catch (SyscallException e) {
                throw new IOException(s.option() + ": cannot open " + s.file() + ": " + e.getMessage(), e);
            }
            try {
                socket.send(fd);
            } finally {
                Libc.closeQuietly(fd);
            }
        }
    }

    /** Pipes, the JVM's own streams or files, as the redirects say. */
    static Stdio open(Redirect in, Redirect out, Redirect err, boolean redirectErrorStream) throws IOException {
        Stdio stdio = new Stdio(redirectErrorStream);
        try {
            stdio.stdin = stdio.input(in);
            stdio.stdout = stdio.output(1, out);
            if (!redirectErrorStream) {
                stdio.stderr = stdio.output(2, err);
            }
            return stdio;
        } catch (IOException | RuntimeException e) {
            stdio.close();
            stdio.closeChildEnds();
            throw e;
        }
    }

    /**
     * A terminal replaces all three streams (the child makes the pty's slave its 0, 1 and 2).
     * Until then they are /dev/null rather than the JVM's own, so that the child's fd table
     * is what its plan says even when the JVM runs with a standard stream closed.
     */
    private static Stdio openTerminal() throws IOException {
        Stdio stdio = placeholders();
        try {
            stdio.console = ConsoleSocket.open();
            return stdio;
        } catch (IOException | RuntimeException e) {
            stdio.close();
            stdio.closeChildEnds();
            throw e;
        }
    }

    /** The socket the child sends its terminal's master over, or null without a terminal. */
    ConsoleSocket console() {
        return console;
    }

    /**
     * Waits for the child's terminal master, which then backs the streams: stdout is what
     * the terminal shows (stderr included), stdin is its keyboard, stderr is empty, as
     * {@link Process#getErrorStream()} is for a merged stream.
     *
     * @return false when the child ended before sending it
     */
    boolean receiveTerminal() throws IOException {
        Optional<TerminalMaster> received = console.receiveMaster();
        console.close();
        if (received.isEmpty()) {
            return false;
        }
        terminal = received.get();
        stdin = terminal.output();
        stdout = terminal.input();
        stderr = InputStream.nullInputStream();
        return true;
    }

    /** The terminal's master, or null without one (or before it arrived). */
    TerminalMaster terminal() {
        return terminal;
    }

    private OutputStream input(Redirect r) throws IOException {
        switch (r.type()) {
            case PIPE -> {
                int[] fds = Libc.pipe2(linux_h.O_CLOEXEC());
                childEnds.add(fds[0]);
                sources.add(new Source(0, fds[0], null, 0));
                OutputStream out = (OutputStream) reopen(fds[1], true);
                return new BufferedOutputStream(out);
            }
            case INHERIT -> sources.add(new Source(0, 0, null, 0));
            case READ -> sources.add(new Source(0, -1, r.file().getAbsolutePath(), linux_h.O_RDONLY()));
            default -> throw new IllegalArgumentException("stdin cannot come from " + r);
        }
        return new NotAPipe();
    }

    private InputStream output(int target, Redirect r) throws IOException {
        switch (r.type()) {
            case PIPE -> {
                int[] fds = Libc.pipe2(linux_h.O_CLOEXEC());
                childEnds.add(fds[1]);
                sources.add(new Source(target, fds[1], null, 0));
                return new BufferedInputStream((InputStream) reopen(fds[0], false));
            }
            case INHERIT -> sources.add(new Source(target, target, null, 0));
            case WRITE -> sources.add(new Source(target, -1, r.file().getAbsolutePath(),
                    linux_h.O_WRONLY() | linux_h.O_CREAT() | linux_h.O_TRUNC()));
            case APPEND -> sources.add(new Source(target, -1, r.file().getAbsolutePath(),
                    linux_h.O_WRONLY() | linux_h.O_CREAT() | linux_h.O_APPEND()));
            default -> throw new IllegalArgumentException("output cannot go to " + r);
        }
        return InputStream.nullInputStream();
    }

    /**
     * Turns the JVM's end of a pipe into a Java stream by opening it again through
     * /proc/self/fd: the JDK then owns a descriptor of its own (closed with the stream,
     * and read by virtual threads without pinning a carrier), and the raw one is closed.
     * The other end is still open here, so opening the pipe cannot block.
     */
    private Closeable reopen(int fd, boolean write) throws IOException {
        String path = "/proc/self/fd/" + fd;
        try {
            Closeable stream = write ? new FileOutputStream(path) : new FileInputStream(path);
            parentEnds.add(stream);
            return stream;
        } finally {
            Libc.close(fd);
        }
    }

    List<Source> sources() {
        return sources;
    }

    boolean mergeStderr() {
        return mergeStderr;
    }

    OutputStream stdin() {
        return stdin;
    }

    InputStream stdout() {
        return stdout;
    }

    InputStream stderr() {
        return stderr;
    }

    /** Closes the parent's copies of the child's ends: after the clone, the child holds its own. */
    void closeChildEnds() {
        childEnds.forEach(Libc::closeQuietly);
        childEnds.clear();
        if (console != null) {
            console.closeChildEnd();
        }
    }

    /** Closes the JVM's ends. */
    @Override
    public void close() {
        if (console != null) {
            console.close();
        }
        if (terminal != null) {
            terminal.close();
        }
        for (Closeable c : parentEnds) {
            try {
                c.close();
            } catch (IOException ignored) {
                // Closing a pipe end cannot fail in a way that matters here.
            }
        }
    }

    /** The stdin stream of a container whose stdin is not a pipe: refuses writes, as {@link Process}'s does. */
    private static final class NotAPipe extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            throw new IOException("Stream closed: the container's stdin is not a pipe to the JVM (see redirectInput)");
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            write(0);
        }
    }
}
