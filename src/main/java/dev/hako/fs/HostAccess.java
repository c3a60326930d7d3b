package dev.hako.fs;

import dev.hako.ContainerException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;

/**
 * Whether a host id that is not root can get at a host directory: the question for a
 * container whose root is an unprivileged id outside (a user namespace), since that root
 * has no capability over host files whose owner is not one of its ids.
 */
final class HostAccess {
    private static final int SEARCH_OWNER = 0100;
    private static final int SEARCH_GROUP = 010;
    private static final int SEARCH_OTHER = 01;

    private HostAccess() {
    }

    /**
     * Checks that {@code uid}/{@code gid} may search every directory from / down to
     * {@code dir}, and {@code dir} itself; links on the way are followed as the kernel
     * would follow them.
     *
     * @throws ContainerException naming the first directory in the way, its mode and owner
     */
    static void checkReachable(Path dir, long uid, long gid) throws IOException {
        Path real = dir.toRealPath();
        Path at = real.getRoot();
        for (Path part : real) {
            at = at.resolve(part);
            check(at, dir, uid, gid);
        }
        if (real.getNameCount() == 0) {
            check(real, dir, uid, gid);
        }
    }

    private static void check(Path at, Path dir, long uid, long gid) throws IOException {
        Map<String, Object> a = Files.readAttributes(at, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        int owner = (Integer) a.get("uid");
        int group = (Integer) a.get("gid");
        int bit = Integer.toUnsignedLong(owner) == uid ? SEARCH_OWNER
                : Integer.toUnsignedLong(group) == gid ? SEARCH_GROUP : SEARCH_OTHER;
        if ((mode & bit) == 0) {
            throw new ContainerException("the rootfs " + dir + " is out of reach of the container's root, which is"
                    + " uid " + uid + " (gid " + gid + ") on the host in its user namespace: " + at + " (mode "
                    + Integer.toOctalString(mode & 07777) + ", owner " + owner + ":" + group + ") does not let it in;"
                    + " make the directories on the way searchable by others (chmod o+x), or keep the rootfs elsewhere");
        }
    }
}
