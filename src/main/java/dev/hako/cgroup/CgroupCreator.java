package dev.hako.cgroup;

import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * Creates a container's cgroup: checks, directories in each hierarchy version, limits; all
 * or nothing. A device policy is checked here (its controller) and left pending.
 */
final class CgroupCreator {
    private CgroupCreator() {
    }

    /**
     * See {@link ContainerCgroup#create(CgroupLayout, String, String, CgroupLimits, DevicePolicy)};
     * {@code devices} null for none.
     */
    static ContainerCgroup create(CgroupLayout layout, String parent, String id, CgroupLimits limits,
            DevicePolicy devices, CgroupDirectories directories) throws IOException {
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(limits, "limits");
        List<String> parentPath = CgroupTree.parentPath(parent);
        // Before anything is made, so that a missing controller leaves no trace.
        LimitWriter.requireControllers(layout, limits);
        if (devices != null) {
            DeviceCgroup.requireController(layout);
        }

        OwnDirectories own = new OwnDirectories(id, directories);
        CgroupPaths.Builder paths = new CgroupPaths.Builder(layout, id);
        try {
            // Wherever a v2 hierarchy is mounted (v2 and hybrid machines) its device program
            // alone enforces the policy: the kernel runs it for every process in the v2
            // directory, whatever v1 devices cgroup the process is in, so the v1 devices
            // hierarchy (a directory, deny-all, an entry per rule, a migration) is left out.
            boolean v1Devices = devices != null
                    && (layout.unifiedMount().isEmpty() || directories.v1DeviceRulesBesideV2());
            for (CgroupHierarchy hierarchy : List.of(new V1Hierarchies(layout, v1Devices),
                    new V2Hierarchy(layout))) {
                hierarchy.makeDirectories(parentPath, limits, own, paths);
            }
            CgroupPaths made = paths.build();
            LimitWriter.apply(made, limits);
            // The device policy is the caller's to apply (ContainerCgroup.applyDevicePolicy):
            // at once, or overlapping with the child's own setup.
            return new ContainerCgroup(made, own, devices, directories);
        } catch (IOException | RuntimeException e) {
            try {
                own.removeAll();
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }
}
