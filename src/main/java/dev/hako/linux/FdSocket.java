package dev.hako.linux;

import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.OptionalInt;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A socket pair over which the JVM and a child it clones hand each other open descriptors
 * ({@code SCM_RIGHTS}), one per message of one data byte, either way: a container's
 * terminal master comes to the JVM ({@code dev.hako.terminal.ConsoleSocket}); an idmapped
 * mount, which only the JVM can make, goes to the child ({@link IdmappedMount}).
 *
 * <p>The child's end goes into the child (its number in the JVM is dup'ed or kept there)
 * and is closed in the JVM right after the clone ({@link #closeChildEnd()}); the JVM uses
 * {@link #parentEnd()}. Both ends are close-on-exec, so no other process the JVM starts
 * holds either. The child must not keep a copy of the parent's end (the child's fd table
 * rebuild closes everything it does not keep): a copy there would keep its own read from
 * ever seeing the end of the stream when the JVM gives up.
 *
 * <p>A stream socket keeps each message apart from the next: a one-byte read takes exactly
 * one message and the descriptor that came with it, so several descriptors sent in a row
 * arrive one per read, in order. The message layouts are also written into a child
 * program's memory ({@link #messageCarrying}, {@link #receivingMessage}), so that both
 * sides build them the one way.
 */
public final class FdSocket implements Closeable {
    private int parentEnd;
    private int childEnd;

    private FdSocket(int parentEnd, int childEnd) {
        this.parentEnd = parentEnd;
        this.childEnd = childEnd;
    }

    /** {@code socketpair(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC)}. */
    public static FdSocket open() throws SyscallException {
        int[] ends = Libc.socketpair(linux_h.AF_UNIX(), linux_h.SOCK_STREAM() | linux_h.SOCK_CLOEXEC());
        return new FdSocket(ends[0], ends[1]);
    }

    /** The JVM's end. */
    public int parentEnd() {
        return parentEnd;
    }

    /** The end the child takes over (the JVM's descriptor number, to dup or keep in the child); -1 once closed here. */
    public int childEnd() {
        return childEnd;
    }

    /** Closes the JVM's copy of the child's end: after the clone, the child holds its own. */
    public void closeChildEnd() {
        Libc.closeQuietly(childEnd);
        childEnd = -1;
    }

    /**
     * Sends {@code fd} to the child over the JVM's end: one data byte carrying it as
     * {@code SCM_RIGHTS}. The message holds its own reference to the open file until the
     * child receives it (or the socket goes), so {@code fd} may be closed as soon as this
     * returns. {@code MSG_NOSIGNAL}: a child that is gone makes this fail with EPIPE, not
     * signal the JVM.
     */
    public void send(int fd) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            Libc.sendmsg(parentEnd, messageCarrying(arena, fd), linux_h.MSG_NOSIGNAL(),
                    "{[1 byte], SCM_RIGHTS [" + fd + "]}, MSG_NOSIGNAL");
        }
    }

    /**
     * Waits for one descriptor from the child on the JVM's end, received close-on-exec.
     * Empty when the child closed its end without sending one (it failed a step before, or
     * was killed). Call only after {@link #closeChildEnd()}, or a dead child's end stays
     * open here and this never returns.
     *
     * @param what the descriptor expected, for the error (like {@code "terminal descriptor"})
     * @throws IOException when a byte arrived without a descriptor
     */
    public OptionalInt receive(String what) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment msg = receivingMessage(arena);
            // MSG_CMSG_CLOEXEC: the descriptor must not leak into processes the JVM starts later.
            long n = Libc.recvmsg(parentEnd, msg, linux_h.MSG_CMSG_CLOEXEC());
            if (n == 0) {
                return OptionalInt.empty();
            }
            OptionalInt fd = receivedFd(msg);
            if (fd.isEmpty()) {
                throw new IOException("the child's socket carried " + n + " byte(s) but no " + what
                        + " (control data of " + msg.get(JAVA_LONG, linux_h.HAKO_MSG_CONTROLLEN()) + " bytes)");
            }
            return fd;
        }
    }

    /**
     * Sends {@code fd} over SCM_RIGHTS to the AF_UNIX stream socket listening at
     * {@code socketPath} (an engine's console socket, as runc's {@code --console-socket}
     * does with a terminal's master), with one data byte.
     */
    public static void sendToPath(java.nio.file.Path socketPath, int fd) throws SyscallException {
        byte[] path = socketPath.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (path.length >= linux_h.HAKO_SOCKADDR_UN_SIZE() - linux_h.HAKO_SUN_PATH()) {
            throw new IllegalArgumentException("the socket path " + socketPath + " is too long for AF_UNIX ("
                    + (linux_h.HAKO_SOCKADDR_UN_SIZE() - linux_h.HAKO_SUN_PATH() - 1) + " bytes at most)");
        }
        int socket = Libc.socket(linux_h.AF_UNIX(), linux_h.SOCK_STREAM() | linux_h.SOCK_CLOEXEC(), 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = arena.allocate(linux_h.HAKO_SOCKADDR_UN_SIZE(), 8);
            address.fill((byte) 0);
            address.set(java.lang.foreign.ValueLayout.JAVA_SHORT, linux_h.HAKO_SUN_FAMILY(), (short) linux_h.AF_UNIX());
            MemorySegment.copy(path, 0, address, java.lang.foreign.ValueLayout.JAVA_BYTE, linux_h.HAKO_SUN_PATH(),
                    path.length);
            Libc.connect(socket, address);
            Libc.sendmsg(socket, messageCarrying(arena, fd), 0, "a terminal's master to " + socketPath);
        } finally {
            Libc.closeQuietly(socket);
        }
    }

    /** Closes both ends (the child's, if still open here). */
    @Override
    public void close() {
        closeChildEnd();
        Libc.closeQuietly(parentEnd);
        parentEnd = -1;
    }

    /**
     * A {@code struct msghdr} of one data byte carrying {@code fd} as {@code SCM_RIGHTS}, with
     * its iovec, byte and control buffer, all in {@code arena}: for {@code sendmsg}, by the
     * JVM or by a child program (whose memory it then is).
     */
    public static MemorySegment messageCarrying(Arena arena, int fd) {
        MemorySegment msg = message(arena);
        MemorySegment control = msg.get(ADDRESS, linux_h.HAKO_MSG_CONTROL()).reinterpret(linux_h.HAKO_CMSG_SPACE_ONE_FD());
        control.set(JAVA_LONG, linux_h.HAKO_CMSGHDR_LEN(), linux_h.HAKO_CMSG_LEN_ONE_FD());
        control.set(JAVA_INT, linux_h.HAKO_CMSGHDR_LEVEL(), linux_h.SOL_SOCKET());
        control.set(JAVA_INT, linux_h.HAKO_CMSGHDR_TYPE(), linux_h.SCM_RIGHTS());
        control.set(JAVA_INT, linux_h.HAKO_CMSGHDR_DATA(), fd);
        return msg;
    }

    /**
     * A {@code struct msghdr} with room for one data byte and one descriptor, in
     * {@code arena}: for one {@code recvmsg}, which rewrites its control length and flags,
     * so each receive needs its own. {@link #receivedFd} reads what came.
     */
    public static MemorySegment receivingMessage(Arena arena) {
        return message(arena);
    }

    /**
     * The descriptor a {@code recvmsg} into {@code msg} (from {@link #receivingMessage})
     * received, or empty when the message carried none.
     */
    public static OptionalInt receivedFd(MemorySegment msg) {
        long controlLength = msg.get(JAVA_LONG, linux_h.HAKO_MSG_CONTROLLEN());
        MemorySegment control = msg.get(ADDRESS, linux_h.HAKO_MSG_CONTROL()).reinterpret(linux_h.HAKO_CMSG_SPACE_ONE_FD());
        boolean oneFd = controlLength >= linux_h.HAKO_CMSG_LEN_ONE_FD()
                && control.get(JAVA_LONG, linux_h.HAKO_CMSGHDR_LEN()) == linux_h.HAKO_CMSG_LEN_ONE_FD()
                && control.get(JAVA_INT, linux_h.HAKO_CMSGHDR_LEVEL()) == linux_h.SOL_SOCKET()
                && control.get(JAVA_INT, linux_h.HAKO_CMSGHDR_TYPE()) == linux_h.SCM_RIGHTS();
        return oneFd ? OptionalInt.of(control.get(JAVA_INT, linux_h.HAKO_CMSGHDR_DATA())) : OptionalInt.empty();
    }

    /**
     * msghdr -> iovec -> one byte, and a control buffer for one descriptor; zeroed here,
     * whatever the arena does (a msghdr's unused fields, msg_name among them, must be 0).
     */
    private static MemorySegment message(Arena arena) {
        MemorySegment data = arena.allocate(1);
        MemorySegment iov = arena.allocate(linux_h.HAKO_IOVEC_SIZE(), 8);
        iov.set(ADDRESS, linux_h.HAKO_IOV_BASE(), data);
        iov.set(JAVA_LONG, linux_h.HAKO_IOV_LEN(), 1);
        MemorySegment control = arena.allocate(linux_h.HAKO_CMSG_SPACE_ONE_FD(), 8);
        control.fill((byte) 0);
        MemorySegment msg = arena.allocate(linux_h.HAKO_MSGHDR_SIZE(), 8);
        msg.fill((byte) 0);
        msg.set(ADDRESS, linux_h.HAKO_MSG_IOV(), iov);
        msg.set(JAVA_LONG, linux_h.HAKO_MSG_IOVLEN(), 1);
        msg.set(ADDRESS, linux_h.HAKO_MSG_CONTROL(), control);
        msg.set(JAVA_LONG, linux_h.HAKO_MSG_CONTROLLEN(), control.byteSize());
        return msg;
    }
}
