package dev.hako.oci;

import dev.hako.cgroup.CgroupLayout;
import dev.hako.cgroup.Controller;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A created container's cgroup directories, read from where its process is
 * ({@code /proc/PID/cgroup}): those of the hierarchies in which it is at the container's
 * own path. Hierarchies where hako made no directory for it show another path, and are not
 * its.
 */
final class CgroupOf {
    private CgroupOf() {
    }

    /** {@code path}: the container's cgroup as a path from each hierarchy's root, like {@code /hako/abc}. */
    static List<Path> directories(long pid, String path, CgroupLayout layout) throws IOException {
        Set<Path> dirs = new LinkedHashSet<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            String[] f = line.split(":", 3);
            if (f.length != 3 || !Path.of(f[2]).normalize().equals(Path.of(path).normalize())) {
                continue;
            }
            String relative = Path.of(path).normalize().toString().substring(1);
            if (f[1].isEmpty()) {
                layout.unifiedMount().ifPresent(m -> dirs.add(m.resolve(relative)));
                continue;
            }
            for (String name : f[1].split(",")) {
                for (Controller c : Controller.values()) {
                    if (c.v1Name().equals(name) && layout.location(c) == CgroupLayout.Location.V1) {
                        dirs.add(layout.v1Mount(c).orElseThrow().resolve(relative));
                    }
                }
            }
        }
        return new ArrayList<>(dirs);
    }
}
