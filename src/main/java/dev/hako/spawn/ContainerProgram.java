package dev.hako.spawn;

import dev.hako.program.ChildProgram;

import dev.hako.Mount;
import dev.hako.Namespace;
import dev.hako.Rootfs;
import dev.hako.UserNamespace;
import dev.hako.fs.CgroupView;
import dev.hako.fs.EtcFiles;
import dev.hako.fs.MaskedPaths;
import dev.hako.fs.MountSetup;
import dev.hako.fs.RootfsSetup;
import dev.hako.linux.Kernel;
import dev.hako.linux.Signals;
import dev.hako.linux.linux_h;
import dev.hako.net.Loopback;
import dev.hako.security.Privileges;
import dev.hako.seccomp.Filter;
import dev.hako.security.User;
import dev.hako.terminal.PtySteps;
import dev.hako.terminal.TerminalSize;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * Writes the child program of a container, in the order DESIGN.md gives: a clean fd
 * table, wait for the parent, namespaces and filesystem, hostname, working directory,
 * signals, exec.
 */
final class ContainerProgram {
    /**
     * The first number for the child's private descriptors: the sync pipe's read end, the
     * error pipe's write end and, with a terminal, the console socket, in that order, each
     * on the lowest number from here that no passed descriptor takes (without any: 3, 4, 5).
     * They are close-on-exec and stay open until then, so every descriptor the program
     * opens later gets a number above them.
     */
    static final int FIRST_PRIVATE_FD = 3;
    /** The child's exit code when a step fails; the parent reads which one from the results. */
    static final int SETUP_FAILED_EXIT_CODE = 127;

    private ContainerProgram() {
    }

    static ChildProgram build(Arena arena, LaunchConfig config, Stdio stdio, int syncReadFd, int errorWriteFd,
                              List<EtcFiles.Entry> etcFiles) {
        return build(arena, config, stdio, syncReadFd, errorWriteFd, etcFiles, List.of());
    }

    /** {@code cgroups}: the hierarchies of the container's read-only /sys/fs/cgroup ({@link CgroupView}). */
    static ChildProgram build(Arena arena, LaunchConfig config, Stdio stdio, int syncReadFd, int errorWriteFd,
                              List<EtcFiles.Entry> etcFiles, List<CgroupView.Hierarchy> cgroups) {
        return build(arena, config, stdio, syncReadFd, errorWriteFd, etcFiles, cgroups, null);
    }

    /** As a plan of the whole program, with a start gate ({@code startGate} null: none). */
    static ChildProgram build(Arena arena, LaunchConfig config, Stdio stdio, int syncReadFd, int errorWriteFd,
                              List<EtcFiles.Entry> etcFiles, List<CgroupView.Hierarchy> cgroups, Path startGate) {
        FirstPart first = setUp(arena, config, stdio, syncReadFd, errorWriteFd, etcFiles, cgroups, -1, -1,
                new int[0], RootfsSetup.overlayOption(config.rootfs(), config.hasUserNamespace()), false, startGate);
        addTheCommand(first.steps(), config, first.gate());
        return first.steps().build();
    }

    /**
     * The program up to the wait for the parent, included: the namespace and filesystem
     * work, which is all the child needs to begin. The rest ({@link #addTheCommand}) may be
     * added once the child runs, while it does this part, and must be before it is
     * released ({@link ChildProgram.Builder#buildFirstPart(int)}).
     *
     * @param idmapSocketFd with {@link #idmappedTrees}, the JVM's end (as a number of its own
     *     fd table) of the socket over which it sends their idmapped copies, one each, once it
     *     has written the maps; -1 otherwise
     * @param overlayOption what {@link RootfsSetup#prepareHost} said an overlay's mount needs
     */
    static ChildProgram.Builder setUp(Arena arena, LaunchConfig config, Stdio stdio, int syncReadFd,
                                      int errorWriteFd, List<EtcFiles.Entry> etcFiles,
                                      List<CgroupView.Hierarchy> cgroups, int idmapSocketFd, String overlayOption) {
        return setUp(arena, config, stdio, syncReadFd, errorWriteFd, etcFiles, cgroups, idmapSocketFd, -1,
                new int[0], overlayOption, false, null).steps();
    }

    /**
     * The first part, and where the descriptor of {@code stdioSocketFd} is in the child
     * (-1 without one).
     */
    record FirstPart(ChildProgram.Builder steps, int stdioSocket, StartGate gate) {
    }

