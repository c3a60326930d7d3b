package dev.hako.cgroup;

import dev.hako.cgroup.CgroupLayout.Location;
import dev.hako.cgroup.LimitOption.FileWrite;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The cgroup of one container: a directory named after the container's id under a parent
 * path (like {@code /hako}) in each hierarchy it uses, holding its limits, its processes
 * and their accounting.
 *
 * <p>Which hierarchies: on v1, always the ones of memory, cpu, cpuacct, pids and freezer
 * (so that stats, freezing and killing every process work without limits), cpuset and blkio
 * only for a limit of theirs; and, whenever a v2 hierarchy is mounted, one v2 directory,
 * which gives {@code cgroup.kill}, {@code cgroup.freeze} and {@code CLONE_INTO_CGROUP}
 * even on hybrid machines whose v2 hierarchy has no controllers.
 *
 * <p>Nothing is left half-made: {@link #create} removes what it made when any step fails,
 * and {@link #destroy()} kills what is left in the cgroup and removes every directory.
 * Parent directories are shared by containers and stay.
 */
public final class ContainerCgroup {
    /** How long freezing may take before it is undone and reported. */
    static final Duration FREEZE_TIMEOUT = Duration.ofSeconds(5);
    /** How long killing every process may take, including their exit. */
    static final Duration KILL_TIMEOUT = Duration.ofSeconds(5);
    /** How long rmdir is retried while processes are still exiting. */
    static final Duration REMOVE_TIMEOUT = Duration.ofSeconds(5);
    /** One freeze attempt of the v1 kill walk; it kills without freezing when this passes. */
    private static final Duration KILL_FREEZE_TIMEOUT = Duration.ofSeconds(1);

    private final CgroupLayout layout;
    private final String id;
    private final CgroupDirectories directories;
    /** This container's directory in the v1 hierarchy of each controller it uses there. */
    private final Map<Controller, Path> v1Dirs = new EnumMap<>(Controller.class);
    /** This container's v1 directories, one per hierarchy, in creation order. */
    private final Set<Path> v1Distinct = new LinkedHashSet<>();
    /** This container's v2 directory; null without a v2 mount. */
    private Path unifiedDir;
    /** Every directory this object made and has not removed yet, in creation order. */
    private final List<Path> created = new ArrayList<>();
    private boolean destroyed;

    private ContainerCgroup(CgroupLayout layout, String id, CgroupDirectories directories) {
        this.layout = layout;
        this.id = id;
        this.directories = directories;
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
        return create(layout, parent, id, limits, CgroupDirectories.KERNEL);
    }

    static ContainerCgroup create(CgroupLayout layout, String parent, String id, CgroupLimits limits,
            CgroupDirectories directories) throws IOException {
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(limits, "limits");
        List<String> parentPath = CgroupTree.parentPath(parent);
        CgroupTree.checkId(id);
        LimitWriter.requireControllers(layout, limits);

        Set<Controller> wanted = EnumSet.of(Controller.MEMORY, Controller.CPU, Controller.CPUACCT,
                Controller.PIDS, Controller.FREEZER);
        Set<Controller> v2Enable = EnumSet.noneOf(Controller.class);
        for (LimitOption option : LimitOption.values()) {
            if (option.isSet(limits)) {
                wanted.add(option.controller());
                v2Enable.add(option.controller());
            }
        }
        // Without limits, v2 needs only these for stats and OOM counts; cpu.stat is core.
        v2Enable.add(Controller.MEMORY);
        v2Enable.add(Controller.PIDS);
        v2Enable.removeIf(c -> layout.location(c) != Location.UNIFIED || c.coreOnV2());

        Map<Path, Set<Controller>> hierarchies = new LinkedHashMap<>();
        for (Controller c : wanted) {
            if (layout.location(c) == Location.V1) {
                hierarchies.computeIfAbsent(layout.v1Mount(c).orElseThrow(), m -> EnumSet.noneOf(Controller.class))
                        .add(c);
            }
        }

        ContainerCgroup cgroup = new ContainerCgroup(layout, id, directories);
        try {
            for (Map.Entry<Path, Set<Controller>> h : hierarchies.entrySet()) {
                boolean cpuset = h.getValue().contains(Controller.CPUSET);
                Path parentDir = CgroupTree.makeParents(h.getKey(), parentPath, cpuset, Set.of(), directories);
                Path own = cgroup.makeOwn(parentDir.resolve(id));
                cgroup.v1Distinct.add(own);
                for (Controller c : h.getValue()) {
                    cgroup.v1Dirs.put(c, own);
                }
                if (cpuset) {
                    if (limits.cpusetCpus() == null) {
                        CgroupTree.inheritCpuset(own, "cpuset.cpus");
                    }
                    if (limits.cpusetMems() == null) {
                        CgroupTree.inheritCpuset(own, "cpuset.mems");
                    }
                }
            }
            Optional<Path> unified = layout.unifiedMount();
            if (unified.isPresent()) {
                Set<String> names = v2Enable.stream().map(c -> c.v2Name().orElseThrow())
                        .collect(Collectors.toCollection(TreeSet::new));
                Path parentDir = CgroupTree.makeParents(unified.get(), parentPath, false, names, directories);
                cgroup.unifiedDir = cgroup.makeOwn(parentDir.resolve(id));
            }
            cgroup.apply(limits);
            return cgroup;
        } catch (IOException | RuntimeException e) {
            try {
                cgroup.removeDirectories();
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** Makes this container's own directory, which must not exist yet. */
    private Path makeOwn(Path dir) throws IOException {
        try {
            directories.mkdir(dir);
        } catch (FileAlreadyExistsException e) {
            throw new CgroupException("cgroup " + dir + " already exists: a container with id " + id
                    + " is running, or one was not cleaned up; use another id, or remove it (rmdir " + dir + ")", e);
        } catch (IOException e) {
            throw new CgroupException("cannot create cgroup " + dir + ": " + CgroupFiles.reason(e), e);
        }
        created.add(dir);
        return dir;
    }

    /** Writes every limit that is set, in {@link LimitOption} order. */
    private void apply(CgroupLimits limits) throws IOException {
        for (LimitOption option : LimitOption.values()) {
            if (!option.isSet(limits)) {
                continue;
            }
            boolean v2 = layout.location(option.controller()) == Location.UNIFIED;
            Path dir = v2 ? unifiedDir : v1Dirs.get(option.controller());
            for (FileWrite write : option.writes(limits, v2)) {
                LimitWriter.write(dir, write);
            }
        }
    }

    /** The container's v2 directory, for {@code CLONE_INTO_CGROUP}; empty without a v2 mount. */
    public Optional<Path> unifiedDirectory() {
        return Optional.ofNullable(unifiedDir);
    }

    /** Every directory of this cgroup that exists now: the v1 ones, then the v2 one. */
    public List<Path> directories() {
        synchronized (this) {
            return List.copyOf(created);
        }
    }

    /**
     * Moves process {@code pid} into this cgroup: into each v1 directory, and into the v2
     * one when {@code alsoUnified} (not needed for a child cloned with CLONE_INTO_CGROUP).
     * Its threads move with it.
     */
    public void addProcess(long pid, boolean alsoUnified) throws IOException {
        List<Path> dirs = new ArrayList<>(v1Distinct);
        if (alsoUnified && unifiedDir != null) {
            dirs.add(unifiedDir);
        }
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
        OptionalLong memory = OptionalLong.empty();
        OptionalLong peak = OptionalLong.empty();
        Path mem = dirFor(Controller.MEMORY);
        if (mem != null) {
            boolean v1 = layout.location(Controller.MEMORY) == Location.V1;
            memory = CgroupFiles.readLong(mem.resolve(v1 ? "memory.usage_in_bytes" : "memory.current"));
            peak = CgroupFiles.readLong(mem.resolve(v1 ? "memory.max_usage_in_bytes" : "memory.peak"));
        }
        OptionalLong cpu = OptionalLong.empty();
        Path acct = dirFor(Controller.CPUACCT);
        if (acct != null) {
            if (layout.location(Controller.CPUACCT) == Location.V1) {
                cpu = CgroupFiles.readLong(acct.resolve("cpuacct.usage"));
            } else {
                OptionalLong micros = CgroupFiles.readKey(acct.resolve("cpu.stat"), "usage_usec");
                cpu = micros.isPresent() ? OptionalLong.of(micros.getAsLong() * 1000) : micros;
            }
        }
        Path pids = dirFor(Controller.PIDS);
        OptionalLong pidsCurrent = pids == null ? OptionalLong.empty()
                : CgroupFiles.readLong(pids.resolve("pids.current"));
        return new CgroupStats(memory, peak, cpu, pidsCurrent, readOomKills());
    }

    /**
     * How many processes the OOM killer ended in this cgroup; 0 where the memory controller
     * is not available. Cheap: one small file.
     */
    public long oomKills() throws IOException {
        return readOomKills().orElse(0);
    }

    private OptionalLong readOomKills() throws IOException {
        Path mem = dirFor(Controller.MEMORY);
        if (mem == null) {
            return OptionalLong.empty();
        }
        return layout.location(Controller.MEMORY) == Location.V1
                ? CgroupFiles.readKey(mem.resolve("memory.oom_control"), "oom_kill")
                : CgroupFiles.readKey(mem.resolve("memory.events"), "oom_kill");
    }

    /** This container's directory for {@code controller}; null where it has none. */
    private Path dirFor(Controller controller) {
        return switch (layout.location(controller)) {
            case V1 -> v1Dirs.get(controller);
            case UNIFIED -> unifiedDir;
            case NONE -> null;
        };
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
        if (useV2Freezer()) {
            freezeV2();
        } else if (v1Dirs.containsKey(Controller.FREEZER)) {
            freezeV1();
        } else {
            throw noFreezer("freeze");
        }
    }

    /** Lets the processes of a frozen container run again. Does nothing if it is not frozen. */
    public synchronized void thaw() throws IOException {
        boolean any = false;
        if (unifiedDir != null && Files.exists(unifiedDir.resolve("cgroup.freeze"))) {
            any = true;
            if (!CgroupFiles.read(unifiedDir.resolve("cgroup.freeze")).equals("0")) {
                thawV2();
            }
        }
        Path freezer = v1Dirs.get(Controller.FREEZER);
        if (freezer != null) {
            any = true;
            if (!CgroupFiles.read(freezer.resolve("freezer.state")).equals("THAWED")) {
                thawV1();
            }
        }
        if (!any) {
            throw noFreezer("thaw");
        }
    }

    /**
     * v2's cgroup.freeze freezes only what is in the v2 directory. On a hybrid machine the
     * processes may be in the v1 directories alone (if they were not cloned into the v2
     * one nor added to it), and then the v1 freezer is the one that reaches them.
     */
    private boolean useV2Freezer() throws IOException {
        if (unifiedDir == null || !Files.exists(unifiedDir.resolve("cgroup.freeze"))) {
            return false;
        }
        return !v1Dirs.containsKey(Controller.FREEZER) || v2Populated();
    }

    private CgroupException noFreezer(String action) {
        return new CgroupException("cannot " + action + " the cgroup of container " + id + ": there is no freezer,"
                + " neither cgroup v2's cgroup.freeze (Linux 5.2+) nor a v1 freezer hierarchy (" + layout + ")");
    }

    /** Freezes through v2's cgroup.freeze and waits until cgroup.events says {@code frozen 1}. */
    void freezeV2() throws IOException {
        Path freeze = requireUnified("cgroup.freeze");
        writeControl(freeze, "1", "freeze");
        if (!CgroupFiles.await(FREEZE_TIMEOUT, () -> v2Event("frozen") == 1)) {
            writeControl(freeze, "0", "thaw");
            throw new CgroupException("cgroup " + unifiedDir + " did not freeze within " + FREEZE_TIMEOUT.toSeconds()
                    + " s (cgroup.events still says frozen 0), so it was thawed again; a process may be stuck"
                    + " in the kernel (see the State of its /proc/PID/status)");
        }
    }

    void thawV2() throws IOException {
        writeControl(requireUnified("cgroup.freeze"), "0", "thaw");
        if (!CgroupFiles.await(FREEZE_TIMEOUT, () -> v2Event("frozen") == 0)) {
            throw new CgroupException("cgroup " + unifiedDir + " still says frozen 1 in cgroup.events "
                    + FREEZE_TIMEOUT.toSeconds() + " s after 0 was written to cgroup.freeze");
        }
    }

    /** Freezes through the v1 freezer and waits until freezer.state reads FROZEN. */
    void freezeV1() throws IOException {
        Path state = requireV1Freezer().resolve("freezer.state");
        if (!tryFreezeV1(state, FREEZE_TIMEOUT)) {
            writeControl(state, "THAWED", "thaw");
            throw new CgroupException("cgroup " + state.getParent() + " did not freeze within "
                    + FREEZE_TIMEOUT.toSeconds() + " s (freezer.state stayed FREEZING), so it was thawed again;"
                    + " a process may be stuck in the kernel (see the State of its /proc/PID/status)");
        }
    }

    void thawV1() throws IOException {
        writeControl(requireV1Freezer().resolve("freezer.state"), "THAWED", "thaw");
    }

    private boolean tryFreezeV1(Path state, Duration timeout) throws IOException {
        writeControl(state, "FROZEN", "freeze");
        return CgroupFiles.await(timeout, () -> CgroupFiles.read(state).equals("FROZEN"));
    }

    private Path requireUnified(String file) throws CgroupException {
        if (unifiedDir == null || !Files.exists(unifiedDir.resolve(file))) {
            throw new CgroupException("container " + id + " has no v2 " + file
                    + (unifiedDir == null ? " (no cgroup v2 mount: " + layout + ")" : " in " + unifiedDir
                    + " (the kernel is older than this feature)"));
        }
        return unifiedDir.resolve(file);
    }

    private Path requireV1Freezer() throws CgroupException {
        Path dir = v1Dirs.get(Controller.FREEZER);
        if (dir == null) {
            throw new CgroupException("container " + id + " has no v1 freezer cgroup (" + layout + ")");
        }
        return dir;
    }

    private static void writeControl(Path file, String value, String action) throws IOException {
        try {
            CgroupFiles.write(file, value);
        } catch (IOException e) {
            throw new CgroupException("cannot " + action + " cgroup " + file.getParent() + ": writing \"" + value
                    + "\" to " + file.getFileName() + " failed: " + CgroupFiles.reason(e), e);
        }
    }

    /** A value of the v2 directory's cgroup.events ({@code populated}, {@code frozen}). */
    private long v2Event(String key) throws IOException {
        return CgroupFiles.readKey(unifiedDir.resolve("cgroup.events"), key).orElse(0);
    }

    private boolean v2Populated() throws IOException {
        return unifiedDir != null && v2Event("populated") == 1;
    }

    /**
     * Kills every process in the cgroup with SIGKILL and returns once they are gone: through
     * v2's cgroup.kill where the kernel has it (5.14+), and for whatever the v1 directories
     * still hold, by freezing, killing what cgroup.procs lists and thawing, until they are
     * empty. Frozen processes cannot fork or exit, so none escapes and no pid is reused
     * between reading and killing.
     *
     * @throws CgroupException if processes remain after 5 s
     */
    public synchronized void killAll() throws IOException {
        if (unifiedDir != null && Files.exists(unifiedDir.resolve("cgroup.kill"))) {
            killAllV2();
        }
        if (!pids().isEmpty()) {
            killAllV1();
        }
    }

    /** Kills through v2's cgroup.kill and waits until cgroup.events says {@code populated 0}. */
    void killAllV2() throws IOException {
        writeControl(requireUnified("cgroup.kill"), "1", "kill the processes of");
        if (!CgroupFiles.await(KILL_TIMEOUT, () -> !v2Populated())) {
            throw new CgroupException("processes " + pidsIn(List.of(unifiedDir)) + " of cgroup " + unifiedDir
                    + " are still there " + KILL_TIMEOUT.toSeconds() + " s after cgroup.kill; they may be stuck"
                    + " in the kernel (see the State of their /proc/PID/status)");
        }
    }

    /** Kills by walking cgroup.procs of every directory, frozen, until all are empty. */
    void killAllV1() throws IOException {
        long self = ProcessHandle.current().pid();
        Path freezer = v1Dirs.get(Controller.FREEZER);
        Path state = freezer == null ? null : freezer.resolve("freezer.state");
        boolean empty = CgroupFiles.await(KILL_TIMEOUT, () -> {
            if (pids().isEmpty()) {
                return true;
            }
            if (state != null) {
                // If a process will not freeze in time, kill anyway: better than leaving it.
                tryFreezeV1(state, KILL_FREEZE_TIMEOUT);
            }
            try {
                for (long pid : pids()) {
                    if (pid == self) {
                        throw new CgroupException("the JVM itself (pid " + self + ") is in the cgroup of container "
                                + id + "; refusing to kill it");
                    }
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            } finally {
                if (state != null) {
                    writeControl(state, "THAWED", "thaw");
                }
            }
            return false;
        });
        if (!empty) {
            throw new CgroupException("processes " + pids() + " of container " + id + " are still in "
                    + v1Distinct + " after " + KILL_TIMEOUT.toSeconds() + " s of SIGKILL; they may be stuck in"
                    + " the kernel (see the State of their /proc/PID/status)");
        }
    }

    /** The pids in every directory of this cgroup, including any child cgroups made inside it. */
    private Set<Long> pids() throws IOException {
        List<Path> dirs = new ArrayList<>(v1Distinct);
        if (unifiedDir != null) {
            dirs.add(unifiedDir);
        }
        return pidsIn(dirs);
    }

    private static Set<Long> pidsIn(List<Path> dirs) throws IOException {
        Set<Long> pids = new TreeSet<>();
        for (Path dir : dirs) {
            for (Path d : CgroupTree.subtree(dir)) {
                pids.addAll(CgroupFiles.pids(d.resolve("cgroup.procs")));
            }
        }
        return pids;
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
        if (removeEmptyLeaves()) {
            destroyed = true;
            return;
        }
        IOException killFailure = null;
        try {
            if (!pids().isEmpty() || v2Populated()) {
                killAll();
            }
        } catch (IOException e) {
            killFailure = e;
        }
        try {
            removeDirectories();
        } catch (IOException e) {
            if (killFailure != null) {
                e.addSuppressed(killFailure);
            }
            throw e;
        }
        // Every directory is gone, so every process is too, whatever killing reported.
        destroyed = true;
    }

    /** Removes every directory made so far (child cgroups first), retrying while busy. */
    /**
     * The usual case, tried first: every directory is an empty leaf (the container's
     * processes are gone and it made no cgroups of its own), so one rmdir each does it,
     * without reading a file. The kernel refuses the rmdir of a populated cgroup or one
     * with children, which sends {@link #destroy()} down the careful path.
     */
    private boolean removeEmptyLeaves() {
        for (int i = created.size() - 1; i >= 0; i--) {
            try {
                directories.rmdir(created.get(i));
            } catch (NoSuchFileException e) {
                // already gone
            } catch (IOException e) {
                return false;
            }
            created.remove(i);
        }
        return true;
    }

    private void removeDirectories() throws IOException {
        long deadline = System.nanoTime() + REMOVE_TIMEOUT.toNanos();
        Map<Path, String> failed = new LinkedHashMap<>();
        for (int i = created.size() - 1; i >= 0; i--) {
            Path own = created.get(i);
            for (Path dir : CgroupTree.subtree(own)) {
                String why = rmdir(dir, deadline);
                if (why != null) {
                    failed.put(dir, why);
                }
            }
            if (!Files.exists(own)) {
                created.remove(i);
            }
        }
        if (!failed.isEmpty()) {
            throw new CgroupException("could not remove the cgroup of container " + id + " within "
                    + REMOVE_TIMEOUT.toSeconds() + " s: " + failed.entrySet().stream()
                    .map(e -> e.getKey() + " (" + e.getValue() + ")").collect(Collectors.joining(", ")));
        }
    }

    /** rmdir, retried until {@code deadline}; returns null when removed, else the last reason. */
    private String rmdir(Path dir, long deadline) throws IOException {
        String[] reason = {null};
        Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        boolean removed = CgroupFiles.await(left, () -> {
            try {
                directories.rmdir(dir);
                return true;
            } catch (NoSuchFileException e) {
                return true;
            } catch (IOException e) {
                reason[0] = CgroupFiles.reason(e);
                List<Long> pids = CgroupFiles.pids(dir.resolve("cgroup.procs"));
                if (!pids.isEmpty()) {
                    reason[0] += "; processes " + pids + " are in it";
                }
                return false;
            }
        });
        return removed ? null : reason[0];
    }

    @Override
    public String toString() {
        return "cgroup of container " + id + " " + directories();
    }
}
