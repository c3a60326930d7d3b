package dev.hako.terminal;

import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;

import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The socket pair over which a child hands the JVM its terminal's master, as runc's
 * {@code --console-socket} does: the child's end goes into the child (and is closed in the
 * JVM right after the clone), the JVM's end receives the master. Both close-on-exec, so no
 * other process the JVM starts holds them.
 */
public final class ConsoleSocket implements Closeable {
    private int parentEnd;
    private int childEnd;

    private ConsoleSocket(int parentEnd, int childEnd) {
        this.parentEnd = parentEnd;
        this.childEnd = childEnd;
    }

    public static ConsoleSocket open() throws SyscallException {
        int[] ends = Libc.socketpair(linux_h.AF_UNIX(), linux_h.SOCK_STREAM() | linux_h.SOCK_CLOEXEC());
        return new ConsoleSocket(ends[0], ends[1]);
    }

    /** The end the child takes over (the JVM's descriptor number, to dup into the child). */
    public int childEnd() {
        return childEnd;
    }

    /** Closes the JVM's copy of the child's end: after the clone, the child holds its own. */
    public void closeChildEnd() {
        Libc.closeQuietly(childEnd);
        childEnd = -1;
    }

    /**
     * Waits for the master. Empty when the child closed its end without sending one: it
     * failed a step before, or was killed (its results say which). Call only after
     * {@link #closeChildEnd()}, or a dead child's end stays open here and this never returns.
     *
     * @throws IOException when something other than one descriptor arrived
     */
    public Optional<TerminalMaster> receiveMaster() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(1);
            MemorySegment iov = arena.allocate(linux_h.HAKO_IOVEC_SIZE(), 8);
            iov.set(ADDRESS, linux_h.HAKO_IOV_BASE(), data);
            iov.set(JAVA_LONG, linux_h.HAKO_IOV_LEN(), 1);
            MemorySegment control = arena.allocate(linux_h.HAKO_CMSG_SPACE_ONE_FD(), 8);
            MemorySegment msg = arena.allocate(linux_h.HAKO_MSGHDR_SIZE(), 8);
            msg.set(ADDRESS, linux_h.HAKO_MSG_IOV(), iov);
            msg.set(JAVA_LONG, linux_h.HAKO_MSG_IOVLEN(), 1);
            msg.set(ADDRESS, linux_h.HAKO_MSG_CONTROL(), control);
            msg.set(JAVA_LONG, linux_h.HAKO_MSG_CONTROLLEN(), control.byteSize());
            // MSG_CMSG_CLOEXEC: the master must not leak into processes the JVM starts later.
            long n = Libc.recvmsg(parentEnd, msg, linux_h.MSG_CMSG_CLOEXEC());
            if (n == 0) {
                return Optional.empty();
            }
            long controlLength = msg.get(JAVA_LONG, linux_h.HAKO_MSG_CONTROLLEN());
            boolean oneFd = controlLength >= linux_h.HAKO_CMSG_LEN_ONE_FD()
                    && control.get(JAVA_LONG, linux_h.HAKO_CMSGHDR_LEN()) == linux_h.HAKO_CMSG_LEN_ONE_FD()
                    && control.get(JAVA_INT, linux_h.HAKO_CMSGHDR_LEVEL()) == linux_h.SOL_SOCKET()
                    && control.get(JAVA_INT, linux_h.HAKO_CMSGHDR_TYPE()) == linux_h.SCM_RIGHTS();
            if (!oneFd) {
                throw new IOException("the child's console socket carried " + n + " byte(s) but no terminal"
                        + " descriptor (control data of " + controlLength + " bytes)");
            }
            return Optional.of(new TerminalMaster(control.get(JAVA_INT, linux_h.HAKO_CMSGHDR_DATA())));
        }
    }

    /** Closes both ends (the child's, if still open here). */
    @Override
    public void close() {
        closeChildEnd();
        Libc.closeQuietly(parentEnd);
        parentEnd = -1;
    }
}