    /**
     * Where a gated child ({@code runc create}'s) waits before its execve: its O_PATH
     * descriptor of the fifo, opened while the host's files were in view, and its error
     * pipe, on which it says it got there. {@link #NONE}: no gate.
     */
    record StartGate(int fifo, int errorPipe) {
        static final StartGate NONE = new StartGate(-1, -1);
        /** The steps {@link #addGate} adds. */
        static final int STEPS = 5;

        boolean isPresent() {
            return fifo >= 0;
        }
    }

    /**
     * Like {@link #setUp(Arena, LaunchConfig, Stdio, int, int, List, List, int, String)}, for
     * any start. {@code stdioSocketFd} (the JVM's end of a socket, or -1): the socket over
     * which a pool member's start sends its stdio ({@link #addAStart}); {@code cgroupTaskFds}:
     * the JVM's descriptors of the {@code tasks} files of the container's v1 cgroup
     * directories, opened for writing, into which the child moves itself first thing
     * ({@code ContainerCgroup.selfPlacementFiles}); {@code member}: a pool member, which says
     * with one byte on the error pipe that it has reached its wait (with a terminal it has no
     * stdio socket: its stdio is the terminal it makes here).
     */
    static FirstPart setUp(Arena arena, LaunchConfig config, Stdio stdio, int syncReadFd,
                           int errorWriteFd, List<EtcFiles.Entry> etcFiles, List<CgroupView.Hierarchy> cgroups,
                           int idmapSocketFd, int stdioSocketFd, int[] cgroupTaskFds, String overlayOption,
                           boolean member, Path startGate) {
        ChildProgram.Builder p = ChildProgram.builder(arena);
        List<Integer> extraFds = new ArrayList<>();
        if (idmapSocketFd >= 0) {
            extraFds.add(idmapSocketFd);
        }
        if (stdioSocketFd >= 0) {
            extraFds.add(stdioSocketFd);
        }
        for (int fd : cgroupTaskFds) {
            extraFds.add(fd);
        }
        int[] extra = extraFds.stream().mapToInt(Integer::intValue).toArray();
        ChildFds fds = rebuildFdTable(p, stdio, syncReadFd, errorWriteFd, config.passedFds(), extra);
        int socketCount = (idmapSocketFd >= 0 ? 1 : 0) + (stdioSocketFd >= 0 ? 1 : 0);
        int childStdioSocket = stdioSocketFd < 0 ? -1 : fds.extra()[socketCount - 1];
        placeItself(p, java.util.Arrays.copyOfRange(fds.extra(), socketCount, extra.length));
        StartGate gate = StartGate.NONE;
        if (startGate != null) {
            p.setsUpInternals("the start gate " + startGate);
            int fifo = p.open(startGate.toString(), linux_h.O_PATH() | linux_h.O_CLOEXEC(), 0);
            p.note("now, while the host's files are in view: the wait before execve reopens it");
            gate = new StartGate(fifo, fds.error());
        }
        p.setsUpInternals("the child's process attributes");
        if (config.dieWithJvm()) {
            p.prctl(linux_h.PR_SET_PDEATHSIG(), "PR_SET_PDEATHSIG", linux_h.SIGKILL(), "SIGKILL")
                    .note("die with the JVM (bound to the spawner thread, which lives as long as the JVM)");
        }
        p.setsid().note("own session: no signals from the JVM's terminal");
        if (config.hasUserNamespace()) {
            waitForTheMaps(p, fds);
        }
        List<Integer> layerFds = new ArrayList<>();
        List<Integer> bindFds = new ArrayList<>();
        if (idmapSocketFd >= 0) {
            int socket = fds.extra()[0];
            for (IdmappedTree tree : idmappedTrees(config)) {
                p.setsUp("the idmapped " + tree.what(), tree.option());
                (tree.layer() ? layerFds : bindFds).add(p.receiveFd(socket));
            }
            p.close(socket);
        }
        MountSetup mounts = new MountSetup();
        p.setsUpInternals("a private mount tree");
        RootfsSetup.makeSlave(p);
        mounts.openSources(p, config.mounts(), bindFds);
        if (config.hasUserNamespace()) {
            mounts.openDevices(p, config.devices());
        }
        p.setsUpInternals("the container's read-only view of its cgroups at " + CgroupView.ROOT);
        CgroupView cgroupView = CgroupView.open(p, cgroups);
        p.setsUpInternals("the staging tmpfs for generated files and assembled roots");
        RootfsSetup.stage(p);
        RootfsSetup.StagedSystem staged = null;
        if (config.hasUserNamespace()) {
            p.setsUpInternals("/proc and /sys, made while the host's are in view (a user namespace needs that)");
            staged = RootfsSetup.stageSystem(p, config.namespaces().contains(Namespace.NETWORK),
                    config.namespaces().contains(Namespace.PID));
        }
        EtcFiles.write(p, etcFiles);
        mounts.openEtcFiles(p, etcFiles);
        p.setsUp("the root filesystem " + config.rootfs(), "rootfs");
        String newRoot = RootfsSetup.mountRoot(p, config.rootfs(), layerFds, overlayOption);
        RootfsSetup.pivot(p, newRoot);
        p.setsUpInternals("/proc, /sys and /dev");
        RootfsSetup.mountSystem(p, config.devices(), staged, ttyGroupMapped(config));
        mounts.attachDevices(p);
        p.setsUpInternals("the container's read-only view of its cgroups at " + CgroupView.ROOT);
        cgroupView.attach(p);
        p.setsUp("the writable directories of the host rootfs", "rootfs");
        RootfsSetup.mountWritableDirs(p, config.rootfs());
        mounts.attach(p, config.mounts());
        // With the container's /proc in place, before /proc/sys becomes read-only below.
        addSysctls(p, config.sysctls());
        p.setsUp("masked and read-only paths", "maskedPaths/readonlyPaths");
        MaskedPaths.addSteps(p, config.maskedPaths(), config.readonlyPaths());
        if (config.namespaces().contains(Namespace.NETWORK)) {
            Loopback.addSteps(p);
        }
        if (config.hostname() != null) {
            p.setsUp("the hostname " + config.hostname(), "hostname");
            p.sethostname(config.hostname());
        }
        if (config.domainname() != null) {
            p.setsUp("the domain name " + config.domainname(), "domainname");
            p.setdomainname(config.domainname());
        }
        p.setsUp("the working directory " + config.workingDir(), "workingDir");
        RootfsSetup.makeDirectories(p, config.workingDir());
        if (config.readonlyRootfs()) {
            p.setsUp("a read-only root", "readonlyRootfs");
            RootfsSetup.makeRootReadonly(p);
        }
        // After every mount (as runc makes its console), so the pty is the container's own.
        addTerminal(p, fds, config.terminal(), config.user());
        // The namespace and filesystem work above runs while the parent places the child in
        // its cgroups; nothing of the container's own runs before this point.
        if (member) {
            p.setsUpInternals("waiting for a start");
            p.write(fds.error(), arena.allocate(1), 1).note("tell the pool this member is ready");
            p.read(fds.sync(), 1).zeroFails().note("wait for a start: its stdio, command and user (EOF: the pool let go)");
        } else {
            p.setsUpInternals("waiting for the parent to place the child in its cgroups");
            p.read(fds.sync(), 1).zeroFails().note("wait until the parent has placed the child and releases it (EOF: it gave up)");
        }
        return new FirstPart(p, childStdioSocket, gate);
    }

