package dev.hako.cgroup;

import java.io.IOException;
import java.util.List;
import java.util.Objects;

/** Creates a container's cgroup: checks, directories in each hierarchy version, limits; all or nothing. */
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
            for (CgroupHierarchy hierarchy : List.of(new V1Hierarchies(layout, devices != null),
                    new V2Hierarchy(layout))) {
                hierarchy.makeDirectories(parentPath, limits, own, paths);
            }
            CgroupPaths made = paths.build();
            LimitWriter.apply(made, limits);
            if (devices != null) {
                // Before the child exists: none of its steps runs outside the policy.
                if (made.v1(Controller.DEVICES).isPresent()) {
                    DeviceCgroup.applyV1(made.v1(Controller.DEVICES).get(), devices);
                }
                if (made.unified().isPresent()) {
                    directories.attachDevicePolicy(made.unified().get(), devices.program());
                }
            }
            return new ContainerCgroup(made, own);
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
