package dev.hako.cgroup;

import dev.hako.cgroup.CgroupLayout.Location;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A container's directories on cgroup v1: one in each hierarchy of the controllers it uses.
 *
 * @param devices whether the container has a device policy, which needs the devices hierarchy
 */
record V1Hierarchies(CgroupLayout layout, boolean devices) implements CgroupHierarchy {
    /**
     * Used on v1 with or without limits: memory, cpuacct and pids for stats and OOM counts
     * (cpu with them, as it is usually mounted together with cpuacct), freezer for pause and
     * a kill-all that no fork escapes. cpuset and blkio only for a limit of theirs: a new v1
     * cpuset must be filled before a process may join it, work for nothing without a limit.
     */
    static final Set<Controller> ALWAYS = EnumSet.of(Controller.MEMORY, Controller.CPU, Controller.CPUACCT,
            Controller.PIDS, Controller.FREEZER);

    /**
     * The v1 hierarchies {@code limits} need, each with the controllers used from it, in
     * {@link Controller} order; controllers mounted together (like cpu,cpuacct) share one.
     */
    static Map<Path, Set<Controller>> hierarchies(CgroupLayout layout, CgroupLimits limits) {
        return hierarchies(layout, limits, false);
    }

    /** As {@link #hierarchies(CgroupLayout, CgroupLimits)}, with the devices hierarchy when {@code devices}. */
    static Map<Path, Set<Controller>> hierarchies(CgroupLayout layout, CgroupLimits limits, boolean devices) {
        Set<Controller> wanted = EnumSet.copyOf(ALWAYS);
        if (devices) {
            wanted.add(Controller.DEVICES);
        }
        for (LimitOption option : LimitOption.values()) {
            if (option.isSet(limits)) {
                wanted.add(option.controller());
            }
        }
        Map<Path, Set<Controller>> hierarchies = new LinkedHashMap<>();
        for (Controller c : wanted) {
            if (layout.location(c) == Location.V1) {
                hierarchies.computeIfAbsent(layout.v1Mount(c).orElseThrow(), m -> EnumSet.noneOf(Controller.class))
                        .add(c);
            }
        }
        return hierarchies;
    }

    @Override
    public void makeDirectories(List<String> parentPath, CgroupLimits limits, OwnDirectories own,
            CgroupPaths.Builder paths) throws IOException {
        for (Map.Entry<Path, Set<Controller>> h : hierarchies(layout, limits, devices).entrySet()) {
            boolean cpuset = h.getValue().contains(Controller.CPUSET);
            Path dir = own.makeIn(own.makeParents(h.getKey(), parentPath, cpuset, Set.of()));
            paths.v1(dir, h.getValue());
            if (cpuset) {
                // A new v1 cpuset admits no process until both are set: take what is not limited from the parent.
                if (limits.cpusetCpus() == null) {
                    CgroupTree.inheritCpuset(dir, "cpuset.cpus");
                }
                if (limits.cpusetMems() == null) {
                    CgroupTree.inheritCpuset(dir, "cpuset.mems");
                }
            }
        }
    }
}