    /**
     * The child moves itself into the container's v1 cgroups: 0 written to each {@code tasks}
     * file ({@code taskFds}, numbers of the child's fd table), each closed after. A thread
     * that moves itself takes no global lock, which the parent writing its pid would.
     */
    static void placeItself(ChildProgram.Builder p, int[] taskFds) {
        if (taskFds.length == 0) {
            return;
        }
        p.setsUpInternals("the container's v1 cgroups (the child moves itself in: no global lock)");
        MemorySegment self = p.arena().allocateFrom("0");
        for (int fd : taskFds) {
            p.write(fd, self, 1).close(fd);
        }
    }

    /**
     * In a new user namespace the child is nobody until the parent has written its maps:
     * it waits for them (one byte on the sync pipe; the parent releases it later with a
     * second), then takes the namespace's root ids, so that what the setup creates (the
     * staging tmpfs's files, mount points) belongs to an id of the container.
     */
    private static void waitForTheMaps(ChildProgram.Builder p, ChildFds fds) {
        p.setsUpInternals("the user namespace's uid and gid maps");
        p.read(fds.sync(), 1).zeroFails().note("wait until the parent has written the maps (EOF: it gave up)");
        p.step(linux_h.SYS_setresgid(), "setresgid(0, 0, 0)", 0, 0, 0).note("the namespace's root group");
        p.step(linux_h.SYS_setresuid(), "setresuid(0, 0, 0)", 0, 0, 0)
                .note("the namespace's root: its capabilities stay, as the uid becomes root");
    }

