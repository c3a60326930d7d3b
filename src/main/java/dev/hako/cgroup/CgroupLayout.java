package dev.hako.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;

/**
 * Where each cgroup controller lives on this machine: in a v1 hierarchy (at its mount
 * point), in the unified v2 hierarchy, or nowhere.
 *
 * <p>Three layouts exist: unified (v2 only, current distributions), legacy (v1 only) and
 * hybrid (v1 hierarchies for the controllers, plus a v2 mount holding few or none of them,
 * used for its core features such as {@code cgroup.kill}). A controller bound to a v1
 * hierarchy cannot be used on v2 at the same time, so the answer is per controller, and
 * nothing is assumed about paths: the mounts come from {@code /proc/self/mountinfo}, the
 * enabled flags from {@code /proc/cgroups}, and what v2 offers from the {@code
 * cgroup.controllers} file at the v2 mount.
 */
public final class CgroupLayout {

    /** The kind of layout, as a whole. */
    public enum Kind {
        /** Only cgroup v2. */
        UNIFIED,
        /** Only v1 hierarchies. */
        LEGACY,
        /** Controllers on v1 hierarchies and a cgroup v2 mount as well. */
        HYBRID,
        /** No cgroup controller is mounted at all: containers can have no limits. */
        NONE
    }

    /** Where one controller is. */
    public enum Location {
        /** On a v1 hierarchy: see {@link #v1Mount(Controller)}. */
        V1,
        /** On the unified hierarchy: see {@link #unifiedMount()}. */
        UNIFIED,
        /** Not available: not compiled in, disabled at boot, or not mounted. */
        NONE
    }

    /**
     * v1 controller names to tell controllers from other mount options, used only when
     * /proc/cgroups cannot be read.
     */
    private static final Set<String> KNOWN_V1 = Set.of("cpuset", "cpu", "cpuacct", "blkio", "memory",
            "devices", "freezer", "net_cls", "perf_event", "net_prio", "hugetlb", "pids", "rdma", "misc");

    /** Mount point of each v1 hierarchy with controllers, to the names of those controllers. */
    private final Map<Path, Set<String>> v1Hierarchies;
    private final Map<Controller, Path> v1Mounts;
    private final Path unifiedMount;
    private final Set<String> unifiedControllers;
    /** Controllers /proc/cgroups lists with enabled 0 (cgroup_disable= on the command line). */
    private final Set<String> disabled;
    /** Every hierarchy mounted, named ones (name=systemd) too: what a container's view shows. */
    private final List<MountedHierarchy> mounted;
    /** Whether this is {@link #delegated}'s view for a JVM without root. */
    private final boolean delegated;

    /**
     * One hierarchy as the host mounts it, for a container's own read-only view of it.
     *
     * @param mountPoint where the host has it, like {@code /sys/fs/cgroup/memory}
     * @param fsType {@code cgroup} or {@code cgroup2}
     * @param options what a new mount of the same hierarchy must say: for v1 its
     *                controllers and {@code name=}, exactly, or the kernel refuses (EBUSY);
     *                for v2 the host's own flags ({@code nsdelegate}...), since a cgroup2
     *                mount outside a cgroup namespace sets them for the whole machine
     */
    public record MountedHierarchy(Path mountPoint, String fsType, List<String> options) {
        public MountedHierarchy {
            options = List.copyOf(options);
        }
    }

    private CgroupLayout(Map<Path, Set<String>> v1Hierarchies, Path unifiedMount, Set<String> unifiedControllers,
            Set<String> disabled, List<MountedHierarchy> mounted, boolean delegated) {
        this.mounted = mounted;
        this.delegated = delegated;
        this.v1Hierarchies = v1Hierarchies;
        this.unifiedMount = unifiedMount;
        this.unifiedControllers = unifiedControllers;
        this.disabled = disabled;
        Map<Controller, Path> mounts = new EnumMap<>(Controller.class);
        for (Controller c : Controller.values()) {
            v1Hierarchies.forEach((mount, names) -> {
                if (names.contains(c.v1Name()) && !mounts.containsKey(c)) {
                    mounts.put(c, mount);
                }
            });
        }
        this.v1Mounts = Collections.unmodifiableMap(mounts);
    }

