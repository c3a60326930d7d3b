package dev.hako.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The file calls that {@code java.nio.file} lacks, for unpacking image layers: device nodes
 * and the character device 0/0 that overlayfs reads as a whiteout, ownership and times of
 * a symbolic link itself, modes with the setuid, setgid and sticky bits, extended
 * attributes outside the {@code user.} namespace, and a rename that refuses to replace.
 *
 * <p>Every call takes a path and works on it relative to the current directory, never
 * through a file descriptor: callers pass absolute paths whose directories they have
 * checked. Paths are encoded in {@code sun.jnu.encoding}, the charset {@code java.nio.file}
 * uses for the same names, so that a name means the same file to both.
 */
public final class FileCalls {
    private static final Charset PATH_CHARSET = pathCharset();

    // Each downcall is linked on its first use, in a holder class of its own (whose constant
    // the JIT still folds): linking them all when the class loads cost every short-lived JVM,
    // like each call of the hako command, tens of milliseconds for calls it never makes.
    private static final class MKNODAT {
        static final MethodHandle H = Libc.link(linux_h.mknodat$address(), linux_h.mknodat$descriptor());
    }
    private static final class FCHOWNAT {
        static final MethodHandle H = Libc.link(linux_h.fchownat$address(), linux_h.fchownat$descriptor());
    }
    private static final class FCHMODAT {
        static final MethodHandle H = Libc.link(linux_h.fchmodat$address(), linux_h.fchmodat$descriptor());
    }
    private static final class UTIMENSAT {
        static final MethodHandle H = Libc.link(linux_h.utimensat$address(), linux_h.utimensat$descriptor());
    }
    private static final class LSETXATTR {
        static final MethodHandle H = Libc.link(linux_h.lsetxattr$address(), linux_h.lsetxattr$descriptor());
    }
    private static final class LGETXATTR {
        static final MethodHandle H = Libc.link(linux_h.lgetxattr$address(), linux_h.lgetxattr$descriptor());
    }
    private static final class RENAMEAT2 {
        static final MethodHandle H = Libc.link(linux_h.renameat2$address(), linux_h.renameat2$descriptor());
    }
    private static final class SYMLINKAT {
        static final MethodHandle H = Libc.link(linux_h.symlinkat$address(), linux_h.symlinkat$descriptor());
    }
    private static final class SYNCFS {
        static final MethodHandle H = Libc.link(linux_h.syncfs$address(), linux_h.syncfs$descriptor());
    }

    private FileCalls() {
    }

    /** The device number of major:minor ({@code makedev}). */
    public static long makedev(int major, int minor) {
        return linux_h.gnu_dev_makedev(major, minor);
    }

