package dev.hako.spawn;

import dev.hako.program.ChildProgram;
import dev.hako.program.Purpose;
import dev.hako.program.Trampoline;

import dev.hako.ContainerException;
import dev.hako.ExitStatus;
import dev.hako.Namespace;
import dev.hako.cgroup.CgroupLayout;
import dev.hako.cgroup.ContainerCgroup;
import dev.hako.cgroup.DelegatedCgroup;
import dev.hako.cgroup.RootlessCgroups;
import dev.hako.cgroup.StaleCgroups;
import dev.hako.linux.Errno;
import dev.hako.linux.FdSocket;
import dev.hako.linux.Flags;
import dev.hako.linux.IdmapUnsupportedException;
import dev.hako.linux.IdmappedMount;
import dev.hako.linux.Kernel;
import dev.hako.linux.Libc;
import dev.hako.linux.Namespaces;
import dev.hako.linux.SyscallException;
import dev.hako.linux.clone_args;
import dev.hako.linux.linux_h;
import dev.hako.userns.IdMapException;
import dev.hako.userns.IdMapWriter;
import dev.hako.security.Privileges;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Starts a container: validates what only the running system can tell, writes the child
 * program, clones through the trampoline, releases the child and waits until it has
 * exec'd or failed. On failure nothing is left behind: the child is reaped and every fd
 * and byte of native memory is released.
 */
public final class ContainerLauncher {
    /** The child's stack. It only ever holds what the kernel pushes for it. */
    static final long STACK_SIZE = 64 * 1024;
    /** {@code -Dhako.trace=true}: print every container's child program with its results, like strace. */
    static final boolean TRACE = Boolean.getBoolean("hako.trace");

    /** Cgroup parents already swept of containers that died with another JVM. */
    private static final Set<String> SWEPT = ConcurrentHashMap.newKeySet();
    /** Old enough that no JVM is still between making such a cgroup and filling it. */
    private static final Duration STALE_AFTER = Duration.ofMinutes(1);

    /** Where the cgroup controllers are mounted: read once, as they do not move while the JVM runs. */
    private static volatile CgroupLayout layout;

    /** The option whose steps are the execve attempts (see {@link ContainerProgram}). */
    static final String COMMAND = "command";

    private ContainerLauncher() {
    }

    /** No hierarchy at all: what a JVM without root gets where no cgroup v2 subtree is delegated to its user. */
    private static final CgroupLayout NO_CGROUPS = CgroupLayout.parse("", "", "");

    /** Where a container's cgroup goes: a layout, the parent path in it, and the cgroup's name there. */
    record Placement(CgroupLayout layout, String parent, String name) {
        Placement(CgroupLayout layout, String parent) {
            this(layout, parent, null);
        }
    }

    /**
     * The placement of {@code config}'s cgroup: {@code cgroupParent/ID}, or the exact
     * {@code cgroupPath}, whose parent is not swept for stale cgroups (it may be anybody's,
     * like a pod's or another runtime's, and hold cgroups that are not hako's).
     */
    static Placement cgroupPlacement(LaunchConfig config) throws IOException {
        String exact = config.cgroupPath();
        if (exact == null) {
            Placement p = cgroupPlacement(config.cgroupParent());
            return new Placement(p.layout(), p.parent(), config.id());
        }
        int slash = exact.lastIndexOf('/');
        CgroupLayout l = layout;
        if (l == null) {
            layout = l = CgroupLayout.detect();
        }
        return new Placement(l, exact.substring(0, slash), exact.substring(slash + 1));
    }

    /** A JVM without root: the subtree delegated to its user, per cgroup parent, looked for once. */
    private static final Map<String, Placement> DELEGATED = new ConcurrentHashMap<>();

    static Placement cgroupPlacement(String parent) throws IOException {
        if (!Kernel.rootless()) {
            return new Placement(cgroupLayout(parent), parent);
        }
        Placement p = DELEGATED.get(parent);
        if (p == null) {
            Optional<DelegatedCgroup> found = RootlessCgroups.find(parent);
            p = found.map(d -> new Placement(d.layout(), d.parentPath())).orElse(new Placement(NO_CGROUPS, parent));
            if (found.isPresent() && SWEPT.add(p.parent())) {
                StaleCgroups.remove(p.layout(), p.parent(), STALE_AFTER);
            }
            DELEGATED.put(parent, p);
        }
        return p;
    }

    private static CgroupLayout cgroupLayout(String parent) throws IOException {
        CgroupLayout l = layout;
        if (l == null) {
            layout = l = CgroupLayout.detect();
        }
        if (SWEPT.add(parent)) {
            StaleCgroups.remove(l, parent, STALE_AFTER);
        }
        return l;
    }

