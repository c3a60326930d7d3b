package dev.hako.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Looks for the cgroup v2 subtree a JVM without root may make cgroups in. Delegation on
 * cgroup v2 is plain file permissions: a user may make a cgroup where it may write the
 * directory, move processes between cgroups whose common ancestor's {@code cgroup.procs}
 * it may write (the kernel's rule for writes to cgroup.procs and for
 * {@code CLONE_INTO_CGROUP} alike), and pass controllers down where it may write
 * {@code cgroup.subtree_control}. So a cgroup is usable when all three are writable to
 * this process; the root cgroup never is (only root may write it).
 *
 * <p>Which parent: from the JVM's own cgroup up to the highest usable ancestor, the root of
 * what was delegated (systemd's {@code user@UID.service}, or a directory root chowned to the
 * user). Containers go to {@code cgroupParent} below that root, like {@code ROOT/hako}: a
 * sibling branch of the JVM's own cgroup, not a child of it, because the JVM's cgroup holds
 * the JVM, and cgroup v2 lets a cgroup with processes of its own pass no controller to its
 * children. The highest root rather than the JVM's own cgroup also keeps the containers out
 * of a unit's cgroup that its manager may remove. An explicit {@code cgroupParent} that
 * already lies in a usable subtree (a path from the v2 mount) is taken as it is.
 */
final class DelegationFinder {
    /** How this process may use a file: the kernel's own check, for tests a table. */
    interface Access {
        /** access(2) as the real system: the kernel's permission check, group and ACLs included. */
        Access SYSTEM = Files::isWritable;

        boolean mayWrite(Path file);
    }

    /** What the search found: a subtree, or why there is none. Exactly one is set. */
    record Search(CgroupLayout host, DelegatedCgroup found, String whyNone) {
        Optional<DelegatedCgroup> subtree() {
            return Optional.ofNullable(found);
        }
    }

    private final CgroupLayout host;
    private final Access access;

    DelegationFinder(CgroupLayout host, Access access) {
        this.host = host;
        this.access = access;
    }

    /**
     * @param procSelfCgroup the JVM's {@code /proc/self/cgroup}
     * @param cgroupParent the container's {@code cgroupParent}, like {@code /hako}
     */
    Search search(String procSelfCgroup, String cgroupParent) throws IOException {
        List<String> parts = CgroupTree.parentPath(cgroupParent);
        Optional<Path> unified = host.unifiedMount();
        if (unified.isEmpty()) {
            return none("this machine has no cgroup v2 (unified) hierarchy, and the v1 hierarchies (" + host
                    + ") are root's");
        }
        Path mount = unified.get();
        Optional<String> own = ownPath(procSelfCgroup);
        if (own.isEmpty()) {
            return none("/proc/self/cgroup has no cgroup v2 line (0::PATH), so this JVM is in no v2 cgroup");
        }
        Path ownDir = CgroupTree.resolve(mount, split(own.get()));
        if (!Files.isDirectory(ownDir)) {
            return none("this JVM's cgroup v2 " + own.get() + " is not at " + ownDir
                    + " (is the JVM in a cgroup namespace of its own, or is " + mount + " not the whole hierarchy?)");
        }
        Path explicit = CgroupTree.resolve(mount, parts);
        Path existing = explicit;
        while (!existing.equals(mount) && !Files.isDirectory(existing)) {
            existing = existing.getParent();
        }
        Path root;
        Path parent;
        if (!existing.equals(mount) && usable(existing)) {
            root = highestUsable(mount, existing);
            parent = explicit;
            Path common = commonAncestor(ownDir, parent);
            if (common.equals(mount) || !access.mayWrite(common.resolve("cgroup.procs"))) {
                return none("cgroupParent " + cgroupParent + " (" + explicit + ") is delegated to this user, but this"
                        + " JVM's cgroup " + ownDir + " meets it only at " + common + ", whose cgroup.procs this"
                        + " user may not write, and the kernel moves a process (or clones one into a cgroup)"
                        + " only where the user may write cgroup.procs of both cgroups' common ancestor: start the"
                        + " JVM inside " + root);
            }
        } else {
            if (ownDir.equals(mount) || !usable(ownDir)) {
                return none("this JVM's cgroup v2 " + (ownDir.equals(mount) ? "/ (the root cgroup)" : own.get())
                        + " is not delegated to its user: neither it nor a cgroup above it lets this process write"
                        + " the directory, its cgroup.procs and its cgroup.subtree_control");
            }
            root = highestUsable(mount, ownDir);
            parent = CgroupTree.resolve(root, parts);
        }
        Set<String> offered = words(CgroupFiles.read(root.resolve("cgroup.controllers")));
        Optional<String> blocked = Optional.empty();
        for (Path dir = root; ; dir = dir.resolve(parent.getName(dir.getNameCount()))) {
            if (!Files.isDirectory(dir)) {
                break; // made by the first start, empty
            }
            List<Long> pids = CgroupFiles.pids(dir.resolve("cgroup.procs"));
            if (!pids.isEmpty() && !offered.isEmpty()) {
                blocked = Optional.of(dir + " holds processes " + pids + " of its own, and cgroup v2 passes"
                        + " controllers only through cgroups without processes: start the JVM in a child cgroup"
                        + " of " + dir + " (a leaf), or give a cgroupParent beside the JVM's cgroup");
                break;
            }
            if (dir.equals(parent)) {
                break;
            }
        }
        Set<String> controllers = blocked.isPresent() ? Set.of() : offered;
        return new Search(host, new DelegatedCgroup(root, parent, controllers, blocked, host.delegated(controllers)),
                null);
    }

    private Search none(String why) {
        return new Search(host, null, why);
    }

    /** Whether this process may make cgroups in {@code dir}, move processes there and pass controllers down. */
    private boolean usable(Path dir) {
        return access.mayWrite(dir) && access.mayWrite(dir.resolve("cgroup.procs"))
                && access.mayWrite(dir.resolve("cgroup.subtree_control"));
    }

    /** {@code from} or its highest ancestor below {@code mount} reached through usable cgroups only. */
    private Path highestUsable(Path mount, Path from) {
        Path top = from;
        for (Path up = from.getParent(); up != null && !up.equals(mount) && up.startsWith(mount) && usable(up);
                up = up.getParent()) {
            top = up;
        }
        return top;
    }

    private static Path commonAncestor(Path a, Path b) {
        Path common = a;
        while (!b.startsWith(common)) {
            common = common.getParent();
        }
        return common;
    }

    /** The path of the {@code 0::PATH} line of /proc/self/cgroup. */
    static Optional<String> ownPath(String procSelfCgroup) {
        for (String line : procSelfCgroup.split("\n")) {
            if (line.startsWith("0::")) {
                return Optional.of(line.substring(3).strip());
            }
        }
        return Optional.empty();
    }

    private static List<String> split(String path) {
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/")) {
            if (!part.isEmpty()) {
                parts.add(part);
            }
        }
        return parts;
    }

    static Set<String> words(String text) {
        return new TreeSet<>(Arrays.stream(text.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList());
    }
}