    /**
     * {@code mknodat(AT_FDCWD, path, mode, device)}: {@code mode} holds the file type
     * ({@code S_IFCHR}, {@code S_IFBLK}, {@code S_IFIFO}) and the permission bits, which
     * the umask reduces as for any new file.
     */
    public static void mknod(Path path, int mode, long device) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = cPath(arena, path);
            Libc.call(() -> "mknodat(" + path + ", 0" + Integer.toOctalString(mode) + ", "
                            + Long.toHexString(device) + ")",
                    s -> (int) MKNODAT.H.invoke(s, linux_h.AT_FDCWD(), cPath, mode, device));
        }
    }

    /** {@code fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW)}: a symbolic link itself, not its target. */
    public static void lchown(Path path, int uid, int gid) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = cPath(arena, path);
            Libc.call(() -> "fchownat(" + path + ", " + Integer.toUnsignedString(uid) + ", "
                            + Integer.toUnsignedString(gid) + ", AT_SYMLINK_NOFOLLOW)",
                    s -> (int) FCHOWNAT.H.invoke(s, linux_h.AT_FDCWD(), cPath, uid, gid, linux_h.AT_SYMLINK_NOFOLLOW()));
        }
    }

    /**
     * {@code fchmodat(AT_FDCWD, path, mode, 0)}, with all twelve bits of {@code mode}
     * (setuid, setgid and sticky too, which {@code PosixFilePermission} cannot express).
     * Follows a symbolic link as chmod does: Linux links have no mode of their own, so
     * callers must not pass one.
     */
    public static void chmod(Path path, int mode) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = cPath(arena, path);
            Libc.call(() -> "fchmodat(" + path + ", 0" + Integer.toOctalString(mode) + ")",
                    s -> (int) FCHMODAT.H.invoke(s, linux_h.AT_FDCWD(), cPath, mode, 0));
        }
    }

    /**
     * {@code utimensat(AT_FDCWD, path, {atime, mtime}, AT_SYMLINK_NOFOLLOW)}: the times of
     * {@code path} itself, a symbolic link included. A null time is left as it is
     * ({@code UTIME_OMIT}).
     */
    public static void setTimes(Path path, Instant atime, Instant mtime) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = cPath(arena, path);
            long size = linux_h.HAKO_TIMESPEC_SIZE();
            MemorySegment times = arena.allocate(2 * size, 8);
            timespec(times, 0, atime);
            timespec(times, size, mtime);
            Libc.call(() -> "utimensat(" + path + ", " + atime + ", " + mtime + ", AT_SYMLINK_NOFOLLOW)",
                    s -> (int) UTIMENSAT.H.invoke(s, linux_h.AT_FDCWD(), cPath, times, linux_h.AT_SYMLINK_NOFOLLOW()));
        }
    }

    private static void timespec(MemorySegment times, long offset, Instant time) {
        // tv_sec is a 64-bit time_t and tv_nsec a long on both supported architectures.
        long sec = time == null ? 0 : time.getEpochSecond();
        long nsec = time == null ? linux_h.UTIME_OMIT() : time.getNano();
        times.set(JAVA_LONG, offset + linux_h.HAKO_TV_SEC(), sec);
        times.set(JAVA_LONG, offset + linux_h.HAKO_TV_NSEC(), nsec);
    }

    /**
     * {@code lsetxattr(path, name, value, flags)}: any namespace ({@code trusted.} needs
     * CAP_SYS_ADMIN), on a symbolic link itself rather than its target. {@code flags} is 0,
     * {@code XATTR_CREATE} or {@code XATTR_REPLACE}.
     */
    public static void lsetxattr(Path path, String name, byte[] value, int flags) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = cPath(arena, path);
            MemorySegment cName = arena.allocateFrom(name);
            MemorySegment cValue = value.length == 0 ? arena.allocate(1) : arena.allocateFrom(JAVA_BYTE, value);
            Libc.call(() -> "lsetxattr(" + path + ", " + name + ", " + value.length + " bytes)",
                    s -> (int) LSETXATTR.H.invoke(s, cPath, cName, cValue, (long) value.length, flags));
        }
    }

    /**
     * {@code lgetxattr(path, name)}: the attribute's value, or empty when {@code path} has
     * no attribute of that name (ENODATA).
     */
    public static Optional<byte[]> lgetxattr(Path path, String name) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = cPath(arena, path);
            MemorySegment cName = arena.allocateFrom(name);
            while (true) {
                long size;
                try {
                    size = Libc.call(() -> "lgetxattr(" + path + ", " + name + ")",
                            s -> (long) LGETXATTR.H.invoke(s, cPath, cName, MemorySegment.NULL, 0L));
                } catch (SyscallException e) {
                    if (e.errno() == linux_h.ENODATA()) {
                        return Optional.empty();
                    }
                    throw e;
                }
                MemorySegment buf = arena.allocate(Math.max(size, 1));
                try {
                    long got = Libc.call(() -> "lgetxattr(" + path + ", " + name + ")",
                            s -> (long) LGETXATTR.H.invoke(s, cPath, cName, buf, size));
                    return Optional.of(buf.asSlice(0, got).toArray(JAVA_BYTE));
                } catch (SyscallException e) {
                    if (e.errno() != linux_h.ERANGE()) { // ERANGE: it grew in between; ask again
                        throw e;
                    }
                }
            }
        }
    }

    /**
     * {@code renameat2(from, to, RENAME_NOREPLACE)}: moves {@code from} to {@code to}
     * atomically unless {@code to} exists. Returns false when it does (EEXIST), so that of
     * several processes racing to put the same thing in place, exactly one wins.
     * Filesystems without RENAME_NOREPLACE fail with EINVAL.
     */
    public static boolean renameNoReplace(Path from, Path to) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cFrom = cPath(arena, from);
            MemorySegment cTo = cPath(arena, to);
            Libc.call(() -> "renameat2(" + from + ", " + to + ", RENAME_NOREPLACE)",
                    s -> (int) RENAMEAT2.H.invoke(s, linux_h.AT_FDCWD(), cFrom, linux_h.AT_FDCWD(), cTo,
                            linux_h.RENAME_NOREPLACE()));
            return true;
        } catch (SyscallException e) {
            if (e.errno() == linux_h.EEXIST()) {
                return false;
            }
            throw e;
        }
    }

    /**
     * {@code symlinkat(target, AT_FDCWD, link)}, with {@code target} stored byte for byte
     * ({@code Files.createSymbolicLink} normalizes it as a {@code Path} first, dropping a
     * trailing slash that changes what the link means).
     */
    public static void symlink(String target, Path link) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cTarget = arena.allocateFrom(target, PATH_CHARSET);
            MemorySegment cLink = cPath(arena, link);
            Libc.call(() -> "symlinkat(" + target + ", " + link + ")",
                    s -> (int) SYMLINKAT.H.invoke(s, cTarget, linux_h.AT_FDCWD(), cLink));
        }
    }

    /**
     * {@code syncfs} on the filesystem holding the directory {@code dir}: everything written
     * to it so far reaches the disk, so that a rename done afterwards never makes
     * visible files whose data a crash could still lose.
     */
    public static void syncfs(Path dir) throws SyscallException {
        try (Libc.OpenDirectory d = Libc.openDirectory(dir.toString())) {
            Libc.call(() -> "syncfs(" + dir + ")", s -> (int) SYNCFS.H.invoke(s, d.fd()));
        }
    }

    private static MemorySegment cPath(Arena arena, Path path) {
        return arena.allocateFrom(path.toString(), PATH_CHARSET);
    }

    private static Charset pathCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name == null ? Charset.defaultCharset() : Charset.forName(name);
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }
}
