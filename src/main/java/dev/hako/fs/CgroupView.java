package dev.hako.fs;

import dev.hako.linux.linux_h;
import dev.hako.program.ChildProgram;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code /sys/fs/cgroup} inside a container, as Docker lays it out: the host's hierarchies
 * (those the container has a cgroup of its own in), read-only. Each is a bind of the
 * container's own cgroup directory when it has a cgroup namespace (the namespace, unshared
 * once the parent has placed the child, makes that directory the root the kernel shows in
 * /proc/self/cgroup and mountinfo), or of the host's whole hierarchy without one. Read-only
 * twice over: a process inside cannot write a limit (EROFS), and without CAP_SYS_ADMIN it
 * cannot remount or mount a hierarchy anew (EPERM).
 *
 * <p>Binds rather than fresh cgroup mounts, for the start's latency: a copy of each source
 * is taken with {@code open_tree} before {@code pivot_root}, while the parent is still
 * placing the child, and attached with {@code move_mount} after /sys is mounted, so none of
 * it waits for the placement; and nothing touches a hierarchy's super block (a fresh
 * cgroup2 mount outside a cgroup namespace would reset the host's mount options).
 *
 * <p>On v1 (and hybrid) machines a tmpfs holds one bind per hierarchy at the name the host
 * gives it ({@code memory}, {@code cpu,cpuacct} with links {@code cpu} and {@code cpuacct},
 * {@code unified} for the v2 one), and is made read-only once they are there; on a v2-only
 * machine the one hierarchy is {@code /sys/fs/cgroup} itself.
 */
public final class CgroupView {
    /** Where the view is. */
    public static final String ROOT = "/sys/fs/cgroup";
    private static final long NO_SUID_DEV_EXEC = linux_h.MS_NOSUID() | linux_h.MS_NODEV() | linux_h.MS_NOEXEC();

    /**
     * One hierarchy of the view.
     *
     * @param name its directory below {@link #ROOT}, like {@code memory}; empty for a
     *             hierarchy that is {@link #ROOT} itself (v2 only)
     * @param source the host directory shown there: the container's own cgroup, or the
     *               hierarchy's mount point
     */
    public record Hierarchy(String name, String source) {
        public Hierarchy {
            if (name.contains("/") || name.equals(".") || name.equals("..")) {
                throw new IllegalArgumentException("not a directory name below " + ROOT + ": " + name);
            }
        }

        String path() {
            return name.isEmpty() ? ROOT : ROOT + "/" + name;
        }
    }

    private final List<Hierarchy> shown;
    private final int[] fds;
    private final boolean single;

    private CgroupView(List<Hierarchy> shown, int[] fds, boolean single) {
        this.shown = shown;
        this.fds = fds;
        this.single = single;
    }

    /**
     * Before {@code pivot_root}, in the host's view: a detached, read-only copy of each
     * hierarchy's source. None: /sys/fs/cgroup stays as sysfs has it, empty.
     */
    public static CgroupView open(ChildProgram.Builder p, List<Hierarchy> hierarchies) {
        boolean single = hierarchies.size() == 1 && hierarchies.getFirst().name().isEmpty();
        List<Hierarchy> shown = new ArrayList<>();
        for (Hierarchy h : hierarchies) {
            if (single || !h.name().isEmpty()) { // a v2 hierarchy at /sys/fs/cgroup next to v1 ones: no place for it
                shown.add(h);
            }
        }
        int[] fds = new int[shown.size()];
        for (int i = 0; i < fds.length; i++) {
            fds[i] = p.openTree(shown.get(i).source(), linux_h.OPEN_TREE_CLONE() | linux_h.OPEN_TREE_CLOEXEC());
            p.note("a detached copy, for " + shown.get(i).path());
        }
        return new CgroupView(List.copyOf(shown), fds, single);
    }

    /** After /sys is mounted in the new root: the copies at their places. */
    public void attach(ChildProgram.Builder p) {
        if (shown.isEmpty()) {
            return;
        }
        if (!single) {
            p.mount("tmpfs", ROOT, "tmpfs", NO_SUID_DEV_EXEC, "mode=755").note("holds one mount per hierarchy, as on the host");
        }
        for (int i = 0; i < fds.length; i++) {
            Hierarchy h = shown.get(i);
            if (!single) {
                p.mkdir(h.path(), 0555);
            }
            p.moveMount(fds[i], h.path()).note("bind " + h.source() + " (host)").close(fds[i]);
            if (h.name().contains(",")) {
                for (String controller : h.name().split(",")) {
                    p.symlink(h.name(), ROOT + "/" + controller).note("as the host links co-mounted controllers");
                }
            }
        }
        p.mountSetattr(ROOT, true, linux_h.MOUNT_ATTR_RDONLY() | linux_h.MOUNT_ATTR_NOSUID()
                        | linux_h.MOUNT_ATTR_NODEV() | linux_h.MOUNT_ATTR_NOEXEC(),
                "MOUNT_ATTR_RDONLY|MOUNT_ATTR_NOSUID|MOUNT_ATTR_NODEV|MOUNT_ATTR_NOEXEC")
                .note("all of it read-only at once, now that its mounts are in place: these mounts only, not the"
                        + " host's mounts or super blocks");
    }
}
