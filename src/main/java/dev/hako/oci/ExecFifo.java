package dev.hako.oci;

import dev.hako.linux.FileCalls;
import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The fifo a created container's process waits on before its execve (it opens it for
 * writing, which blocks until a reader comes, and writes one byte): {@code start} is the
 * reader. Its existence is what says "created".
 */
final class ExecFifo {
    private ExecFifo() {
    }

    /** Makes the fifo, writable by any user: the container's process reopens it as its own user. */
    static void make(Path fifo) throws IOException {
        FileCalls.mknod(fifo, linux_h.S_IFIFO() | 0622, 0);
        Files.setPosixFilePermissions(fifo, PosixFilePermissions.fromString("rw--w--w-")); // past the umask
    }

    /**
     * Releases the process waiting on {@code fifo}: opens it for reading (without blocking,
     * so a process that died cannot hang this), then waits until either its byte arrives or
     * the process exits.
     *
     * @param pid the waiting process, whose exit ends the wait
     * @throws OciException if the process ended before it took the release
     */
    static void release(Path fifo, long pid, String id) throws IOException {
        int pidfd;
        try {
            pidfd = Libc.pidfdOpen(pid);
        } catch (SyscallException e) {
            throw new OciException("cannot start container " + id + ": its process " + pid + " is gone");
        }
        int fd = -1;
        try (Arena arena = Arena.ofConfined()) {
            fd = Libc.openat2(linux_h.AT_FDCWD(), fifo.toString(),
                    linux_h.O_RDONLY() | linux_h.O_NONBLOCK() | linux_h.O_CLOEXEC(), 0);
            long size = linux_h.HAKO_POLLFD_SIZE();
            MemorySegment fds = arena.allocate(size * 2, 8);
            fds.set(JAVA_INT, linux_h.HAKO_POLLFD_FD(), fd);
            fds.set(JAVA_SHORT, linux_h.HAKO_POLLFD_EVENTS(), (short) linux_h.POLLIN());
            fds.set(JAVA_INT, size + linux_h.HAKO_POLLFD_FD(), pidfd);
            fds.set(JAVA_SHORT, size + linux_h.HAKO_POLLFD_EVENTS(), (short) linux_h.POLLIN());
            MemorySegment buf = arena.allocate(1);
            while (true) {
                Libc.poll(fds, 2, -1);
                if (fds.get(JAVA_SHORT, linux_h.HAKO_POLLFD_REVENTS()) != 0) {
                    try {
                        if (Libc.read(fd, buf) == 1) {
                            return;
                        }
                        // EOF: the writer came and went without its byte; it fails on its way.
                        throw new OciException("cannot start container " + id
                                + ": its process left its wait for start without being released");
                    } catch (SyscallException e) {
                        if (e.errno() != linux_h.EAGAIN()) {
                            throw e;
                        }
                    }
                }
                if (fds.get(JAVA_SHORT, size + linux_h.HAKO_POLLFD_REVENTS()) != 0) {
                    throw new OciException("cannot start container " + id + ": its process ended before the start");
                }
            }
        } finally {
            Libc.closeQuietly(fd);
            Libc.closeQuietly(pidfd);
        }
    }
}
