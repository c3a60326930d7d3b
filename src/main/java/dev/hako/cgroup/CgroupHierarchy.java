package dev.hako.cgroup;

import java.io.IOException;
import java.util.List;

/**
 * How a container's directories are made in one version of the cgroup hierarchy. v1 has a
 * hierarchy per controller (or group of them), each needing its own directory, and new
 * cpusets that start empty; v2 has one, whose parents must pass each controller down.
 * {@link CgroupCreator} runs both: on a hybrid machine a container has directories in each.
 */
sealed interface CgroupHierarchy permits V1Hierarchies, V2Hierarchy {

    /**
     * Makes the parents (where missing) and the container's own directories for
     * {@code limits}, each through {@code own} so that a later failure removes them, and
     * records them in {@code paths}. Does nothing where this version is not mounted.
     */
    void makeDirectories(List<String> parentPath, CgroupLimits limits, OwnDirectories own, CgroupPaths.Builder paths)
            throws IOException;
}
