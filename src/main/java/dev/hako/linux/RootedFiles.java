package dev.hako.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * Reads a small file of a root filesystem (an image's {@code etc/passwd}) the way the
 * container will see it, without ever leaving that root: every component and symlink is
 * resolved with {@code openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)} relative to the
 * root directory, so {@code /etc/passwd} or {@code ../../etc/passwd} in a link means the
 * root's own file, never the host's.
 *
 * <p>The file is first opened with {@code O_PATH}, which opens nothing behind it: a FIFO,
 * device or directory is recognised by {@code fstat} and refused without being opened for
 * reading (opening a device can have effects of its own, and reading a FIFO blocks). A
 * regular file is then opened again {@code O_RDONLY | O_NONBLOCK}, checked to be the same
 * file, and read through that descriptor, never more than the limit.
 */
public final class RootedFiles {
    private static final long RESOLVE = linux_h.RESOLVE_IN_ROOT() | linux_h.RESOLVE_NO_MAGICLINKS();

    private RootedFiles() {
    }

    /** What a lookup found. */
    public sealed interface Found {
    }

    /** Nothing at that path in this root (ENOENT, or a component that is not a directory). */
    public record Missing() implements Found {
    }

    /**
     * An overlayfs whiteout (a 0/0 character device, or a zero-size file with
     * {@link Overlayfs#WHITEOUT_XATTR}): the name is deleted in the layers below. Only
     * reported when the root is an overlay layer.
     */
    public record Whiteout() implements Found {
    }

    /** Something that must not be read; {@code what} says what it is, e.g. "a FIFO". */
    public record Refused(String what) implements Found {
    }

    /** The file's bytes. */
    public record Contents(byte[] bytes) implements Found {
    }

    /**
     * Looks up {@code relative} (like {@code etc/passwd}) inside {@code root}.
     *
     * @param overlayLayer whether {@code root} is an overlay layer, whose whiteouts mean "deleted"
     * @param maxBytes the largest file that is read; a larger one is {@link Refused}
     * @throws SyscallException when the root cannot be opened, or resolving fails for a
     *         reason other than the path not being there (e.g. ELOOP for a loop of links)
     */
    public static Found read(Path root, String relative, boolean overlayLayer, long maxBytes) throws SyscallException {
        int rootFd = Libc.openat2(linux_h.AT_FDCWD(), root.toString(),
                linux_h.O_PATH() | linux_h.O_DIRECTORY() | linux_h.O_CLOEXEC(), 0);
        try {
            return read(rootFd, relative, overlayLayer, maxBytes);
        } finally {
            Libc.closeQuietly(rootFd);
        }
    }

    private static Found read(int rootFd, String relative, boolean overlayLayer, long maxBytes) throws SyscallException {
        int pathFd;
        try {
            pathFd = Libc.openat2(rootFd, relative, linux_h.O_PATH() | linux_h.O_CLOEXEC(), RESOLVE);
        } catch (SyscallException e) {
            if (isMissing(e)) {
                return new Missing();
            }
            throw e;
        }
        Libc.FileStatus first;
        try {
            first = Libc.fstat(pathFd);
        } finally {
            Libc.closeQuietly(pathFd);
        }
        if (overlayLayer && first.type() == linux_h.S_IFCHR() && first.rdev() == 0) {
            return new Whiteout();
        }
        if (first.type() != linux_h.S_IFREG()) {
            return new Refused(describe(first));
        }
        if (first.size() > maxBytes) {
            return new Refused("a file of " + first.size() + " bytes, more than the " + maxBytes + " read");
        }
        int fd;
        try {
            fd = Libc.openat2(rootFd, relative,
                    linux_h.O_RDONLY() | linux_h.O_CLOEXEC() | linux_h.O_NONBLOCK() | linux_h.O_NOCTTY(), RESOLVE);
        } catch (SyscallException e) {
            if (isMissing(e)) {
                return new Missing();
            }
            throw e;
        }
        try {
            Libc.FileStatus opened = Libc.fstat(fd);
            if (opened.type() != linux_h.S_IFREG() || opened.device() != first.device() || opened.inode() != first.inode()) {
                return new Refused("a file that was replaced while it was looked up (now " + describe(opened) + ")");
            }
            if (overlayLayer && opened.size() == 0 && Libc.fgetxattr(fd, Overlayfs.WHITEOUT_XATTR).isPresent()) {
                return new Whiteout();
            }
            return readAll(fd, opened.size(), maxBytes);
        } finally {
            Libc.closeQuietly(fd);
        }
    }

    /**
     * Whether {@code relative} (a directory such as {@code etc}) in overlay layer {@code root}
     * hides the same directory of the layers below: it is a whiteout, an opaque directory
     * ({@link Overlayfs#OPAQUE_XATTR} {@code = y}), or not a directory at all.
     */
    public static boolean hidesLowerLayers(Path root, String relative) throws SyscallException {
        int rootFd = Libc.openat2(linux_h.AT_FDCWD(), root.toString(),
                linux_h.O_PATH() | linux_h.O_DIRECTORY() | linux_h.O_CLOEXEC(), 0);
        try {
            int pathFd;
            try {
                pathFd = Libc.openat2(rootFd, relative, linux_h.O_PATH() | linux_h.O_CLOEXEC(), RESOLVE);
            } catch (SyscallException e) {
                if (isMissing(e)) {
                    return false;
                }
                throw e;
            }
            Libc.FileStatus st;
            try {
                st = Libc.fstat(pathFd);
            } finally {
                Libc.closeQuietly(pathFd);
            }
            if (st.type() != linux_h.S_IFDIR()) {
                return true;
            }
            int dirFd = Libc.openat2(rootFd, relative,
                    linux_h.O_RDONLY() | linux_h.O_DIRECTORY() | linux_h.O_CLOEXEC() | linux_h.O_NONBLOCK(), RESOLVE);
            try {
                Optional<byte[]> opaque = Libc.fgetxattr(dirFd, Overlayfs.OPAQUE_XATTR);
                return opaque.isPresent() && opaque.get().length == 1 && opaque.get()[0] == Overlayfs.OPAQUE;
            } finally {
                Libc.closeQuietly(dirFd);
            }
        } finally {
            Libc.closeQuietly(rootFd);
        }
    }

    private static boolean isMissing(SyscallException e) {
        return e.errno() == linux_h.ENOENT() || e.errno() == linux_h.ENOTDIR();
    }

    /** Reads the file of {@code size} bytes (as fstat said), refusing one that grows past it. */
    private static Found readAll(int fd, long size, long maxBytes) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.min(size, maxBytes) + 1);
            long total = 0;
            while (total < buf.byteSize()) {
                long n = Libc.read(fd, buf.asSlice(total));
                if (n == 0) {
                    break;
                }
                total += n;
            }
            if (total == buf.byteSize()) {
                return new Refused("a file that grew while it was read (past " + size + " bytes)");
            }
            return new Contents(buf.asSlice(0, total).toArray(JAVA_BYTE));
        }
    }

    private static String describe(Libc.FileStatus st) {
        int type = st.type();
        if (type == linux_h.S_IFIFO()) {
            return "a FIFO";
        } else if (type == linux_h.S_IFCHR()) {
            return "a character device";
        } else if (type == linux_h.S_IFBLK()) {
            return "a block device";
        } else if (type == linux_h.S_IFDIR()) {
            return "a directory";
        } else if (type == linux_h.S_IFREG()) {
            return "a regular file";
        }
        return "not a regular file (mode 0" + Integer.toOctalString(st.mode()) + ")";
    }
}
