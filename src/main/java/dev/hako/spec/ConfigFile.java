package dev.hako.spec;

import dev.hako.linux.Errno;
import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * Reads a bundle's config.json without trusting what is there: a FIFO, a device, a socket
 * or a directory (also behind a symbolic link, which is followed as runc follows it) is
 * refused before it is opened for reading, so nothing blocks or reads endlessly; the file
 * is opened with {@code O_NONBLOCK} and checked again to be the same regular file; at most
 * {@link #MAX_BYTES} are read, also from a file that grows meanwhile.
 */
final class ConfigFile {
    /**
     * The largest config.json read: 16 MiB. Real ones are a few KiB, and the biggest
     * (a long seccomp profile, many annotations) stay well under 1 MiB; a limit far above
     * that never refuses a real one, while bounding what a hostile file makes the JVM hold
     * (the bytes, then the records and trees made from them, a few times the size).
     */
    static final long MAX_BYTES = 16L << 20;

    private ConfigFile() {
    }

    static byte[] read(Path bundle) throws IOException {
        Path file = bundle.resolve("config.json");
        String name = file.toString();
        int pathFd;
        try {
            pathFd = Libc.openat2(linux_h.AT_FDCWD(), name, linux_h.O_PATH() | linux_h.O_CLOEXEC(), 0);
        } catch (SyscallException e) {
            throw new SpecException("open " + name + ": " + goStyle(e.errno()), e);
        }
        Libc.FileStatus looked;
        try {
            looked = Libc.fstat(pathFd);
        } finally {
            Libc.closeQuietly(pathFd);
        }
        refuseUnless(looked, name);
        int fd;
        try {
            fd = Libc.openat2(linux_h.AT_FDCWD(), name,
                    linux_h.O_RDONLY() | linux_h.O_NONBLOCK() | linux_h.O_NOCTTY() | linux_h.O_CLOEXEC(), 0);
        } catch (SyscallException e) {
            throw new SpecException("open " + name + ": " + goStyle(e.errno()), e);
        }
        try {
            Libc.FileStatus opened = Libc.fstat(fd);
            refuseUnless(opened, name);
            if (opened.device() != looked.device() || opened.inode() != looked.inode()) {
                throw new SpecException("config.json: " + name + " was replaced while it was opened; try again");
            }
            return readAtMost(fd, name);
        } finally {
            Libc.closeQuietly(fd);
        }
    }

    private static void refuseUnless(Libc.FileStatus status, String name) {
        if (status.type() != linux_h.S_IFREG()) {
            throw new SpecException("config.json: " + name + " is " + kind(status.type())
                    + ", not a regular file: the bundle's config.json must be a file");
        }
        if (status.size() > MAX_BYTES) {
            throw new SpecException("config.json: " + name + " has " + status.size() + " bytes, more than the "
                    + (MAX_BYTES >> 20) + " MiB hako reads");
        }
    }

    private static byte[] readAtMost(int fd, String name) throws SyscallException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment chunk = arena.allocate(64 * 1024);
            // Up to one byte past the limit: a file that grew beyond it since fstat is seen as such.
            while (out.size() <= MAX_BYTES) {
                long n = Libc.read(fd, chunk);
                if (n == 0) {
                    return out.toByteArray();
                }
                out.write(chunk.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), 0, (int) n);
            }
        }
        throw new SpecException("config.json: " + name + " grew past the " + (MAX_BYTES >> 20)
                + " MiB hako reads while it was read");
    }

    private static String kind(int type) {
        if (type == linux_h.S_IFDIR()) {
            return "a directory";
        } else if (type == linux_h.S_IFIFO()) {
            return "a FIFO";
        } else if (type == linux_h.S_IFCHR()) {
            return "a character device";
        } else if (type == linux_h.S_IFBLK()) {
            return "a block device";
        }
        return "a special file (a socket?)";
    }

    /** The error as Go prints it (runc's "open ...: no such file or directory"): strerror, lower case. */
    private static String goStyle(int errno) {
        String text = Errno.text(errno);
        return text.isEmpty() ? Errno.name(errno) : Character.toLowerCase(text.charAt(0)) + text.substring(1);
    }
}
