package dev.hako.cgroup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A container's one directory on cgroup v2. Made whenever a v2 hierarchy is mounted, even
 * one without controllers (as on hybrid machines), for its core files: cgroup.kill,
 * cgroup.freeze, and a directory to clone the child into.
 */
record V2Hierarchy(CgroupLayout layout) implements CgroupHierarchy {

    /**
     * The v2 controllers to enable from the root down to the parent, by name, sorted: those
     * of the limits set, and memory and pids for stats and OOM counts without limits. CPU
     * time (cpu.stat) and freezing are core and need none. A {@link CgroupLayout#delegated}
     * layout passes every controller it has down.
     */
    static Set<String> controllersToEnable(CgroupLayout layout, CgroupLimits limits) {
        Set<Controller> enable = EnumSet.of(Controller.MEMORY, Controller.PIDS);
        for (LimitOption option : LimitOption.values()) {
            if (option.isSet(limits)) {
                enable.add(option.controller());
            }
        }
        Set<String> names = new TreeSet<>();
        if (layout.isDelegated()) {
            names.addAll(layout.unifiedControllers());
        }
        for (Controller c : enable) {
            if (layout.location(c) == CgroupLayout.Location.UNIFIED && !c.coreOnV2()) {
                names.add(c.v2Name().orElseThrow());
            }
        }
        return names;
    }

    @Override
    public void makeDirectories(List<String> parentPath, CgroupLimits limits, OwnDirectories own,
            CgroupPaths.Builder paths) throws IOException {
        Optional<Path> mount = layout.unifiedMount();
        if (mount.isPresent()) {
            Set<String> enable = controllersToEnable(layout, limits);
            paths.unified(own.makeIn(own.makeParents(mount.get(), parentPath, false, enable)));
        }
    }
}