    /**
     * Reads this machine's layout from {@code /proc/self/mountinfo}, {@code /proc/cgroups}
     * (where the kernel still has it) and the v2 mount's {@code cgroup.controllers}.
     */
    public static CgroupLayout detect() throws IOException {
        String mountinfo = Files.readString(Path.of("/proc/self/mountinfo"));
        String procCgroups;
        try {
            procCgroups = Files.readString(Path.of("/proc/cgroups"));
        } catch (NoSuchFileException e) {
            procCgroups = null;
        }
        List<MountInfo.Mount> mounts = MountInfo.cgroupMounts(mountinfo);
        String unifiedControllers = null;
        for (MountInfo.Mount m : mounts) {
            if (m.fsType().equals("cgroup2")) {
                unifiedControllers = Files.readString(m.mountPoint().resolve("cgroup.controllers"));
                break;
            }
        }
        return of(mounts, procCgroups, unifiedControllers);
    }

    /**
     * The layout described by the given texts, as {@link #detect()} reads them.
     *
     * @param mountinfo the contents of {@code /proc/self/mountinfo}
     * @param procCgroups the contents of {@code /proc/cgroups}, or null where it does not
     *                    exist (then every controller counts as enabled)
     * @param unifiedControllers the contents of {@code cgroup.controllers} at the v2 mount,
     *                           like {@code "cpuset cpu io memory pids"}; ignored (may be
     *                           null) when mountinfo has no cgroup2 mount
     */
    public static CgroupLayout parse(String mountinfo, String procCgroups, String unifiedControllers) {
        return of(MountInfo.cgroupMounts(mountinfo), procCgroups, unifiedControllers);
    }

    private static CgroupLayout of(List<MountInfo.Mount> mounts, String procCgroups, String unifiedControllers) {
        Set<String> known = new LinkedHashSet<>();
        Set<String> disabled = new TreeSet<>();
        if (procCgroups != null) {
            for (String line : procCgroups.split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (line.startsWith("#") || f.length < 4) {
                    continue;
                }
                known.add(f[0]);
                if (f[3].equals("0")) {
                    disabled.add(f[0]);
                }
            }
        }
        if (known.isEmpty()) {
            known.addAll(KNOWN_V1);
        }
        Map<Path, Set<String>> v1 = new LinkedHashMap<>();
        Path unified = null;
        List<MountedHierarchy> mounted = new ArrayList<>();
        Set<Path> seen = new LinkedHashSet<>();
        for (MountInfo.Mount m : mounts) {
            // a hierarchy's own mounts only, not a sub-cgroup bound elsewhere
            if (m.root().equals("/") && seen.add(m.mountPoint())) {
                List<String> options = m.superOptions().stream()
                        .filter(o -> m.fsType().equals("cgroup2") ? !o.equals("rw") && !o.equals("ro")
                                : known.contains(o) || o.startsWith("name="))
                        .toList();
                mounted.add(new MountedHierarchy(m.mountPoint(), m.fsType(), options));
            }
        }
        for (MountInfo.Mount m : mounts) {
            if (m.fsType().equals("cgroup2")) {
                if (unified == null) {
                    unified = m.mountPoint();
                }
                continue;
            }
            Set<String> names = new TreeSet<>();
            for (String option : m.superOptions()) {
                if (known.contains(option)) {
                    names.add(option);
                }
            }
            // A hierarchy without controllers (name=systemd) only tracks processes.
            if (!names.isEmpty() && !v1.containsKey(m.mountPoint())) {
                v1.put(m.mountPoint(), Collections.unmodifiableSet(names));
            }
        }
        Set<String> v2 = new TreeSet<>();
        if (unified != null && unifiedControllers != null) {
            for (String name : unifiedControllers.trim().split("\\s+")) {
                if (!name.isEmpty()) {
                    v2.add(name);
                }
            }
        }
        return new CgroupLayout(Collections.unmodifiableMap(v1), unified, Collections.unmodifiableSet(v2),
                Collections.unmodifiableSet(disabled), List.copyOf(mounted), false);
    }

