package dev.hako.fs;

import dev.hako.linux.linux_h;
import dev.hako.program.ChildProgram;

import java.util.List;

/**
 * {@code /sys/fs/cgroup} inside a container, as Docker lays it out: the host's hierarchies
 * (those the container has a cgroup of its own in), mounted afresh and read-only. Mounted after the child has unshared its cgroup
 * namespace, each mount's root is the container's own cgroup, so the container sees its
 * own limits and processes and nothing above them. Read-only twice over: a process inside
 * cannot write a limit (EROFS), and without CAP_SYS_ADMIN it cannot remount or mount a
 * hierarchy anew (EPERM).
 *
 * <p>On v1 (and hybrid) machines a tmpfs holds one mount per hierarchy at the name the host
 * gives it ({@code memory}, {@code cpu,cpuacct} with links {@code cpu} and {@code cpuacct},
 * {@code unified} for the v2 one), and is made read-only once they are
 * there; on a v2-only machine the one hierarchy is {@code /sys/fs/cgroup} itself.
 *
 * <p>Each mount is made read-write, then bound read-only: the mount shares the host's
 * super block, and only the mount, never the super block, must become read-only.
 */
public final class CgroupView {
    /** Where the view is. */
    public static final String ROOT = "/sys/fs/cgroup";

    /**
     * One hierarchy of the view.
     *
     * @param name its directory below {@link #ROOT}, like {@code memory}; empty for a
     *             hierarchy that is {@link #ROOT} itself (v2 only)
     * @param fsType {@code cgroup} or {@code cgroup2}
     * @param options the mount's options, exactly those of the host's hierarchy
     */
    public record Hierarchy(String name, String fsType, List<String> options) {
        public Hierarchy {
            options = List.copyOf(options);
            if (name.contains("/") || name.equals(".") || name.equals("..")) {
                throw new IllegalArgumentException("not a directory name below " + ROOT + ": " + name);
            }
        }

        String path() {
            return name.isEmpty() ? ROOT : ROOT + "/" + name;
        }
    }

    private CgroupView() {
    }

    /** Adds the mounts of {@code hierarchies} (none: /sys/fs/cgroup stays as sysfs has it, empty). */
    public static void addSteps(ChildProgram.Builder p, List<Hierarchy> hierarchies) {
        if (hierarchies.isEmpty()) {
            return;
        }
        long flags = linux_h.MS_NOSUID() | linux_h.MS_NODEV() | linux_h.MS_NOEXEC();
        boolean single = hierarchies.size() == 1 && hierarchies.getFirst().name().isEmpty();
        if (!single) {
            p.mount("tmpfs", ROOT, "tmpfs", flags, "mode=755").note("holds one mount per hierarchy, as on the host");
        }
        for (Hierarchy h : hierarchies) {
            if (h.name().isEmpty() && !single) {
                continue; // a v2 hierarchy at /sys/fs/cgroup next to v1 ones: no place for it
            }
            if (!single) {
                p.mkdir(h.path(), 0555);
            }
            p.mount(h.fsType(), h.path(), h.fsType(), flags, h.options().isEmpty() ? null : String.join(",", h.options()))
                    .note("rooted at the container's own cgroup (cgroup namespace)");
            readOnly(p, h.path(), flags);
            if (h.name().contains(",")) {
                for (String controller : h.name().split(",")) {
                    p.symlink(h.name(), ROOT + "/" + controller).note("as the host links co-mounted controllers");
                }
            }
        }
        if (!single) {
            readOnly(p, ROOT, flags);
        }
    }

    private static void readOnly(ChildProgram.Builder p, String path, long flags) {
        p.mount(null, path, null, linux_h.MS_REMOUNT() | linux_h.MS_BIND() | linux_h.MS_RDONLY() | flags, null)
                .note("read-only: this mount only, not the host's super block");
    }
}
