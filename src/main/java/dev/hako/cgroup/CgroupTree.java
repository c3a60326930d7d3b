package dev.hako.cgroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Paths in a cgroup hierarchy, and the parents a container's cgroup needs before it can be
 * made: present, with CPUs and memory nodes on v1 cpuset, and passing the controllers down
 * on v2.
 */
public final class CgroupTree {
    private CgroupTree() {
    }

    /**
     * The components of a parent path like {@code /hako} or {@code /a/b}: the one rule for
     * what a cgroup parent may be, which {@code Container.Builder.build()} runs so that a
     * bad parent fails there, naming the option.
     */
    public static List<String> parentPath(String parent) {
        Objects.requireNonNull(parent, "cgroupParent");
        List<String> parts = Arrays.stream(parent.split("/")).filter(s -> !s.isEmpty()).toList();
        if (!parent.startsWith("/") || parts.isEmpty()) {
            throw new IllegalArgumentException("cgroupParent \"" + parent + "\" must be an absolute path below the"
                    + " root of the hierarchy, like /hako or /myapp/containers, so that containers' cgroups stay together");
        }
        for (String part : parts) {
            if (part.equals(".") || part.equals("..") || part.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("cgroupParent \"" + parent + "\" has the component \""
                        + part + "\": use plain names, like /hako or /myapp/containers");
            }
        }
        return parts;
    }

    /**
     * Makes the parent directories below {@code mount} where missing. For v1 cpuset, fills an
     * empty cpuset.cpus/mems from the level above, as a new v1 cpuset cgroup starts empty
     * and no process can join it or its children until they are set. For v2, enables
     * {@code enable} in cgroup.subtree_control of the root and of every directory down to
     * the parent, since a v2 cgroup has only the controllers its parent passes down.
     */
    static Path makeParents(Path mount, List<String> parentPath, boolean cpuset, Set<String> enable,
            CgroupDirectories directories) throws IOException {
        Path dir = mount;
        enableControllers(dir, mount, enable);
        for (String part : parentPath) {
            Path above = dir;
            dir = dir.resolve(part);
            if (!Files.isDirectory(dir)) {
                try {
                    directories.mkdir(dir);
                } catch (FileAlreadyExistsException e) {
                    // another container made it just now
                } catch (IOException e) {
                    throw new CgroupException("cannot create the parent cgroup " + dir + ": "
                            + CgroupFiles.reason(e), e);
                }
            }
            if (cpuset) {
                fillCpuset(dir, above, "cpuset.cpus");
                fillCpuset(dir, above, "cpuset.mems");
            }
            enableControllers(dir, mount, enable);
        }
        return dir;
    }

    private static void fillCpuset(Path dir, Path above, String file) throws IOException {
        Path target = dir.resolve(file);
        if (CgroupFiles.read(target).isEmpty()) {
            copyCpuset(above.resolve(file), target);
        }
    }

    static void inheritCpuset(Path own, String file) throws IOException {
        copyCpuset(own.getParent().resolve(file), own.resolve(file));
    }

    private static void copyCpuset(Path from, Path to) throws IOException {
        String value = CgroupFiles.read(from);
        try {
            CgroupFiles.write(to, value);
        } catch (IOException e) {
            throw new CgroupException("cannot copy \"" + value + "\" from " + from + " to " + to + ": "
                    + CgroupFiles.reason(e) + " (a new v1 cpuset cgroup starts empty, and no process can join"
                    + " it until it has CPUs and memory nodes)", e);
        }
    }

    private static void enableControllers(Path dir, Path mount, Set<String> names) throws IOException {
        if (names.isEmpty()) {
            return;
        }
        Path control = dir.resolve("cgroup.subtree_control");
        Set<String> missing = new TreeSet<>(names);
        missing.removeAll(words(CgroupFiles.read(control)));
        if (missing.isEmpty()) {
            return;
        }
        Set<String> offered = words(CgroupFiles.read(dir.resolve("cgroup.controllers")));
        Set<String> absent = new TreeSet<>(missing);
        absent.removeAll(offered);
        if (!absent.isEmpty()) {
            throw new CgroupException("cannot delegate " + String.join(" ", absent) + " to the cgroups below "
                    + dir + ": its cgroup.controllers offers only \"" + String.join(" ", offered) + "\";"
                    + " enable them in cgroup.subtree_control of the cgroup above it (under systemd:"
                    + " Delegate=yes for the unit), or leave the limits that need them unset");
        }
        String value = missing.stream().map(n -> "+" + n).collect(Collectors.joining(" "));
        try {
            CgroupFiles.write(control, value);
        } catch (IOException e) {
            String why = CgroupFiles.reason(e);
            if (!dir.equals(mount) && !CgroupFiles.pids(dir.resolve("cgroup.procs")).isEmpty()) {
                why += ": " + dir + " has processes of its own, and cgroup v2 gives controllers only to the"
                        + " children of cgroups without processes; use a cgroup parent that holds no processes";
            }
            throw new CgroupException("enabling controllers \"" + value + "\" in " + control + " failed: " + why, e);
        }
    }

    /** The names in a space-separated list like cgroup.controllers. */
    private static Set<String> words(String text) {
        return Arrays.stream(text.trim().split("\\s+")).filter(s -> !s.isEmpty())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** {@code hierarchy} with {@code parts} appended: a cgroup's directory. */
    static Path resolve(Path hierarchy, List<String> parts) {
        Path dir = hierarchy;
        for (String part : parts) {
            dir = dir.resolve(part);
        }
        return dir;
    }

    /** The pids in {@code dirs} and every cgroup below them. */
    static Set<Long> pids(List<Path> dirs) throws IOException {
        Set<Long> pids = new TreeSet<>();
        for (Path dir : dirs) {
            for (Path d : subtree(dir)) {
                pids.addAll(CgroupFiles.pids(d.resolve("cgroup.procs")));
            }
        }
        return pids;
    }

    /**
     * {@code dir} and every cgroup below it, deepest first, so that rmdir can go in this order;
     * empty if {@code dir} is gone. A container with its own cgroup namespace and a writable
     * cgroupfs may have made child cgroups.
     */
    static List<Path> subtree(Path dir) throws IOException {
        int links;
        try {
            links = (Integer) Files.getAttribute(dir, "unix:nlink");
        } catch (NoSuchFileException e) {
            return List.of();
        }
        if (links == 2) {
            // A directory has 2 links plus one per subdirectory (kernfs keeps this too): a
            // leaf, the usual case, needs no walk, which would stat each of its dozens of files.
            return List.of(dir);
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> dirs = new ArrayList<>(walk.filter(Files::isDirectory).toList());
            Collections.reverse(dirs);
            return dirs;
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof NoSuchFileException) {
                // a child cgroup went away while walking: ask again
                return subtree(dir);
            }
            throw e.getCause();
        }
    }
}