    /**
     * Whether the overlay's lower layers are idmapped copies the JVM makes: a container in a
     * user namespace started by a JVM with root (only that may make idmapped mounts of the
     * host's filesystems). Only read-only layers are: what the container writes goes to its
     * upper layer as its own ids on the host, never as the host's root.
     */
    static boolean idmapsLayers(LaunchConfig config) {
        return config.hasUserNamespace() && !Kernel.rootless() && config.rootfs() instanceof Rootfs.Overlay;
    }

    /** A host tree the JVM sends the child as an idmapped copy: an overlay layer, or an {@code idmapped()} bind. */
    record IdmappedTree(Path source, boolean recursive, boolean layer, String what, String option) {
    }

    /** The trees the JVM idmaps for the child, in the order it sends them: the layers, then the binds. */
    static List<IdmappedTree> idmappedTrees(LaunchConfig config) {
        List<IdmappedTree> trees = new ArrayList<>();
        if (idmapsLayers(config)) {
            for (Path lower : ((Rootfs.Overlay) config.rootfs()).lowers()) {
                trees.add(new IdmappedTree(lower, false, true, "lower layer " + lower, "rootfs"));
            }
        }
        if (config.hasUserNamespace()) {
            for (Mount m : config.mounts()) {
                if (m instanceof Mount.Bind b && b.idmap()) {
                    trees.add(new IdmappedTree(b.source(), b.recursive(), false, "bind source " + b.source(), "mount"));
                }
            }
        }
        return trees;
    }

    /** Whether gid 5 (tty), which devpts gives new ptys, is an id of the container. */
    static boolean ttyGroupMapped(LaunchConfig config) {
        UserNamespace ns = config.userNamespace();
        return ns == null || ns.isAuto() || ns.hostGid(5) >= 0; // auto maps 0 to 65535
    }

    /** What follows the wait for the parent: the cgroup namespace, then {@link #becomeTheCommand}. */
    static void addTheCommand(ChildProgram.Builder p, LaunchConfig config) {
        addTheCommand(p, config, StartGate.NONE);
    }

    /** As {@link #addTheCommand(ChildProgram.Builder, LaunchConfig)}, waiting at {@code gate} before the execve. */
    static void addTheCommand(ChildProgram.Builder p, LaunchConfig config, StartGate gate) {
        addCgroupNamespace(p, config);
        becomeTheCommand(p, config, config.user(), config.workingDir(), config.command(), config.env(), config.path(),
                Signals.ignoredByThisProcess(), gate);
    }

    private static void addCgroupNamespace(ChildProgram.Builder p, LaunchConfig config) {
        if (config.namespaces().contains(Namespace.CGROUP)) {
            p.setsUpInternals("the cgroup namespace");
            p.unshare(linux_h.CLONE_NEWCGROUP())
                    .note("after the parent placed the child, so its own cgroup becomes the namespace's root"
                            + " (and the root of its view at " + CgroupView.ROOT + ")");
        }
    }

    /**
     * A pool member's steps after its wait, for one start: its stdio received over the
     * socket (each descriptor the JVM sends moved to its number; with a terminal instead,
     * {@code stdioSocket} -1, the terminal given to the start's user), the cgroup namespace, then
     * the start's user, working directory and command; {@code ignoredSignals} as the JVM's
     * were at the member's clone (read then, off the start's path).
     */
    static void addAStart(ChildProgram.Builder p, LaunchConfig config, PooledStart start, Stdio stdio,
                          int stdioSocket, List<Integer> ignoredSignals) {
        if (stdioSocket >= 0) {
            p.setsUp("the start's stdin, stdout and stderr", "stdio");
            for (Stdio.Source s : stdio.sources()) {
                int fd = p.receiveFd(stdioSocket);
                p.dup3(fd, s.target(), 0).close(fd);
            }
            if (stdio.mergeStderr()) {
                p.dup3(1, 2, 0).note("stderr goes where stdout goes");
            }
            p.close(stdioSocket);
        } else if (start.user().uid() != config.user().uid()) {
            p.setsUp("the terminal for the user " + start.user(), "terminal");
            p.fchown(0, start.user().uid(), -1).note("the start's user owns its terminal, made at the setup");
        }
        addCgroupNamespace(p, config);
        becomeTheCommand(p, config, start.user(), start.workingDir(), start.command(), start.env(), start.path(),
                ignoredSignals);
    }

