package dev.hako.cgroup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The cgroup of one container: a directory named after the container's id under a parent
 * path (like {@code /hako}) in each hierarchy it uses, holding its limits, its processes
 * and their accounting. This class only composes the parts, each with the v1/v2
 * difference inside: {@link CgroupCreator} with a {@link CgroupHierarchy} per version and
 * {@link LimitWriter}, {@link StatsReader}, {@link Freezers}, a {@link ProcessKiller} per
 * version, and {@link OwnDirectories} for removal.
 *
 * <p>Which hierarchies: on v1, always the ones of memory, cpu, cpuacct, pids and freezer
 * (so that stats, freezing and killing every process work without limits), cpuset and blkio
 * only for a limit of theirs, devices for a device policy; and, whenever a v2 hierarchy is
 * mounted, one v2 directory (with the device policy's program attached, if there is one),
 * which gives {@code cgroup.kill}, {@code cgroup.freeze} and {@code CLONE_INTO_CGROUP}
 * even on hybrid machines whose v2 hierarchy has no controllers.
 *
 * <p>Nothing is left half-made: {@link #create} removes what it made when any step fails,
 * and {@link #destroy()} kills what is left in the cgroup and removes every directory.
 * Parent directories are shared by containers and stay.
 */
public final class ContainerCgroup {
    private final CgroupPaths paths;
    private final OwnDirectories own;
    private final StatsReader stats;
    private final Freezers freezers;
    /** Null without a v2 mount. */
    private final V2Killer v2Killer;
    private final V1Killer v1Killer;
    private final CgroupDirectories directories;
    /** The device policy until {@link #applyDevicePolicy()} has put it in place; then null. */
    private DevicePolicy pendingDevices;
    private boolean destroyed;

    ContainerCgroup(CgroupPaths paths, OwnDirectories own, DevicePolicy devices, CgroupDirectories directories) {
        this.paths = paths;
        this.own = own;
        this.pendingDevices = devices;
        this.directories = directories;
        this.stats = new StatsReader(paths);
        this.freezers = new Freezers(paths);
        this.v2Killer = paths.unified().map(V2Killer::new).orElse(null);
        this.v1Killer = new V1Killer(paths, freezers.v1());
    }

    /**
     * Creates the cgroup of container {@code id} below {@code parent} and writes
     * {@code limits} to it. The limits should have passed {@link CgroupLimits#validate()};
     * a value the kernel refuses anyway is reported here.
     *
     * @param parent the parent cgroup, as a path from each hierarchy's root, like
     *               {@code /hako}; made where missing (and then left in place)
     * @throws CgroupException if a controller a limit needs is missing (before anything is
     *         made), if the directory exists already, or if a step fails; the message names
     *         the option, file, value and the kernel's reason
     * @throws IllegalArgumentException if {@code parent} or {@code id} is not a usable path
     */
    public static ContainerCgroup create(CgroupLayout layout, String parent, String id, CgroupLimits limits)
            throws IOException {
        return CgroupCreator.create(layout, parent, id, limits, null, CgroupDirectories.KERNEL);
    }

    /**
     * As {@link #create(CgroupLayout, String, String, CgroupLimits)}, with a device policy:
     * on v1 the cgroup joins the devices hierarchy and refuses every device but those
     * {@code devices} allows; where there is a v2 directory, the policy's program is
     * attached to it (on hybrid machines both apply). Both are in place before this returns
     * (see {@link #prepare} for starts).
     *
     * @param devices the policy, or null for none (every device the parent cgroup allows)
     * @throws CgroupException also when neither form can be applied on this machine, or the
     *         kernel refuses the program (with the verifier's log)
     */
    public static ContainerCgroup create(CgroupLayout layout, String parent, String id, CgroupLimits limits,
            DevicePolicy devices) throws IOException {
        return create(layout, parent, id, limits, devices, CgroupDirectories.KERNEL);
    }

    /**
     * For a container's first process: as {@link #create(CgroupLayout, String, String,
     * CgroupLimits, DevicePolicy)}, but the device policy is put in place later, by
     * {@link #applyDevicePolicy} (for a child that placed itself, {@link #selfPlacementFiles})
     * or {@link #placeChild}, so that its cost overlaps with the child's own setup. The caller
     * must not release the child before that has returned.
     */
    public static ContainerCgroup prepare(CgroupLayout layout, String parent, String id, CgroupLimits limits,
            DevicePolicy devices) throws IOException {
        return CgroupCreator.create(layout, parent, id, limits, devices, CgroupDirectories.KERNEL);
    }

    /**
     * The cgroup of a container that another process made (an OCI runtime's earlier command),
     * from its directories as {@link #directories()} listed them then: each is matched to
     * its hierarchy in {@code layout}. Directories that are gone are left out.
     *
     * @throws CgroupException if a directory is in no hierarchy of {@code layout}
     */
    public static ContainerCgroup reopen(CgroupLayout layout, String id, List<Path> directories) throws IOException {
        OwnDirectories own = new OwnDirectories(id, CgroupDirectories.KERNEL);
        CgroupPaths.Builder paths = new CgroupPaths.Builder(layout, id);
        for (Path dir : directories) {
            if (!java.nio.file.Files.isDirectory(dir)) {
                continue;
            }
            if (layout.unifiedMount().isPresent() && dir.startsWith(layout.unifiedMount().get())) {
                paths.unified(dir);
            } else {
                java.util.Set<Controller> controllers = java.util.EnumSet.noneOf(Controller.class);
                for (Controller c : Controller.values()) {
                    if (layout.location(c) == CgroupLayout.Location.V1
                            && dir.startsWith(layout.v1Mount(c).orElseThrow())) {
                        controllers.add(c);
                    }
                }
                if (controllers.isEmpty()) {
                    throw new CgroupException("cgroup directory " + dir + " of container " + id
                            + " is in no cgroup hierarchy mounted here");
                }
                paths.v1(dir, controllers);
            }
            own.adopt(dir);
        }
        return new ContainerCgroup(paths.build(), own, null, CgroupDirectories.KERNEL);
    }

    /** The pids of every process in the cgroup (and in cgroups made inside it). */
    public java.util.Set<Long> pids() throws IOException {
        return paths.processes();
    }

    /** Writes {@code limits} (those set) to the cgroup's files, as at its creation: {@code runc update}. */
    public synchronized void update(CgroupLimits limits) throws IOException {
        LimitWriter.requireControllers(paths.layout(), limits);
        for (LimitOption option : LimitOption.values()) {
            if (option.isSet(limits) && paths.directoryFor(option.controller()) == null) {
                throw new CgroupException(option.option() + ": the cgroup of container " + paths.id() + " has no "
                        + option.controller().v1Name() + " directory (it was made without such a limit), so"
                        + " it cannot be limited now");
            }
        }
        LimitWriter.apply(paths, limits);
    }

    /** Whether the cgroup's freezer says it is frozen (or freezing). */
    public boolean isFrozen() throws IOException {
        return freezers.isFrozen();
    }

    /** For tests: the directory tree of {@link CgroupDirectories} instead of the kernel's. */
    static ContainerCgroup create(CgroupLayout layout, String parent, String id, CgroupLimits limits,
            CgroupDirectories directories) throws IOException {
        return CgroupCreator.create(layout, parent, id, limits, null, directories);
    }

    /** For tests: with a device policy, on the directory tree of {@link CgroupDirectories}. */
    static ContainerCgroup create(CgroupLayout layout, String parent, String id, CgroupLimits limits,
            DevicePolicy devices, CgroupDirectories directories) throws IOException {
        ContainerCgroup cgroup = CgroupCreator.create(layout, parent, id, limits, devices, directories);
        try {
            cgroup.applyDevicePolicy();
        } catch (IOException | RuntimeException e) {
            try {
                cgroup.destroy();
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        return cgroup;
    }

    /**
     * Puts the device policy in place, if it is still pending: on the v1 devices hierarchy
     * {@code devices.deny "a"} and the allow entries, then on the v2 directory the attached
     * program. Done before any process joins the v1 devices cgroup, so that no process is
     * ever there under half a policy (after deny-all, before the allow entries).
     */
    public synchronized void applyDevicePolicy() throws IOException {
        if (pendingDevices == null) {
            return;
        }
        Optional<Path> v1 = paths.v1(Controller.DEVICES);
        if (v1.isPresent()) {
            DeviceCgroup.applyV1(v1.get(), pendingDevices);
        }
        if (paths.unified().isPresent()) {
            // Atomic: a process in the v2 directory meets either no program or all of it.
            directories.attachDevicePolicy(paths.unified().get(), pendingDevices.program());
        }
        pendingDevices = null;
    }

    /**
     * Places a child made with {@code CLONE_INTO_CGROUP} (or, without a v2 directory, not
     * yet in any of this cgroup's directories): the device policy first, then the child's
     * pid into every v1 directory.
     */
    public void placeChild(long pid) throws IOException {
        applyDevicePolicy();
        addProcess(pid, false);
    }

    /**
     * The {@code tasks} file of each v1 directory, for a child that moves itself in: a
     * thread that writes 0 there moves itself without the kernel's global threadgroup lock,
     * whose write side waits for an RCU grace period (milliseconds, and now and then tens of
     * them on a busy machine), which writing another process's pid to cgroup.procs takes.
     */
    public List<Path> selfPlacementFiles() {
        return paths.v1Directories().stream().map(d -> d.resolve("tasks")).toList();
    }

    /** Where the directories are, for tests that drive one strategy directly. */
    CgroupPaths paths() {
        return paths;
    }

    /** The container's v2 directory, for {@code CLONE_INTO_CGROUP}; empty without a v2 mount. */
    public Optional<Path> unifiedDirectory() {
        return paths.unified();
    }

    /**
     * Marks this cgroup as belonging to this JVM, so that once the JVM is gone the next
     * sweep of the parent kills whatever of the container is left ({@link StaleCgroups}).
     */
    public void markOwnedByThisJvm() throws IOException {
        List<Path> dirs = directories();
        if (!dirs.isEmpty()) {
            Orphans.markThisJvm(dirs.getFirst());
        }
    }

    /**
     * Marks every directory of this cgroup as one at an exact path ({@code cgroupPath}), so
     * that no JVM's sweep of stale cgroups removes it or a directory above it: its parents
     * may be a pod's or another runtime's.
     */
    public void markExactPath() throws IOException {
        for (Path dir : directories()) {
            Orphans.markExactPath(dir);
        }
    }

    /** Every directory of this cgroup that exists now: the v1 ones, then the v2 one. */
    public synchronized List<Path> directories() {
        return own.list();
    }

    /**
     * Moves process {@code pid} into this cgroup: into each v1 directory, and into the v2
     * one when {@code alsoUnified} (not needed for a child cloned with CLONE_INTO_CGROUP).
     * Its threads move with it.
     */
    public void addProcess(long pid, boolean alsoUnified) throws IOException {
        List<Path> dirs = alsoUnified ? paths.all() : paths.v1Directories();
        for (Path dir : dirs) {
            try {
                CgroupFiles.write(dir.resolve("cgroup.procs"), Long.toString(pid));
            } catch (IOException e) {
                throw new CgroupException("cannot move process " + pid + " into cgroup " + dir
                        + ": writing its pid to cgroup.procs failed: " + CgroupFiles.reason(e), e);
            }
        }
    }

    /** What the cgroup has used; see {@link CgroupStats} for the files. */
    public CgroupStats stats() throws IOException {
        return stats.stats();
    }

    /**
     * How many processes the OOM killer ended in this cgroup; 0 where the memory controller
     * is not available. Cheap: one small file.
     */
    public long oomKills() throws IOException {
        return stats.oomKills().orElse(0);
    }

    /**
     * Freezes every process of the container (like {@code docker pause}) and returns once
     * they are all frozen: through v2's cgroup.freeze where the container's processes are in
     * its v2 directory, else through the v1 freezer.
     *
     * @throws CgroupException if there is no freezer, or freezing did not finish within 5 s
     *         (then the cgroup is thawed again)
     */
    public synchronized void freeze() throws IOException {
        freezers.freeze();
    }

    /** Lets the processes of a frozen container run again. Does nothing if it is not frozen. */
    public synchronized void thaw() throws IOException {
        freezers.thaw();
    }

    /**
     * Kills every process in the cgroup with SIGKILL and returns once they are gone: through
     * v2's cgroup.kill where the kernel has it (5.14+), and for whatever the v1 directories
     * still hold (on hybrid machines processes may be there alone), by the v1 walk.
     *
     * @throws CgroupException if processes remain after 5 s
     */
    public synchronized void killAll() throws IOException {
        if (v2Killer != null && v2Killer.available()) {
            v2Killer.killAll();
        }
        if (!paths.processes().isEmpty()) {
            v1Killer.killAll();
        }
    }

    /**
     * Kills what is still in the cgroup, then removes every directory of it, retrying for up
     * to 5 s while processes finish exiting. Doing it again does nothing.
     *
     * @throws CgroupException naming the directories that could not be removed, and why
     */
    public synchronized void destroy() throws IOException {
        if (destroyed) {
            return;
        }
        if (own.removeIfEmptyLeaves()) {
            destroyed = true;
            return;
        }
        IOException killFailure = null;
        try {
            if (!paths.processes().isEmpty() || paths.unifiedPopulated()) {
                killAll();
            }
        } catch (IOException e) {
            killFailure = e;
        }
        try {
            own.removeAll();
        } catch (IOException e) {
            if (killFailure != null) {
                e.addSuppressed(killFailure);
            }
            throw e;
        }
        // Every directory is gone, so every process is too, whatever killing reported.
        destroyed = true;
    }

    @Override
    public String toString() {
        return "cgroup of container " + paths.id() + " " + directories();
    }
}
