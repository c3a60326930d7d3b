package dev.hako.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Container cgroups that outlived their container. hako has no daemon: when a JVM dies
 * without closing its containers, their first processes die with it (PR_SET_PDEATHSIG) but
 * their cgroup directories stay, and without a PID namespace so do the first process's
 * children. The next JVM that starts a container under the same parent kills what is left
 * in cgroups whose JVM is gone ({@link Orphans}) and removes them. A cgroup made at an exact
 * path ({@code cgroupPath}), and a directory that holds one, is never swept.
 */
public final class StaleCgroups {
    private StaleCgroups() {
    }

    /**
     * Removes the container cgroups under {@code parent}, in every hierarchy, that hold no
     * process and were made more than {@code minAge} ago. The age spares a cgroup another
     * JVM has just made and not yet filled; the kernel refuses to remove one with processes.
     * A container marked with a JVM that is no longer running is killed first, whatever
     * its age.
     *
     * @return the directories removed
     */
    public static List<Path> remove(CgroupLayout layout, String parent, Duration minAge) throws IOException {
        Instant cutoff = Instant.now().minus(minAge);
        List<Path> removed = new ArrayList<>();
        Set<Path> containers = leftovers(layout, parent);
        // A container at an exact path (cgroupPath), or a directory holding one (a pod's):
        // made for a caller that names the path, and never another JVM's to sweep.
        containers.removeIf(Orphans::holdsExactPath);
        // A container whose JVM is gone: the same id in every hierarchy, marked in each.
        Set<String> orphaned = new TreeSet<>();
        for (Path container : containers) {
            if (Orphans.ownerIsGone(container)) {
                orphaned.add(container.getFileName().toString());
            }
        }
        for (Path container : containers) {
            try {
                boolean orphan = orphaned.contains(container.getFileName().toString());
                if (orphan) {
                    Orphans.kill(container);
                } else if (Files.getLastModifiedTime(container).toInstant().isAfter(cutoff)) {
                    continue;
                }
                for (Path dir : CgroupTree.subtree(container)) {
                    CgroupDirectories.KERNEL.rmdir(dir);
                    removed.add(dir);
                }
            } catch (NoSuchFileException e) {
                // Removed by someone else meanwhile.
            } catch (IOException e) {
                // Still populated (EBUSY): in use after all, so it stays.
            }
        }
        return removed;
    }

    /**
     * The container cgroups under {@code parent} in every hierarchy: what is left when no
     * container should exist. Tests assert that this is empty.
     */
    public static Set<Path> leftovers(CgroupLayout layout, String parent) throws IOException {
        List<String> parentPath = CgroupTree.parentPath(parent);
        Set<Path> found = new TreeSet<>();
        for (Path hierarchy : layout.allHierarchies()) {
            Path dir = CgroupTree.resolve(hierarchy, parentPath);
            if (Files.isDirectory(dir)) {
                try (Stream<Path> list = Files.list(dir)) {
                    list.filter(Files::isDirectory).forEach(found::add);
                }
            }
        }
        return found;
    }

    /**
     * Removes the parent cgroup (and the levels above it that it leaves empty, up to the
     * hierarchy's root) in every hierarchy where it holds no container cgroups and no
     * processes; where it does, it stays. For tests and uninstalling: {@link #create}
     * leaves parents in place, as containers share them.
     *
     * @return the directories removed
     */
    public static List<Path> removeParent(CgroupLayout layout, String parent) throws IOException {
        List<String> parentPath = CgroupTree.parentPath(parent);
        List<Path> removed = new ArrayList<>();
        for (Path hierarchy : layout.allHierarchies()) {
            for (int depth = parentPath.size(); depth > 0; depth--) {
                Path dir = CgroupTree.resolve(hierarchy, parentPath.subList(0, depth));
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                try (Stream<Path> list = Files.list(dir)) {
                    if (list.anyMatch(Files::isDirectory)) {
                        break;
                    }
                }
                try {
                    CgroupDirectories.KERNEL.rmdir(dir);
                    removed.add(dir);
                } catch (NoSuchFileException e) {
                    // gone meanwhile
                } catch (IOException e) {
                    break;
                }
            }
        }
        return removed;
    }

}
