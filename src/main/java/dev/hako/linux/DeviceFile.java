package dev.hako.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A character or block device node as {@code stat(2)} describes it: its type, its device
 * number split into major and minor, its permission bits and its owner. What a container
 * needs to make the same node inside and to allow it in its device policy.
 *
 * @param block true for a block device, false for a character device
 * @param mode the permission bits (the low twelve bits of {@code st_mode})
 */
public record DeviceFile(boolean block, int major, int minor, int mode, int uid, int gid) {

    /** The {@code S_IFBLK} or {@code S_IFCHR} bits of this node's {@code st_mode}. */
    public int typeBits() {
        return block ? linux_h.S_IFBLK() : linux_h.S_IFCHR();
    }

    /** The kernel's encoding of major:minor, for mknod. */
    public long device() {
        return linux_h.gnu_dev_makedev(major, minor);
    }

    /**
     * {@code stat(path)}, following symbolic links as opening the path would: the device
     * there, or empty when the file is not a character or block device.
     *
     * @throws java.nio.file.NoSuchFileException if nothing is there (or a link dangles)
     * @throws java.nio.file.FileSystemException with reason "Too many levels of symbolic
     *         links" for a loop
     */
    public static Optional<DeviceFile> stat(Path path) throws IOException {
        Map<String, Object> a = Files.readAttributes(path, "unix:mode,rdev,uid,gid");
        int mode = (Integer) a.get("mode");
        int type = mode & linux_h.S_IFMT();
        if (type != linux_h.S_IFCHR() && type != linux_h.S_IFBLK()) {
            return Optional.empty();
        }
        long rdev = (Long) a.get("rdev");
        return Optional.of(new DeviceFile(type == linux_h.S_IFBLK(), linux_h.gnu_dev_major(rdev),
                linux_h.gnu_dev_minor(rdev), mode & 07777, (Integer) a.get("uid"), (Integer) a.get("gid")));
    }
}
