package dev.hako.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Which filesystem a path is on ({@code statfs(2)}'s {@code f_type}), its name for
 * messages, and what overlayfs can do with it: an image's layer store and an overlay's
 * upper directory need filesystems that overlayfs accepts in those roles.
 */
public final class Filesystems {
    private static final MethodHandle STATFS = Libc.link(linux_h.statfs$address(), linux_h.statfs$descriptor());
    private static final Charset PATH_CHARSET = Charset.forName(
            System.getProperty("sun.jnu.encoding", Charset.defaultCharset().name()));

    /** Names for messages, by magic number (f_type as the unsigned 32-bit value the kernel reports). */
    private static final Map<Long, String> NAMES = new HashMap<>();
    /** Filesystems overlayfs refuses as upperdir: they revalidate dentries (network, FUSE, stacked) or are read-only. */
    private static final Map<Long, String> NOT_UPPER = new HashMap<>();

    static {
        name(linux_h.OVERLAYFS_SUPER_MAGIC(), "overlayfs");
        name(linux_h.EXT4_SUPER_MAGIC(), "ext4");
        name(linux_h.XFS_SUPER_MAGIC(), "xfs");
        name(linux_h.BTRFS_SUPER_MAGIC(), "btrfs");
        name(linux_h.TMPFS_MAGIC(), "tmpfs");
        name(linux_h.F2FS_SUPER_MAGIC(), "f2fs");
        name(linux_h.RAMFS_MAGIC(), "ramfs");
        name(linux_h.NFS_SUPER_MAGIC(), "nfs");
        name(linux_h.FUSE_SUPER_MAGIC(), "fuse");
        name(linux_h.CIFS_SUPER_MAGIC(), "cifs");
        name(linux_h.SMB2_SUPER_MAGIC(), "smb3");
        name(linux_h.V9FS_MAGIC(), "9p");
        name(linux_h.CEPH_SUPER_MAGIC(), "ceph");
        name(linux_h.ECRYPTFS_SUPER_MAGIC(), "ecryptfs");
        name(linux_h.SQUASHFS_MAGIC(), "squashfs");
        name(linux_h.EROFS_SUPER_MAGIC_V1(), "erofs");
        name(linux_h.ISOFS_SUPER_MAGIC(), "iso9660");
        name(linux_h.CRAMFS_MAGIC(), "cramfs");
        name(linux_h.PROC_SUPER_MAGIC(), "proc");
        name(linux_h.SYSFS_MAGIC(), "sysfs");
        name(linux_h.DEVPTS_SUPER_MAGIC(), "devpts");
        name(linux_h.CGROUP_SUPER_MAGIC(), "cgroup");
        name(linux_h.CGROUP2_SUPER_MAGIC(), "cgroup2");
        String stacked = "overlayfs refuses an overlayfs as its upper layer";
        String remote = "overlayfs refuses network and FUSE filesystems as its upper layer";
        String readOnly = "it is read-only";
        notUpper(linux_h.OVERLAYFS_SUPER_MAGIC(), stacked);
        for (int type : new int[] {linux_h.NFS_SUPER_MAGIC(), linux_h.FUSE_SUPER_MAGIC(), linux_h.CIFS_SUPER_MAGIC(),
                linux_h.SMB2_SUPER_MAGIC(), linux_h.V9FS_MAGIC(), linux_h.CEPH_SUPER_MAGIC()}) {
            notUpper(type, remote);
        }
        notUpper(linux_h.ECRYPTFS_SUPER_MAGIC(), "overlayfs refuses a stacked filesystem as its upper layer");
        for (int type : new int[] {linux_h.SQUASHFS_MAGIC(), linux_h.EROFS_SUPER_MAGIC_V1(),
                linux_h.ISOFS_SUPER_MAGIC(), linux_h.CRAMFS_MAGIC()}) {
            notUpper(type, readOnly);
        }
    }

    private Filesystems() {
    }

    private static void name(int magic, String name) {
        NAMES.put(Integer.toUnsignedLong(magic), name);
    }

    private static void notUpper(int magic, String why) {
        NOT_UPPER.put(Integer.toUnsignedLong(magic), why);
    }

    /**
     * {@code statfs(path).f_type}: the magic number of the filesystem holding {@code path}
     * (which must exist; a symbolic link is followed), as an unsigned 32-bit value.
     */
    public static long type(Path path) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(path.toString(), PATH_CHARSET);
            MemorySegment buf = arena.allocate(linux_h.HAKO_STATFS_SIZE(), 8);
            Libc.call(() -> "statfs(" + path + ")", s -> (int) STATFS.invoke(s, cPath, buf));
            // f_type is a long (__fsword_t) on both supported architectures; magics are 32 bits.
            return buf.get(JAVA_LONG, linux_h.HAKO_STATFS_F_TYPE()) & 0xFFFF_FFFFL;
        }
    }

    /**
     * The type of the filesystem that holds {@code path}, or that would hold it once
     * created: that of its nearest existing ancestor.
     */
    public static long typeOfNearest(Path path) throws SyscallException {
        Path p = path.toAbsolutePath().normalize();
        while (p.getParent() != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            p = p.getParent();
        }
        return type(p);
    }

    /** The filesystem's usual name ({@code overlayfs}, {@code ext4}, ...), or its magic number in hex. */
    public static String name(long type) {
        String name = NAMES.get(type);
        return name != null ? name : "a filesystem of type 0x" + Long.toHexString(type);
    }

    public static boolean isOverlayfs(long type) {
        return type == Integer.toUnsignedLong(linux_h.OVERLAYFS_SUPER_MAGIC());
    }

    /** Why overlayfs would refuse a filesystem of this type as its upper (and work) directory, or null. */
    public static String whyNotOverlayUpper(long type) {
        return NOT_UPPER.get(type);
    }
}
