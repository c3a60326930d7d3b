package dev.hako.cgroup;

import dev.hako.cgroup.CgroupLayout.Location;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where one container's cgroup is: its directory in the v1 hierarchy of each controller it
 * uses there, and its one v2 directory where a v2 hierarchy is mounted. Limits, stats,
 * freezing and killing each take the directory they need from here, so that none of them
 * has to work out the layout again. Fixed once creation is done.
 */
final class CgroupPaths {
    private final CgroupLayout layout;
    private final String id;
    private final Map<Controller, Path> v1;
    private final List<Path> v1Directories;
    private final Path unified;

    private CgroupPaths(Builder b) {
        this.layout = b.layout;
        this.id = b.id;
        this.v1 = Map.copyOf(b.v1);
        this.v1Directories = List.copyOf(b.v1Directories);
        this.unified = b.unified;
    }

    CgroupLayout layout() {
        return layout;
    }

    /** The container's id, which names its directory in every hierarchy. */
    String id() {
        return id;
    }

    /** The container's directory in the v1 hierarchy of {@code controller}; empty where it has none. */
    Optional<Path> v1(Controller controller) {
        return Optional.ofNullable(v1.get(controller));
    }

    /** The container's v1 directories, one per hierarchy (cpu and cpuacct often share one), in creation order. */
    List<Path> v1Directories() {
        return v1Directories;
    }

    /** The container's v2 directory; empty without a v2 mount. */
    Optional<Path> unified() {
        return Optional.ofNullable(unified);
    }

    /** Whether {@code controller} is on v2 here, so that its files are v2's and in the v2 directory. */
    boolean onV2(Controller controller) {
        return layout.location(controller) == Location.UNIFIED;
    }

    /** The container's directory holding {@code controller}'s files; null where the controller is missing. */
    Path directoryFor(Controller controller) {
        return switch (layout.location(controller)) {
            case V1 -> v1.get(controller);
            case UNIFIED -> unified;
            case NONE -> null;
        };
    }

    /** Every directory, the v1 ones then the v2 one: where a process of the container can be. */
    List<Path> all() {
        List<Path> dirs = new ArrayList<>(v1Directories);
        if (unified != null) {
            dirs.add(unified);
        }
        return dirs;
    }

    /** The pids in every directory of this cgroup, including any child cgroups made inside it. */
    Set<Long> processes() throws IOException {
        return CgroupTree.pids(all());
    }

    /**
     * Whether v2's cgroup.events says processes are in the v2 directory or below it. Only
     * there do cgroup.freeze and cgroup.kill reach them: on a hybrid machine they may be in
     * the v1 directories alone.
     */
    boolean unifiedPopulated() throws IOException {
        return unified != null && CgroupFiles.event(unified, "populated") == 1;
    }

    /** Collects the directories while {@link CgroupHierarchy} strategies make them. */
    static final class Builder {
        private final CgroupLayout layout;
        private final String id;
        private final Map<Controller, Path> v1 = new EnumMap<>(Controller.class);
        private final Set<Path> v1Directories = new LinkedHashSet<>();
        private Path unified;

        Builder(CgroupLayout layout, String id) {
            this.layout = layout;
            this.id = id;
        }

        String id() {
            return id;
        }

        /** {@code dir} is the container's directory in the v1 hierarchy of {@code controllers}. */
        Builder v1(Path dir, Set<Controller> controllers) {
            v1Directories.add(dir);
            controllers.forEach(c -> v1.put(c, dir));
            return this;
        }

        /** {@code dir} is the container's v2 directory. */
        Builder unified(Path dir) {
            unified = dir;
            return this;
        }

        CgroupPaths build() {
            return new CgroupPaths(this);
        }
    }
}
