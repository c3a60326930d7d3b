package dev.hako.spawn;

import dev.hako.ContainerException;
import dev.hako.ExitStatus;
import dev.hako.Namespace;
import dev.hako.UserNamespace;
import dev.hako.cgroup.CgroupLayout;
import dev.hako.cgroup.ContainerCgroup;
import dev.hako.fs.EtcFiles;
import dev.hako.fs.RootfsSetup;
import dev.hako.linux.FdSocket;
import dev.hako.linux.Kernel;
import dev.hako.linux.Libc;
import dev.hako.linux.Signals;
import dev.hako.linux.SyscallException;
import dev.hako.linux.clone_args;
import dev.hako.linux.linux_h;
import dev.hako.net.ReservedPort;
import dev.hako.process.Reaper;
import dev.hako.program.ChildProgram;
import dev.hako.userns.AutoRanges;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A container's child from before its clone until it has exec'd: cloned, set up to its
 * wait for the parent ({@link #prepare}), then given the rest of its program and released
 * ({@link #finish}), or abandoned. Owns every descriptor, byte of native memory, cgroup,
 * network attachment and leased id range of the start until then; after a failure in
 * either half nothing of it is left.
 *
 * <p>A cold start runs both halves at once, and the command's part is written while the
 * child mounts. A pool member ({@link #prepareMember}) does everything that does not depend
 * on the command first (its cgroup placement too), tells the parent it has reached its
 * wait with one byte on the error pipe, and waits there until a start gives it its stdio,
 * its command and its user.
 */
public final class StartingChild {
    private final LaunchConfig config;
    private final boolean member;
    /** The fifo a gated start's child waits on before its execve (OCI create); null: none. */
    private final Path startGate;
    private ContainerProgram.StartGate gate = ContainerProgram.StartGate.NONE;
    private final AutoRanges.Lease lease;
    /**
     * The memory the child runs on until its execve. Confined for a cold start; shared for a
     * member, which one thread prepares and another finishes. Freed only once the child is
     * off it (exec'd or reaped).
     */
    private final Arena arena;
    private Stdio stdio;
    private int[] sync = {-1, -1};
    private int[] error = {-1, -1};
    private long pid;
    private int pidfd = -1;
    private ContainerCgroup cgroup;
    private boolean holdsDumpable;
    private FdSocket idmapSocket;
    private List<ReservedPort> reservedPorts = List.of();
    private ContainerNetwork network;
    private ChildProgram.Builder steps;
    private ChildProgram firstPart;
    /** A member's: the socket its start's stdio comes over, and its number in the child. */
    private FdSocket stdioSocket;
    private int childStdioSocket = -1;
    /** The JVM's descriptors of the v1 {@code tasks} files the child writes itself into, until the clone. */
    private int[] cgroupTaskFds = new int[0];
    /** The signals the JVM ignored at the clone, which the child inherited. */
    private List<Integer> ignoredSignals = List.of();
    private boolean done;
    /** A member's mount namespace, so that its teardown is not its exit's ({@link HeldMountNamespace}). */
    private HeldMountNamespace mountNamespace;

    private StartingChild(LaunchConfig config, boolean member, AutoRanges.Lease lease, Path startGate) {
        this.config = config;
        this.member = member;
        this.lease = lease;
        this.startGate = startGate;
        // A gated child runs on its memory after the start returns: another thread frees it.
        this.arena = member || startGate != null ? Arena.ofShared() : Arena.ofConfined();
    }

    /**
     * A cold start's first half: cloned, its network attached, the child mounting meanwhile.
     * {@code startGate}: the fifo its child waits on before its execve, or null.
     */
    static StartingChild prepare(LaunchConfig given, Launched networkOf, Path startGate) throws ContainerException {
        return prepare(given, networkOf, false, startGate);
    }

    /**
     * A pool member: cloned and set up up to the wait for its start, placed in its cgroup.
     * Returns once the child waits there.
     */
    public static StartingChild prepareMember(LaunchConfig given, Launched networkOf) throws ContainerException {
        return prepare(given, networkOf, true, null);
    }

    private static StartingChild prepare(LaunchConfig given, Launched networkOf, boolean member, Path startGate)
            throws ContainerException {
        ContainerLauncher.checkSystem(given);
        ContainerLauncher.checkPassedFds(given);
        // UserNamespace.auto(): a range of host ids held for as long as the container is.
        AutoRanges.Lease lease = null;
        LaunchConfig config = given;
        if (given.hasUserNamespace() && given.userNamespace().isAuto()) {
            try {
                lease = AutoRanges.system().lease();
            } catch (IOException e) {
                throw new ContainerException("starting container " + given.id() + ": choosing a range of host ids"
                        + " for its user namespace (UserNamespace.auto()) failed: " + e.getMessage(), e);
            }
            config = given.withUserNamespace(lease.userNamespace());
        }
        StartingChild child = new StartingChild(config, member, lease, startGate);
        try {
            child.cloneAndSetUp(networkOf);
            if (member) {
                child.awaitWaiting();
            }
            return child;
        } catch (ContainerException | IllegalArgumentException e) {
            child.abandon(e);
            throw e;
        } catch (IOException | RuntimeException e) {
            child.abandon(e);
            throw new ContainerException("starting container " + config.id() + " failed: " + e.getMessage(), e);
        }
    }

    public LaunchConfig config() {
        return config;
    }

    private void cloneAndSetUp(Launched networkOf) throws IOException {
        // A child that changes to a non-root uid or gid makes the kernel set the shared
        // memory's dumpable flag to fs.suid_dumpable (0 by default), and the JVM would stay
        // non-dumpable for good: held like an exec's joining child, it is given back after.
        // In a user namespace the child takes the namespace's root ids, new ids on the host.
        // A member's user is its start's: held from the start (writeSecondPart), not while it waits.
        boolean changesIds = !member && (config.user().uid() != 0 || config.user().gid() != 0)
                || config.hasUserNamespace();
        UserNamespace userNamespace = config.userNamespace();
        List<ContainerProgram.IdmappedTree> idmapped = ContainerProgram.idmappedTrees(config);
        String overlayOption = RootfsSetup.prepareHost(config.rootfs(),
                userNamespace == null ? -1 : userNamespace.hostUid(0),
                userNamespace == null ? -1 : userNamespace.hostGid(0), ContainerProgram.idmapsLayers(config));
        List<EtcFiles.Entry> etc = config.etcFiles()
                ? EtcFiles.generate(config.hostname(), config.namespaces().contains(Namespace.NETWORK),
                        ContainerNetwork.resolvConf(config.network()))
                : List.of();
        if (userNamespace != null) {
            RootfsSetup.makeMountPoints(config.rootfs(), etc.stream().map(EtcFiles.Entry::target).toList());
        }
        reservedPorts = ContainerNetwork.reservePorts(config.network()); // a port taken fails here, before a clone
        // A member's stdio comes with its start; with a terminal it is the terminal, made at the setup.
        stdio = member && config.terminal() == null ? Stdio.placeholders() : Stdio.open(config);
        sync = Libc.pipe2(linux_h.O_CLOEXEC());
        error = Libc.pipe2(linux_h.O_CLOEXEC());
        ContainerLauncher.Placement placement = ContainerLauncher.cgroupPlacement(config);
        CgroupLayout cgroups = placement.layout();
        // The device policy is put in place with the child's placement, before its release.
        cgroup = ContainerCgroup.prepare(cgroups, placement.parent(), placement.name(), config.limits(),
                config.devicePolicy());
        if (config.cgroupPath() != null) {
            cgroup.markExactPath(); // no sweep of stale cgroups removes it, nor the parents it is in
        }
        if (!idmapped.isEmpty()) {
            idmapSocket = FdSocket.open();
        }
        if (member && config.terminal() == null) {
            stdioSocket = FdSocket.open();
        }
        cgroupTaskFds = ContainerLauncher.openForWriting(cgroup.selfPlacementFiles());
        ContainerProgram.FirstPart first = ContainerProgram.setUp(arena, config, stdio, sync[0], error[1], etc,
                CgroupViews.of(cgroups, cgroup.directories(), config.namespaces().contains(Namespace.CGROUP)),
                idmapSocket == null ? -1 : idmapSocket.childEnd(), stdioSocket == null ? -1 : stdioSocket.childEnd(),
                cgroupTaskFds, overlayOption, member, startGate);
        steps = first.steps();
        gate = first.gate();
        childStdioSocket = first.stdioSocket();
        firstPart = steps.buildFirstPart(member ? ContainerProgram.roomForAStart(config)
                : ContainerProgram.roomForTheCommand(config));

        MemorySegment pidfdOut = arena.allocate(JAVA_INT);
        MemorySegment args = ContainerLauncher.cloneArgs(arena, config, pidfdOut);
        if (changesIds && !config.hasUserNamespace()) {
            JoiningChildren.enter();
            holdsDumpable = true;
        }
        if (member) {
            ignoredSignals = Signals.ignoredByThisProcess();
        }
        List<Spawner.Join> joins = JoinedNamespaces.open(config);
        try {
            int joinedNetwork = networkOf == null ? -1 : networkOf.duplicatePidfd();
            if (joinedNetwork >= 0) {
                joins = new java.util.ArrayList<>(joins);
                joins.addFirst(new Spawner.Join(joinedNetwork, linux_h.CLONE_NEWNET()));
            }
            pid = ContainerLauncher.clone(arena, args, firstPart, cgroup.unifiedDirectory(), joins);
        } finally {
            JoinedNamespaces.close(joins); // the network's pidfd among them
        }
        ContainerLauncher.closeChildEnds(stdio, sync, error);
        closeTaskFds();
        if (stdioSocket != null) {
            stdioSocket.closeChildEnd();
        }
        if (pid < 0) {
            throw ContainerLauncher.cloneFailed(config, clone_args.flags(args), (int) -pid);
        }
        pidfd = pidfdOut.get(JAVA_INT, 0);
        if (config.namespaces().contains(Namespace.MOUNT)) {
            // Now, while the child is still dumpable (a JVM without root may open its files).
            mountNamespace = HeldMountNamespace.of(pid, pidfd);
        }
        if (config.hasUserNamespace()) {
            // While the memory the child shares is dumpable, its /proc files are the JVM
            // user's, which a JVM without root needs to write the maps; the child's change
            // of ids after them makes it non-dumpable, which is held here and given back.
            ContainerLauncher.writeMaps(pid, config);
            if (Kernel.rootless()) {
                // The network helper opens /proc/PID/ns/* as this user, which only works
                // while the child is still dumpable: before its change of ids.
                network = ContainerNetwork.attach(config, reservedPorts, pid, pidfd);
                reservedPorts = List.of();
            }
            if (idmapSocket != null) {
                idmapSocket.closeChildEnd();
                ContainerLauncher.sendIdmapped(config, idmapped, pid, pidfd, idmapSocket);
                idmapSocket.close();
                idmapSocket = null;
            }
            JoiningChildren.enter();
            holdsDumpable = true;
            ContainerLauncher.wake(sync[1], arena); // the child waits for its maps first, for its release later
        }
        // While the child mounts: its veth, address and route, and the published ports.
        if (network == null) {
            network = ContainerNetwork.attach(config, reservedPorts, pid, pidfd);
            reservedPorts = List.of(); // the attachment owns them now
        }
        if (member) {
            placeInCgroup();
        }
    }

    /**
     * Marks the cgroup as this JVM's (a JVM that dies before the release closes the sync
     * pipe, and the unreleased child exits) and puts the device policy in place, before the
     * release. The child is in the cgroup already: born in the v2 directory, and it moved
     * itself into the v1 ones first thing. Its own mknods of /dev nodes are allowed by the
     * policy.
     */
    private void placeInCgroup() throws IOException {
        if (config.dieWithJvm()) {
            cgroup.markOwnedByThisJvm();
        }
        cgroup.applyDevicePolicy(); // the child has placed itself in the v1 directories, and v2 is its birthplace
    }

    /** The JVM's copies of the {@code tasks} files: after the clone, the child holds its own. */
    private void closeTaskFds() {
        ContainerLauncher.closeAll(cgroupTaskFds);
        cgroupTaskFds = new int[0];
    }

    /** A member's byte on the error pipe: it waits for its start now. EOF: it failed a step before. */
    private void awaitWaiting() throws IOException {
        MemorySegment buf = arena.allocate(1);
        // With a terminal, its master comes first (the child sends it before it says it is ready).
        boolean terminal = stdio.console() == null || stdio.receiveTerminal();
        if (terminal && Libc.read(error[0], buf) == 1) {
            return;
        }
        ChildProgram.Failure failure = firstPart.failure().orElse(null);
        ExitStatus status = Reaper.reapNow(pidfd);
        Libc.close(pidfd);
        pidfd = -1;
        if (failure != null) {
            throw ContainerLauncher.setupFailed(config, firstPart, failure, status);
        }
        throw new ContainerException("setting up pool member " + config.id() + " failed: the child ended (" + status
                + ") before it reached its wait\nchild program:\n" + firstPart.describeRun());
    }

    /** Whether the child still runs: a member killed while it waited is not given a start. */
    public boolean isAlive() {
        try {
            return !Reaper.hasExited(pidfd);
        } catch (SyscallException e) {
            return false;
        }
    }

    /** A member's start: {@link #finish} with what the start brings. */
    public Launched start(PooledStart start) throws ContainerException {
        if (!member) {
            throw new IllegalStateException("container " + config.id() + " is not a pool member");
        }
        return finish(start);
    }

    /**
     * The second half: the rest of the program (a cold start's command from its
     * configuration, or {@code start}'s for a member), the release, and the wait until the
     * child has exec'd. A member's memory stays until {@link #freeMemory()}.
     */
    Launched finish(PooledStart start) throws ContainerException {
        try {
            ChildProgram program = writeSecondPart(start);
            if (!member) {
                placeInCgroup();
            }
            boolean release = gate.isPresent() ? releaseToTheGate()
                    : ContainerLauncher.releaseAndAwaitExec(stdio, sync, error, arena);
            if (ContainerLauncher.TRACE) {
                System.err.print("hako: container " + config.id() + " child program:\n" + program.describeRun());
            }
            var failure = program.failure();
            if (failure.isPresent()) {
                ExitStatus status = Reaper.reapNow(pidfd);
                Libc.close(pidfd);
                pidfd = -1;
                if (start != null && ContainerLauncher.COMMAND.equals(failure.get().step().purpose().option())) {
                    throw ContainerLauncher.execFailed(config.id(), start.command().get(0), start.path(),
                            config.rootfs().toString(), program);
                }
                throw ContainerLauncher.setupFailed(config, program, failure.get(), status);
            }
            if (!release) {
                ExitStatus status = Reaper.reapNow(pidfd);
                Libc.close(pidfd);
                pidfd = -1;
                throw ContainerLauncher.noTerminal("starting container " + config.id(), program, status);
            }
            if (gate.isPresent() && error[0] < 0) {
                ExitStatus status = Reaper.reapNow(pidfd);
                Libc.close(pidfd);
                pidfd = -1;
                throw new ContainerException("starting container " + config.id() + " failed: the child ended ("
                        + status + ") before it reached its wait for start\nchild program:\n" + program.describeRun());
            }
            OomScore.set(config, pid); // once exec'd: the child no longer shares the JVM's memory
            CompletableFuture<ExitStatus> exit = Reaper.get().watch(pidfd);
            done = true;
            return new Launched(pid, pidfd, exit, stdio, cgroup, Held.of(network, lease, mountNamespace), network);
        } catch (ContainerException | IllegalArgumentException e) {
            abandon(e);
            throw e;
        } catch (IOException | RuntimeException e) {
            abandon(e);
            throw new ContainerException("starting container " + config.id() + " failed: " + e.getMessage(), e);
        } finally {
            // After the catch blocks: the child has exec'd or been reaped by now.
            releaseDumpable();
            if (gate.isPresent() && done) {
                freeAfterExec();
            } else if (!member) {
                freeMemory();
            }
        }
    }

    /**
     * A gated start's release: the byte on the sync pipe, then the child's byte on the error
     * pipe when it reached its wait for start, which leaves the error pipe open (its EOF comes
     * at the execve); EOF instead: it failed a step or died on the way, and the pipe is closed.
     *
     * @return false when the terminal's master never came: the child was not released
     */
    private boolean releaseToTheGate() throws IOException {
        boolean released = ContainerLauncher.release(stdio, sync[1], arena);
        Libc.close(sync[1]);
        sync[1] = -1;
        if (released && Libc.read(error[0], arena.allocate(1)) == 1) {
            return true;
        }
        Libc.close(error[0]);
        error[0] = -1;
        return released;
    }

    /**
     * The child runs on its program's memory until its execve, after the start has returned:
     * a thread waits for the EOF on the error pipe that the execve (or the child's death)
     * brings, and frees the memory then. If the JVM exits first, the memory stays mapped for
     * the child, which shares the address space.
     */
    private void freeAfterExec() {
        int errorPipe = error[0];
        error[0] = -1;
        Thread.ofPlatform().daemon().name("hako-gate-" + config.id()).start(() -> {
            try (Arena buffer = Arena.ofConfined()) {
                MemorySegment b = buffer.allocate(1);
                while (Libc.read(errorPipe, b) > 0) {
                    // nothing more is written; EOF is the signal
                }
            } catch (SyscallException e) {
                // the pipe is gone with the child either way
            } finally {
                Libc.closeQuietly(errorPipe);
                freeMemory();
            }
        });
    }

    /**
     * The steps after the wait, into the room the first part left: written while a cold
     * child mounts; for a member, with its start's stdio sent over the socket before the
     * release.
     */
    private ChildProgram writeSecondPart(PooledStart start) throws IOException {
        if (start == null) {
            ContainerProgram.addTheCommand(steps, config, gate);
            return steps.build();
        }
        if (!holdsDumpable && (start.user().uid() != 0 || start.user().gid() != 0)) {
            JoiningChildren.enter();
            holdsDumpable = true;
        }
        if (stdioSocket == null) { // a terminal, received at the setup: it is the start's stdio
            ContainerProgram.addAStart(steps, config, start, stdio, -1, ignoredSignals);
            return steps.build();
        }
        Stdio given = Stdio.open(start.stdin(), start.stdout(), start.stderr(), start.redirectErrorStream());
        stdio.close(); // the placeholders: the child's /dev/null copies are its own
        stdio = given;
        ContainerProgram.addAStart(steps, config, start, given, childStdioSocket, ignoredSignals);
        ChildProgram program = steps.build();
        given.sendTo(stdioSocket);
        given.closeChildEnds();
        stdioSocket.close();
        stdioSocket = null;
        return program;
    }

    /**
     * Undoes everything: the child killed and reaped, its pipes, stdio and sockets closed,
     * its cgroup removed, its network and lease released and (when nothing is running on
     * it any more) its memory freed. {@code failure} collects what went wrong meanwhile.
     */
    void abandon(Exception failure) {
        closeTaskFds();
        ChildCleanup.undo(stdio, sync, error, pidfd);
        pidfd = -1;
        if (cgroup != null) {
            try {
                cgroup.destroy();
            } catch (IOException e) {
                System.getLogger(ContainerLauncher.class.getName()).log(System.Logger.Level.WARNING,
                        "could not remove the cgroup of a container that failed to start: " + e.getMessage());
            }
            cgroup = null;
        }
        ContainerNetwork.closeAfterFailure(network, reservedPorts, failure);
        network = null;
        reservedPorts = List.of();
        if (lease != null) {
            lease.close();
        }
        if (mountNamespace != null) {
            mountNamespace.close();
            mountNamespace = null;
        }
        if (idmapSocket != null) {
            idmapSocket.close(); // a child still waiting for its layers then stops
            idmapSocket = null;
        }
        if (stdioSocket != null) {
            stdioSocket.close();
            stdioSocket = null;
        }
        releaseDumpable();
        freeMemory();
    }

    /** A member that was never started, at the pool's close: nothing of it remains. */
    public void discard() {
        if (!done) {
            abandon(new ContainerException("pool member " + config.id() + " discarded"));
        }
    }

    private void releaseDumpable() {
        if (holdsDumpable) {
            holdsDumpable = false;
            JoiningChildren.leave();
        }
    }

    /**
     * Frees a member's memory, on whichever thread: after {@link #finish} (the child has
     * exec'd or was reaped) or {@link #discard()}. Closing a shared arena costs a handshake
     * with every thread, which is why the pool does it off the starting thread.
     */
    public void freeMemory() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
