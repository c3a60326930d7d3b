package dev.hako.spawn;

import dev.hako.cgroup.CgroupLayout;
import dev.hako.fs.CgroupView;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The hierarchies of a container's {@code /sys/fs/cgroup} ({@link CgroupView}), from the
 * host's: each at the same name below /sys/fs/cgroup as on the host (a hierarchy mounted
 * elsewhere at its directory's name), so that tools find them where they look on the host.
 *
 * <p>Only the hierarchies in which the container has a cgroup of its own: in the others
 * (on v1, those of controllers it has no limit for, like blkio or cpuset, and named ones
 * like systemd) it stays in the JVM's cgroup, and a view rooted there would show the
 * JVM's cgroup and what lies below it, often the host's root cgroup and its
 * {@code release_agent}, not the container's.
 */
final class CgroupViews {
    private static final Path HOST_ROOT = Path.of(CgroupView.ROOT);

    private CgroupViews() {
    }

    /**
     * {@code own}: the container's cgroup directories, as host paths; {@code namespace}:
     * whether it has a cgroup namespace, which shows its own directories. Without one, a v1
     * hierarchy still shows the container's own directory (as runc binds it, and as tools in
     * v1 containers read their limits from /sys/fs/cgroup/memory/memory.limit_in_bytes), and a
     * v2 hierarchy the host's whole one (as runc's fresh cgroup2 mount does).
     */
    static List<CgroupView.Hierarchy> of(CgroupLayout layout, List<Path> own, boolean namespace) {
        List<CgroupView.Hierarchy> out = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (CgroupLayout.MountedHierarchy h : layout.mountedHierarchies()) {
            Path mp = h.mountPoint();
            Optional<Path> mine = own.stream().filter(dir -> dir.startsWith(mp) && !dir.equals(mp)).findFirst();
            if (mine.isEmpty()) {
                continue;
            }
            String name = mp.equals(HOST_ROOT) ? ""
                    : mp.getParent() != null && mp.getParent().equals(HOST_ROOT) ? mp.getFileName().toString()
                    : mp.getFileName() == null ? "" : mp.getFileName().toString();
            if (names.add(name)) {
                boolean v1 = h.fsType().equals("cgroup");
                out.add(new CgroupView.Hierarchy(name, (namespace || v1 ? mine.get() : mp).toString()));
            }
        }
        return out;
    }
}
