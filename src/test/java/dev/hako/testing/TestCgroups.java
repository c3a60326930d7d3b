package dev.hako.testing;

import dev.hako.cgroup.CgroupLayout;
import dev.hako.cgroup.Controller;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The cgroup parent this test JVM's containers live under, {@code /hako-it-<pid>}: tests
 * that count cgroups see only their own, whatever else on the machine runs hako at the same
 * time. The parent is removed from every hierarchy when the JVM exits.
 */
public final class TestCgroups {

    private static final String PARENT = "/hako-it-" + ProcessHandle.current().pid();
    private static CgroupLayout layout;

    private TestCgroups() {
    }

    /** The cgroup parent for this JVM's test containers. */
    public static synchronized String parent() {
        if (layout == null) {
            try {
                layout = CgroupLayout.detect();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read this machine's cgroup layout", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(TestCgroups::removeParent, "remove-test-cgroup-parent"));
        }
        return PARENT;
    }

    /** A container's cgroup directory for {@code controller}, in whichever hierarchy holds it. */
    public static Path containerDir(Controller controller, String containerId) {
        parent();
        Path hierarchy = switch (layout.location(controller)) {
            case V1 -> layout.v1Mount(controller).orElseThrow();
            case UNIFIED -> layout.unifiedMount().orElseThrow();
            case NONE -> throw new IllegalStateException(controller + " is not mounted on this machine: " + layout);
        };
        return hierarchy.resolve(PARENT.substring(1)).resolve(containerId);
    }

    /** A container's directory in the unified (v2) hierarchy, where this machine has one. */
    public static Optional<Path> unifiedDir(String containerId) {
        parent();
        return layout.unifiedMount().map(m -> m.resolve(PARENT.substring(1)).resolve(containerId));
    }

    /** Every container cgroup under this JVM's parent, in every hierarchy. */
    public static List<String> containerCgroups() throws IOException {
        parent();
        List<String> found = new ArrayList<>();
        for (Path parent : parentDirs()) {
            if (Files.isDirectory(parent)) {
                try (Stream<Path> children = Files.list(parent)) {
                    children.filter(Files::isDirectory).sorted().forEach(d -> found.add(d.toString()));
                }
            }
        }
        return found;
    }

    private static List<Path> parentDirs() {
        List<Path> hierarchies = new ArrayList<>(layout.v1Hierarchies());
        layout.unifiedMount().ifPresent(hierarchies::add);
        return hierarchies.stream().sorted().map(h -> h.resolve(PARENT.substring(1))).toList();
    }

    private static void removeParent() {
        for (Path parent : parentDirs()) {
            try {
                Files.deleteIfExists(parent); // rmdir: fails, and so keeps it, while a container is left in it
            } catch (IOException e) {
                System.err.println("test cgroup parent " + parent + " not removed: " + e);
            }
        }
    }
}