    /** Like {@link #roomForTheCommand} for any start of a member: its stdio, and a command over any PATH. */
    static int roomForAStart(LaunchConfig config) {
        int stdio = 3 * 3 + 2; // receive, move, close each; the merge; the socket's close (or a terminal's fchown)
        return stdio + roomFor(config, PooledStart.MAX_PATH_ENTRIES);
    }

    /**
     * At least as many steps as {@link #addTheCommand} adds for {@code config}: a bound
     * known before the part is written, from what can vary (every capability dropped or
     * raised into the ambient set, every signal ignored by the JVM, each rlimit, each
     * directory of PATH), so that part can be written after the clone.
     */
    static int roomForTheCommand(LaunchConfig config) {
        int execs = candidates(config.command().get(0), config.path()).size();
        return roomFor(config, execs) + StartGate.STEPS + execs + 1; // a gated start's exit codes
    }

    private static int roomFor(LaunchConfig config, int execs) {
        int capabilities = 2 * 64 + 3; // bounding drops, ambient raises, keepcaps, capset, no_new_privs
        int user = 3; // setgroups, setresgid, setresuid
        int signals = 64 + 1;
        int filter = 2;
        int rest = 1 + 1 + 1 + 1; // the cgroup namespace, the working directory, the umask, one spare
        return capabilities + user + signals + filter + rest + 2 * config.rlimits().size() + execs;
    }

    /**
     * What the container's command and a process exec'd into it both do once released, in
     * this order: the filter first only without no_new_privs (then seccomp(2) needs
     * CAP_SYS_ADMIN, as in runc, and the profile must allow the steps after it), the
     * privileges (always, also for root: setgroups clears the JVM's supplementary groups),
     * the working directory as the command's user (so its permissions apply), the
     * signals, the filter last with no_new_privs (so the profile only has to allow execve
     * itself), and the execve.
     */
    static void becomeTheCommand(ChildProgram.Builder p, LaunchConfig container, User user, String workingDir,
                                 List<String> command, Map<String, String> env, String path,
                                 List<Integer> ignoredSignals) {
        becomeTheCommand(p, container, user, workingDir, command, env, path, ignoredSignals, StartGate.NONE);
    }

    /**
     * As above; with a {@code gate}, the child waits there after its privileges and working
     * directory (everything a start can fail on before the command), where DESIGN.md puts
     * OCI's wait for {@code start}: the signals, the filter and the execve come after it.
     */
    static void becomeTheCommand(ChildProgram.Builder p, LaunchConfig container, User user, String workingDir,
                                 List<String> command, Map<String, String> env, String path,
                                 List<Integer> ignoredSignals, StartGate gate) {
        Filter filter = container.seccomp();
        if (filter != null && !container.noNewPrivileges()) {
            installFilter(p, filter, "before the capabilities are dropped: without no_new_privs it needs CAP_SYS_ADMIN");
        }
        Privileges.addSteps(p, user.withGroups(container.groupAdd()), container.capabilities(),
                container.noNewPrivileges(), container.rlimits(), !container.setgroupsDenied());
        p.setsUp("the working directory " + workingDir, "workingDir");
        p.chdir(workingDir).note("as the command's user, so its permissions apply");
        if (gate.isPresent()) {
            addGate(p, gate);
        }
        resetSignals(p, ignoredSignals);
        if (filter != null && container.noNewPrivileges()) {
            installFilter(p, filter, "last before execve, so the profile only has to allow execve itself");
        }
        if (container.umask() >= 0) {
            p.setsUp("the umask 0" + Integer.toOctalString(container.umask()), "umask");
            p.umask(container.umask()).note("the command's, last before execve");
        }
        p.setsUp("the command " + command.get(0), ContainerLauncher.COMMAND);
        exec(p, command, env, path, gate.isPresent());
    }