    /**
     * Starts a container; {@code networkOf}: the running container whose network namespace
     * it joins ({@code Network.container}), or null.
     */
    public static Launched launch(LaunchConfig given, Launched networkOf) throws ContainerException {
        return launch(given, networkOf, null);
    }

    /**
     * As {@link #launch(LaunchConfig, Launched)}; with a {@code startGate} (a fifo), returns
     * once the child is set up and waits before its execve until a process opens the fifo for
     * reading and reads a byte (OCI create, then start from another process).
     */
    public static Launched launch(LaunchConfig given, Launched networkOf, Path startGate) throws ContainerException {
        return StartingChild.prepare(given, networkOf, startGate).finish(null);
    }

    /** The JVM's descriptors the container is to get must still be open (build() checked them once). */
    static void checkPassedFds(LaunchConfig config) throws ContainerException {
        for (PassedFd f : config.passedFds()) {
            try {
                Libc.fstat(f.hostFd());
            } catch (SyscallException e) {
                throw new ContainerException("starting container " + config.id() + ": " + f.option() + ": the JVM's fd "
                        + f.hostFd() + " is not open any more (" + Errno.describe(e.errno())
                        + "): keep it open until start() returns");
            }
        }
    }

    static void checkSystem(LaunchConfig config) throws ContainerException {
        try {
            Kernel.requireSupported();
        } catch (UnsupportedOperationException e) {
            throw new ContainerException(e.getMessage(), e);
        }
        if (!Kernel.hasCapability(linux_h.CAP_SYS_ADMIN()) && !config.hasUserNamespace()) {
            throw new ContainerException("creating the namespaces " + config.namespaces() + " of container "
                    + config.id() + " needs CAP_SYS_ADMIN, which this process lacks: run it as root"
                    + " (rootless containers are not supported yet)");
        }
    }

    static MemorySegment cloneArgs(Arena arena, LaunchConfig config, MemorySegment pidfdOut) {
        MemorySegment args = clone_args.allocate(arena);
        args.fill((byte) 0);
        MemorySegment stack = arena.allocate(STACK_SIZE, 16);
        clone_args.flags(args, cloneFlags(config.namespaces()));
        clone_args.pidfd(args, pidfdOut.address());
        clone_args.exit_signal(args, linux_h.SIGCHLD());
        clone_args.stack(args, stack.address());
        clone_args.stack_size(args, STACK_SIZE);
        return args;
    }

    /**
     * CLONE_VM: no copy of the JVM's address space, which is what makes this fast.
     * CLONE_CLEAR_SIGHAND: the JVM's signal handlers must never run in the child, which
     * shares the JVM's memory. The cgroup namespace is unshared later, by the child.
     */
    static long cloneFlags(Set<Namespace> namespaces) {
        long flags = linux_h.CLONE_VM() | linux_h.CLONE_PIDFD() | linux_h.CLONE_CLEAR_SIGHAND();
        for (Namespace ns : namespaces) {
            if (ns != Namespace.CGROUP) { // unshared by the child once it is in its cgroup
                flags |= namespaceFlag(ns);
            }
        }
        return flags;
    }

    /** The {@code CLONE_NEW*} flag of a namespace. */
    static long namespaceFlag(Namespace ns) {
        return switch (ns) {
            case MOUNT -> linux_h.CLONE_NEWNS();
            case PID -> linux_h.CLONE_NEWPID();
            case UTS -> linux_h.CLONE_NEWUTS();
            case IPC -> linux_h.CLONE_NEWIPC();
            case NETWORK -> linux_h.CLONE_NEWNET();
            case CGROUP -> linux_h.CLONE_NEWCGROUP();
            case USER -> linux_h.CLONE_NEWUSER();
        };
    }

    /**
     * Releases a child that waits on the sync pipe with one byte. With a terminal, the child
     * sends its master before it waits, and it is received first, so that the streams exist
     * before anything of the container's own runs; a child that sends none (it failed a
     * step, or was killed) stays unreleased, and its results say why.
     *
     * @return false when the terminal's master never came: the child was not released
     */
    static boolean release(Stdio stdio, int syncWriteFd, Arena arena) throws IOException {
        // A pool member's terminal came at its setup already.
        boolean release = stdio.console() == null || stdio.terminal() != null || stdio.receiveTerminal();
        if (release) {
            wake(syncWriteFd, arena);
        }
        return release;
    }

