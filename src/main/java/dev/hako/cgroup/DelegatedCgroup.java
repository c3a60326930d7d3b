package dev.hako.cgroup;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * Where a JVM without root makes its containers' cgroups: below a cgroup v2 directory
 * delegated to its user (see {@link RootlessCgroups}).
 *
 * @param root the highest cgroup of the delegated subtree on the way, the one whose
 *             {@code cgroup.subtree_control} decides what the containers' cgroups get
 * @param parent the directory each container's cgroup is made in (named after the
 *               container's id), at or below {@code root}; made on the first start
 * @param controllers the controllers every container's cgroup will have (besides v2's core:
 *                    {@code cgroup.freeze}, {@code cgroup.kill}, {@code cpu.stat}), by their
 *                    v2 names, like {@code memory pids}
 * @param blocked why {@code root}'s controllers cannot be passed down, if they cannot: a
 *                cgroup on the way holds processes (cgroup v2's rule of no internal processes)
 * @param layout the layout to make those cgroups with: v2 only, offering {@code controllers}
 */
public record DelegatedCgroup(Path root, Path parent, Set<String> controllers, Optional<String> blocked,
        CgroupLayout layout) {

    public DelegatedCgroup {
        controllers = Set.copyOf(controllers);
    }

    /**
     * {@link #parent()} as a path from the v2 hierarchy's root, like
     * {@code /user.slice/user-1000.slice/user@1000.service/hako}: what
     * {@link ContainerCgroup#prepare} and {@link StaleCgroups} take, with {@link #layout()}.
     */
    public String parentPath() {
        return "/" + layout.unifiedMount().orElseThrow().relativize(parent);
    }
}