    /**
     * The wait for {@code start}: one byte on the error pipe (the parent's create returns,
     * and its JVM may exit: this child lives on), then the fifo reopened for writing through
     * the container's /proc, which blocks until a start opens it for reading, and one byte
     * for it to read (as runc's exec.fifo works).
     */
    private static void addGate(ChildProgram.Builder p, StartGate gate) {
        p.setsUpInternals("the wait for start: set up, the command not run yet");
        p.write(gate.errorPipe(), p.arena().allocate(1), 1).note("tell the parent the container is created");
        int fifo = p.open("/proc/self/fd/" + gate.fifo(), linux_h.O_WRONLY() | linux_h.O_CLOEXEC(), 0);
        p.note("blocks until a start opens the fifo for reading");
        p.write(fifo, p.arena().allocateFrom("0"), 1).note("what the start reads: released");
        p.close(fifo).close(gate.fifo());
    }

    /**
     * Each sysctl written to its file under /proc/sys (dots as slashes): open, write the
     * value, close, under a purpose naming it, so that one this kernel lacks (ENOENT) or
     * refuses (EINVAL) fails the start naming the sysctl. {@code build()} allowed only names
     * of the container's own namespaces, of plain parts.
     */
    static void addSysctls(ChildProgram.Builder p, Map<String, String> sysctls) {
        for (Map.Entry<String, String> s : sysctls.entrySet()) {
            p.setsUp("the sysctl " + s.getKey() + "=" + s.getValue(), "sysctl");
            int fd = p.open("/proc/sys/" + s.getKey().replace('.', '/'), linux_h.O_WRONLY() | linux_h.O_CLOEXEC(), 0);
            byte[] value = s.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            MemorySegment data = p.arena().allocate(Math.max(1, value.length));
            MemorySegment.copy(MemorySegment.ofArray(value), 0, data, 0, value.length);
            p.write(fd, data, value.length).close(fd);
        }
    }

    /**
     * With a console socket among the child's descriptors, the terminal's steps: a pty of
     * whatever {@code /dev/pts} the child sees now (so call this once the child is in the
     * container's mount namespace with its devpts mounted), owned by {@code user}, the
     * master sent to the JVM. Before the wait for the parent, which receives the master
     * before it releases the child.
     */
    static void addTerminal(ChildProgram.Builder p, ChildFds fds, TerminalSize size, User user) {
        if (fds.console() >= 0) {
            p.setsUp("the terminal (a pty of the container's /dev/pts)", "terminal");
            PtySteps.addSteps(p, fds.console(), size, user.uid());
        }
    }

    /**
     * Every signal at its default action, then unblocked ({@code ignoredSignals}: those the
     * JVM ignored when the child was cloned, which it inherited): CLONE_CLEAR_SIGHAND reset the
     * JVM's handlers to SIG_DFL, but signals the JVM ignores would stay ignored (Ctrl-C
     * would do nothing in a container started from a JVM that ignores SIGINT).
     */
    static void resetSignals(ChildProgram.Builder p, List<Integer> ignoredSignals) {
        p.setsUpInternals("the signal dispositions and mask");
        for (int signal : ignoredSignals) {
            p.defaultSignal(signal).note("ignored by the JVM; the container's process starts with the default");
        }
        p.unblockAllSignals().note("handlers were reset to SIG_DFL by CLONE_CLEAR_SIGHAND, so this is safe");
    }

    static void installFilter(ChildProgram.Builder p, Filter filter, String why) {
        p.setsUp("the seccomp filter", "seccomp");
        p.seccompFilter(filter.bytes(), filter.length(), filter.flagBits(), filter.toString()).note(why);
    }

    /**
     * Where the child's private descriptors are once its fd table is rebuilt: console -1
     * without a terminal, {@code extra} in the order given.
     */
    record ChildFds(int sync, int error, int console, int[] extra) {
    }

    /** One descriptor the child takes over: the JVM's {@code from} becomes the child's {@code to}. */
    private record Move(int from, int to, boolean closeOnExec, PassedFd passed) {
    }