    /**
     * Opens each of {@code files} for writing, close-on-exec: the v1 {@code tasks} files a
     * child writes itself into ({@code ContainerCgroup.selfPlacementFiles}), inherited at
     * the clone. On failure none is left open.
     */
    static int[] openForWriting(List<Path> files) throws SyscallException {
        int[] fds = new int[files.size()];
        java.util.Arrays.fill(fds, -1);
        try {
            for (int i = 0; i < fds.length; i++) {
                fds[i] = Libc.openat2(linux_h.AT_FDCWD(), files.get(i).toString(),
                        linux_h.O_WRONLY() | linux_h.O_CLOEXEC(), 0);
            }
            return fds;
        } catch (SyscallException e) {
            closeAll(fds);
            throw e;
        }
    }

    /** Closes every descriptor of {@code fds} that is open (-1: none). */
    static void closeAll(int[] fds) {
        for (int fd : fds) {
            Libc.closeQuietly(fd);
        }
    }

    /**
     * {@link #release}, then the wait until the child has exec'd or died (EOF on the error
     * pipe); the JVM's ends of both pipes are closed after.
     *
     * @return false when the terminal's master never came: the child was not released
     */
    static boolean releaseAndAwaitExec(Stdio stdio, int[] sync, int[] error, Arena arena) throws IOException {
        boolean released = release(stdio, sync[1], arena);
        Libc.close(sync[1]);
        sync[1] = -1;
        awaitEof(error[0], arena);
        Libc.close(error[0]);
        error[0] = -1;
        return released;
    }

    /**
     * After the clone: the child has its own copies of its stdio sources and its ends of the
     * sync and error pipes, so the JVM's are closed (else no EOF would ever tell it anything).
     */
    static void closeChildEnds(Stdio stdio, int[] sync, int[] error) throws SyscallException {
        stdio.closeChildEnds();
        Libc.close(sync[0]);
        sync[0] = -1;
        Libc.close(error[1]);
        error[1] = -1;
    }

    /** One byte on the sync pipe, for the child's next wait; a child that is gone already is no error here. */
    static void wake(int syncWriteFd, Arena arena) throws SyscallException {
        try {
            Libc.writeFully(syncWriteFd, arena.allocate(1));
        } catch (SyscallException e) {
            if (e.errno() != linux_h.EPIPE()) {
                throw e;
            }
            // The child failed a setup step before waiting for us: its results say which.
        }
    }

    /**
     * The overlay's lower layers and the {@code idmapped()} binds as idmapped copies through
     * the child's user namespace, one message each, in order: the child waits for them.
     */
    static void sendIdmapped(LaunchConfig config, List<ContainerProgram.IdmappedTree> trees, long pid,
                                     int pidfd, FdSocket socket) throws IOException {
        int userNamespace = Namespaces.open(pid, pidfd, "user");
        try {
            for (ContainerProgram.IdmappedTree tree : trees) {
                try (IdmappedMount copy = IdmappedMount.of(tree.source(), userNamespace, tree.recursive())) {
                    socket.send(copy.fd());
                } catch (IdmapUnsupportedException e) {
                    throw new ContainerException("starting container " + config.id() + ": the " + tree.what()
                            + " cannot be idmapped for its user namespace (" + tree.option() + "): " + e.getMessage(), e);
                }
            }
        } finally {
            Libc.closeQuietly(userNamespace);
        }
    }

    /**
     * The child's uid and gid maps: written from here (root in the host's user namespace, or
     * a JVM mapping its own ids alone), or through newuidmap and newgidmap for the ranges of
     * /etc/subuid and /etc/subgid.
     */
    static void writeMaps(long pid, LaunchConfig config) throws ContainerException {
        try {
            IdMapWriter.system().write(pid, config.userNamespace(), config.setgroupsDenied());
        } catch (IdMapException e) {
            throw new ContainerException("starting container " + config.id() + ": " + e.getMessage(), e);
        }
    }

    /** A child that ended without a failed step and without sending its terminal's master (it was killed). */
    static ContainerException noTerminal(String action, ChildProgram program, ExitStatus status) {
        return new ContainerException(action + " failed: the child ended (" + status
                + ") before it sent its terminal (terminal)\nchild program:\n" + program.describeRun());
    }

    /** Reads the error pipe until EOF: the child has exec'd (close-on-exec) or died. */
    static void awaitEof(int fd, Arena arena) throws SyscallException {
        MemorySegment buf = arena.allocate(64);
        while (Libc.read(fd, buf) > 0) {
            // The child never writes; the pipe exists only for its EOF.
        }
    }

