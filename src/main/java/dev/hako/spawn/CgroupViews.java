package dev.hako.spawn;

import dev.hako.cgroup.CgroupLayout;
import dev.hako.fs.CgroupView;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The hierarchies of a container's {@code /sys/fs/cgroup} ({@link CgroupView}), from the
 * host's: each at the same name below /sys/fs/cgroup as on the host (a hierarchy mounted
 * elsewhere at its directory's name), so that tools find them where they look on the host.
 */
final class CgroupViews {
    private static final Path HOST_ROOT = Path.of(CgroupView.ROOT);

    private CgroupViews() {
    }

    static List<CgroupView.Hierarchy> of(CgroupLayout layout) {
        List<CgroupView.Hierarchy> out = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (CgroupLayout.MountedHierarchy h : layout.mountedHierarchies()) {
            Path mp = h.mountPoint();
            String name = mp.equals(HOST_ROOT) ? ""
                    : mp.getParent() != null && mp.getParent().equals(HOST_ROOT) ? mp.getFileName().toString()
                    : mp.getFileName() == null ? "" : mp.getFileName().toString();
            if (names.add(name)) {
                out.add(new CgroupView.Hierarchy(name, h.fsType(), h.options()));
            }
        }
        return out;
    }
}
