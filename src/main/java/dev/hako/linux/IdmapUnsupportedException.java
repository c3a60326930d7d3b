package dev.hako.linux;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The kernel cannot make an idmapped mount of a tree ({@link IdmappedMount#of}): the
 * filesystem it is on, or one mounted below it, does not support idmapped mounts, or the
 * kernel is older than Linux 5.12. The message names the tree, the mount that refused and
 * its filesystem (from {@code statfs}), and says what works instead; the accessors give
 * the same for a caller that explains it in terms of its own options.
 */
public final class IdmapUnsupportedException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What works instead, the same for every refusal. */
    static final String INSTEAD = "Idmapped mounts work on ext4, xfs, btrfs, f2fs and vfat, on tmpfs from Linux 6.3"
            + " and on overlayfs from Linux 5.19: put the files on one of those, or run the container without a"
            + " user namespace";

    private final transient Path tree;
    private final transient Path mountPoint;
    private final String filesystem;

    private IdmapUnsupportedException(String message, Path tree, Path mountPoint, String filesystem) {
        super(message);
        this.tree = tree;
        this.mountPoint = mountPoint;
        this.filesystem = filesystem;
    }

    /** The kernel ({@code release}) predates idmapped mounts, or has no {@code mount_setattr}. */
    static IdmapUnsupportedException kernelTooOld(Path tree, String release) {
        return new IdmapUnsupportedException("cannot make an idmapped mount of " + tree + ": idmapped mounts need Linux "
                + IdmappedMount.MIN_MAJOR + "." + IdmappedMount.MIN_MINOR + " or newer (mount_setattr with"
                + " MOUNT_ATTR_IDMAP), and this kernel is " + release + ". Upgrade the kernel, or run the container"
                + " without a user namespace", tree, null, null);
    }

    /**
     * The mount at {@code mountPoint} (the tree itself, or one below it) is on
     * {@code filesystem}, which the kernel {@code release} refuses to idmap.
     */
    static IdmapUnsupportedException filesystem(Path tree, Path mountPoint, String filesystem, String release) {
        String where = mountPoint.equals(tree) ? "it is on " + filesystem
                : "the mount at " + mountPoint + " below it is " + filesystem;
        String below = mountPoint.equals(tree) ? "" : ", or leave that mount out of the tree";
        return new IdmapUnsupportedException("cannot make an idmapped mount of " + tree + ": " + where
                + ", which this kernel (Linux " + release + ") cannot idmap. " + INSTEAD + below, tree, mountPoint,
                filesystem);
    }

    /** The tree that was to be idmapped. */
    public Path tree() {
        return tree;
    }

    /** The mount that refused: the tree itself or one mounted below it; null when the kernel is too old. */
    public Path mountPoint() {
        return mountPoint;
    }

    /** The name of that mount's filesystem, like {@code proc} or {@code nfs}; null when the kernel is too old. */
    public String filesystem() {
        return filesystem;
    }
}