    /**
     * This layout as a JVM without root may use it: the unified hierarchy alone (a v1
     * hierarchy is root's, and a controller bound to one is not on v2 at all), offering only
     * {@code controllers}, those delegated to the user (see {@link RootlessCgroups}). Every
     * one of them is passed down to each container's cgroup, not only those a limit needs:
     * they are few, the user's own, and give the container's cgroup what the user may limit.
     *
     * @throws IllegalStateException if there is no unified hierarchy
     */
    public CgroupLayout delegated(Set<String> controllers) {
        if (unifiedMount == null) {
            throw new IllegalStateException("no cgroup v2 hierarchy to delegate: " + this);
        }
        List<MountedHierarchy> v2 = mounted.stream().filter(h -> h.fsType().equals("cgroup2")).toList();
        return new CgroupLayout(Map.of(), unifiedMount, Collections.unmodifiableSet(new TreeSet<>(controllers)),
                disabled, v2, true);
    }

    /** Whether this layout is {@link #delegated}: v2 only, every controller it offers passed down. */
    public boolean isDelegated() {
        return delegated;
    }

    /** The layout as a whole. */
    public Kind kind() {
        boolean v1 = !v1Hierarchies.isEmpty();
        boolean v2 = unifiedMount != null;
        return v1 && v2 ? Kind.HYBRID : v1 ? Kind.LEGACY : v2 ? Kind.UNIFIED : Kind.NONE;
    }

    /** Where {@code controller} is. */
    public Location location(Controller controller) {
        if (v1Mounts.containsKey(controller)) {
            return Location.V1;
        }
        if (unifiedMount == null) {
            return Location.NONE;
        }
        if (controller.coreOnV2()) {
            return Location.UNIFIED;
        }
        if (disabled.contains(controller.v1Name())) {
            return Location.NONE;
        }
        return unifiedControllers.contains(controller.v2Name().orElseThrow()) ? Location.UNIFIED : Location.NONE;
    }

    /** The mount point of the v1 hierarchy holding {@code controller}, if it is on v1. */
    public Optional<Path> v1Mount(Controller controller) {
        return Optional.ofNullable(v1Mounts.get(controller));
    }

    /**
     * The mount points of the v1 hierarchies that have controllers, each once, even where a
     * hierarchy holds several (like {@code cpu,cpuacct}).
     */
    public Set<Path> v1Hierarchies() {
        return v1Hierarchies.keySet();
    }

    /** The mount point of the unified (v2) hierarchy, if one is mounted. */
    public Optional<Path> unifiedMount() {
        return Optional.ofNullable(unifiedMount);
    }

    /**
     * Every cgroup hierarchy the host has mounted, in mountinfo order, each mount point
     * once: the v1 ones (also those without controllers, like {@code name=systemd}) and
     * the v2 one. A process is in one cgroup of each, so a container's view shows them all.
     */
    public List<MountedHierarchy> mountedHierarchies() {
        return mounted;
    }

    /** The controllers the v2 root offers (its {@code cgroup.controllers}). */
    public Set<String> unifiedControllers() {
        return unifiedControllers;
    }

    /** Every hierarchy hako uses: the v1 ones with controllers, then the unified one. */
    List<Path> allHierarchies() {
        List<Path> all = new ArrayList<>(v1Hierarchies.keySet());
        if (unifiedMount != null) {
            all.add(unifiedMount);
        }
        return all;
    }

    /**
     * For error messages: the kind, each v1 hierarchy and its controllers, the v2 mount and
     * its controllers, and any controller disabled at boot.
     */
    @Override
    public String toString() {
        StringJoiner out = new StringJoiner("; ", kind().name().toLowerCase() + " cgroup layout: ", "");
        if (!v1Hierarchies.isEmpty()) {
            StringJoiner v1 = new StringJoiner(", ", "v1 ", "");
            v1Hierarchies.forEach((mount, names) -> v1.add(String.join(",", names) + " at " + mount));
            out.add(v1.toString());
        }
        if (unifiedMount != null) {
            out.add("v2 at " + unifiedMount + " with "
                    + (unifiedControllers.isEmpty() ? "no controllers" : String.join(" ", unifiedControllers)));
        }
        if (!disabled.isEmpty()) {
            out.add("disabled in /proc/cgroups: " + String.join(" ", disabled));
        }
        if (kind() == Kind.NONE) {
            out.add("no cgroup filesystem is mounted");
        }
        if (delegated) {
            out.add("as delegated to a user without root");
        }
        return out.toString();
    }
}