    /**
     * Moves the stdio sources, the passed descriptors and the child's private ones (sync
     * pipe, error pipe, console socket, then {@code extraFds}, all close-on-exec) to their numbers, then closes everything else, so
     * nothing of the JVM leaks into the container. Sources are first copied above every fd
     * involved, so that no move overwrites a source still to be moved.
     */
    static ChildFds rebuildFdTable(ChildProgram.Builder p, Stdio stdio, int syncReadFd, int errorWriteFd,
                                           List<PassedFd> passed, int... extraFds) {
        p.setsUpInternals("the child's descriptor table");
        BitSet kept = new BitSet();
        kept.set(0, 3);
        passed.forEach(f -> kept.set(f.containerFd()));
        int sync = kept.nextClearBit(FIRST_PRIVATE_FD);
        kept.set(sync);
        int error = kept.nextClearBit(FIRST_PRIVATE_FD);
        kept.set(error);
        int console = -1;
        if (stdio.console() != null) {
            console = kept.nextClearBit(FIRST_PRIVATE_FD);
            kept.set(console);
        }
        int[] extra = new int[extraFds.length];
        for (int i = 0; i < extra.length; i++) {
            extra[i] = kept.nextClearBit(FIRST_PRIVATE_FD);
            kept.set(extra[i]);
        }
        List<Move> moves = new ArrayList<>();
        for (Stdio.Source s : stdio.sources()) {
            if (!s.isFile()) {
                moves.add(new Move(s.parentFd(), s.target(), false, null));
            }
        }
        for (PassedFd f : passed) {
            moves.add(new Move(f.hostFd(), f.containerFd(), false, f));
        }
        moves.add(new Move(syncReadFd, sync, true, null));
        moves.add(new Move(errorWriteFd, error, true, null));
        if (console >= 0) {
            moves.add(new Move(stdio.console().childEnd(), console, true, null));
        }
        for (int i = 0; i < extra.length; i++) {
            moves.add(new Move(extraFds[i], extra[i], true, null));
        }
        int staging = Math.max(kept.length(), moves.stream().mapToInt(Move::from).max().orElse(0) + 1);
        for (int i = 0; i < moves.size(); i++) {
            Move m = moves.get(i);
            if (m.passed() != null) {
                // A host fd closed since build() fails here, naming the option.
                p.setsUp("the JVM's fd " + m.from() + " as the container's fd " + m.to(), m.passed().option());
            }
            p.dup3(m.from(), staging + i, 0);
            p.setsUpInternals("the child's descriptor table");
        }
        for (int i = 0; i < moves.size(); i++) {
            Move m = moves.get(i);
            p.dup3(staging + i, m.to(), m.closeOnExec() ? linux_h.O_CLOEXEC() : 0);
        }
        p.closeAllExcept(kept).note("no descriptor of the JVM leaks into the container");
        for (Stdio.Source s : stdio.sources()) {
            if (s.isFile()) {
                p.setsUp("the file " + s.file() + " as fd " + s.target(), s.option());
                int fd = p.open(s.file(), s.openFlags(), 0666);
                p.dup3(fd, s.target(), 0).close(fd);
            }
        }
        if (stdio.mergeStderr()) {
            p.dup3(1, 2, 0).note("stderr goes where stdout goes");
        }
        return new ChildFds(sync, error, console, extra);
    }

    /** Like execvp: a name without '/' is tried in each directory of the container's PATH. */
    static void exec(ChildProgram.Builder p, List<String> argv, Map<String, String> environment, String path) {
        exec(p, argv, environment, path, false);
    }

    /**
     * As {@link #exec}; with {@code exitCodes}, for a child that nobody watches any more (a
     * gated start: the JVM that created it may be gone), its exit code says what failed, as
     * a shell's would: 126 when a candidate exists but cannot be run (EACCES: not executable,
     * a directory), 127 when none exists. Each execve then skips the {@code exit(126)} after
     * it when its path is missing.
     */
    static void exec(ChildProgram.Builder p, List<String> argv, Map<String, String> environment, String path,
                     boolean exitCodes) {
        long argvArray = p.cStringArray(argv);
        List<String> env = new ArrayList<>();
        for (Map.Entry<String, String> e : environment.entrySet()) {
            env.add(e.getKey() + "=" + e.getValue());
        }
        long envArray = p.cStringArray(env);
        List<String> candidates = candidates(argv.get(0), path);
        for (int i = 0; i < candidates.size(); i++) {
            p.execve(candidates.get(i), argvArray, argv, envArray, env.size());
            if (exitCodes) {
                p.mayFail().skipIfMissing(1);
                p.exit(126).note("it is there but cannot be run (not executable, a directory)");
            } else if (i < candidates.size() - 1) {
                p.mayFail();
            }
        }
        if (exitCodes) {
            p.exit(127).note("not found");
        }
    }

    static List<String> candidates(String command, String path) {
        if (command.contains("/")) {
            return List.of(command);
        }
        List<String> found = new ArrayList<>();
        for (String dir : path.split(":", -1)) {
            String d = dir.isEmpty() ? "." : dir;
            found.add(d.endsWith("/") ? d + command : d + "/" + command);
        }
        return found;
    }
}