    static ContainerException cloneFailed(LaunchConfig config, long flags, int errno) {
        String hint = errno == linux_h.EPERM()
                ? ": creating namespaces needs root (CAP_SYS_ADMIN)"
                : errno == linux_h.ENOSPC() || errno == linux_h.EAGAIN()
                ? ": a limit on processes or namespaces was reached (see /proc/sys/user/max_*_namespaces and the pids cgroup)"
                : errno == linux_h.EINVAL() || errno == linux_h.ENOSYS()
                ? ": this kernel lacks a clone3 feature hako needs (Linux 5.10+)"
                : "";
        return new ContainerException("starting container " + config.id() + ": clone3(" + Flags.render("CLONE_", flags)
                + "): " + Errno.describe(errno) + hint);
    }

    /** Says what the failed step was setting up, for which option, from the step alone. */
    static ContainerException setupFailed(LaunchConfig config, ChildProgram program, ChildProgram.Failure f, ExitStatus status) {
        Purpose purpose = f.step().purpose();
        if (COMMAND.equals(purpose.option())) {
            return execFailed(config, program);
        }
        String hint = "";
        if (Privileges.RLIMIT_OPTION.equals(purpose.option()) && f.errno() == linux_h.EPERM()) {
            hint = ": raising a hard limit needs CAP_SYS_RESOURCE, which the container's process lacks"
                    + (Kernel.hasCapability(linux_h.CAP_SYS_RESOURCE()) ? " (capAdd(\"SYS_RESOURCE\"))"
                    : " (this JVM has none to give: it is not in its effective set)");
        }
        return new ContainerException("setting up container " + config.id() + " failed at " + purpose + ": " + f
                + hint + " (child " + status + ")\nchild program:\n" + program.describeRun());
    }

    private static ContainerException execFailed(LaunchConfig config, ChildProgram program) {
        return execFailed(config.id(), config.command().get(0), config.path(), config.rootfs().toString(), program);
    }

    /** Explains a failed execvp the way a shell would: not found, not executable, or not a program. */
    static ContainerException execFailed(String id, String command, String path, String rootfs, ChildProgram program) {
        boolean denied = false;
        int other = 0;
        for (int i = 0; i < program.steps().size(); i++) {
            if (COMMAND.equals(program.steps().get(i).purpose().option()) && program.failed(i)) {
                int errno = program.errno(i);
                if (errno == linux_h.EACCES()) {
                    denied = true;
                } else if (errno != linux_h.ENOENT() && errno != linux_h.ENOTDIR()) {
                    other = errno;
                }
            }
        }
        String where = command.contains("/") ? "" : " (looked in PATH=" + path + ")";
        String prefix = "cannot run '" + command + "' in container " + id + ": ";
        if (other != 0) {
            String hint = other == linux_h.ENOEXEC()
                    ? ": it is not a program for this machine, or a script without a #! line"
                    : "";
            return new ContainerException(prefix + Errno.describe(other) + hint);
        }
        if (denied) {
            return new ContainerException(prefix + "permission denied" + where
                    + ": the file is not executable, or on a noexec mount");
        }
        return new ContainerException(prefix + "not found in the container's root filesystem " + rootfs
                + where + ": check the command, or that the rootfs contains it");
    }

    /**
     * Clones the child that runs {@code program}, on the spawner thread: born in the v2
     * directory {@code unified} when there is one (CLONE_INTO_CGROUP: no moment in which it
     * runs, or forks, outside its cgroup), and in the PID namespace of the pidfd
     * {@code joinTypes} namespaces ({@code CLONE_NEWPID}, {@code CLONE_NEWNET}) of the process
     * whose pidfd is {@code join} (-1: the JVM's own). Returns its pid, or -errno.
     */
    static long clone(Arena arena, MemorySegment args, ChildProgram program, Optional<Path> unified,
                      int join, int joinTypes) throws SyscallException {
        return clone(arena, args, program, unified, join < 0 ? List.of() : List.of(new Spawner.Join(join, joinTypes)));
    }

    /** Like {@link #clone(Arena, MemorySegment, ChildProgram, Optional, int, int)}, born in each of {@code joins}. */
    static long clone(Arena arena, MemorySegment args, ChildProgram program, Optional<Path> unified,
                      List<Spawner.Join> joins) throws SyscallException {
        if (unified.isEmpty()) {
            return spawn(arena, args, program, joins);
        }
        try (Libc.OpenDirectory dir = Libc.openDirectory(unified.get().toString())) {
            clone_args.flags(args, clone_args.flags(args) | linux_h.CLONE_INTO_CGROUP());
            clone_args.cgroup(args, dir.fd());
            return spawn(arena, args, program, joins);
        }
    }

    private static long spawn(Arena arena, MemorySegment args, ChildProgram program, List<Spawner.Join> joins)
            throws SyscallException {
        MemorySegment control = Trampoline.controlBlock(arena, args, program, ContainerProgram.SETUP_FAILED_EXIT_CODE);
        return Spawner.spawn(Trampoline.get(), control.address(), joins);
    }
}
