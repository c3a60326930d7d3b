package dev.hako.spawn;

import dev.hako.ContainerException;
import dev.hako.ExitStatus;
import dev.hako.Namespace;
import dev.hako.linux.Errno;
import dev.hako.linux.Flags;
import dev.hako.linux.Kernel;
import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.clone_args;
import dev.hako.linux.linux_h;
import dev.hako.process.Reaper;
import dev.hako.program.ChildProgram;
import dev.hako.program.Purpose;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Starts a process in a running container, like {@code docker exec}: clones a child into
 * the container's PID namespace (through the spawner thread) and cgroup, which then joins
 * the container's other namespaces itself ({@link ExecProgram}), and waits until it has
 * exec'd or failed. On failure nothing is left behind.
 */
public final class ExecLauncher {

    private ExecLauncher() {
    }

    /**
     * @param container the running container's configuration
     * @param first its first process, whose namespaces are joined and whose cgroup is shared
     */
    public static Launched launch(LaunchConfig container, ExecTarget first, ExecConfig exec) throws ContainerException {
        Stdio stdio = null;
        int[] sync = {-1, -1};
        int[] error = {-1, -1};
        int target = -1;
        int pidfd = -1;
        boolean joining = false;
        int[] taskFds = new int[0];
        Arena arena = Arena.ofConfined(); // closed only once the child is off the program's memory
        try {
            target = first.duplicatePidfd();
            stdio = Stdio.open(exec);
            sync = Libc.pipe2(linux_h.O_CLOEXEC());
            error = Libc.pipe2(linux_h.O_CLOEXEC());
            // The spawner thread joins the PID namespace so that the child is born in it; the
            // kernel lets it only with CAP_SYS_ADMIN in the JVM's own user namespace too, so
            // without root the child joins it and forks into it.
            MemorySegment forked = Kernel.rootless() && container.namespaces().contains(Namespace.PID)
                    ? arena.allocate(JAVA_INT) : null;
            taskFds = ContainerLauncher.openForWriting(first.cgroup().selfPlacementFiles());
            ChildProgram program = ExecProgram.build(arena, container, exec, stdio, sync[0], error[1], target,
                    first.pid(), forked, taskFds);

            MemorySegment pidfdOut = arena.allocate(JAVA_INT);
            MemorySegment args = cloneArgs(arena, pidfdOut);
            int pidNamespace = container.namespaces().contains(Namespace.PID) && forked == null ? target : -1;
            JoiningChildren.enter();
            joining = true;
            long pid;
            // Born in the container's cgroup and PID namespace, as its first process was.
            pid = ContainerLauncher.clone(arena, args, program, first.cgroup().unifiedDirectory(), pidNamespace,
                    linux_h.CLONE_NEWPID());
            if (pid >= 0) {
                pidfd = pidfdOut.get(JAVA_INT, 0); // first: from here on a failure must kill the child
            }
            ContainerLauncher.closeChildEnds(stdio, sync, error);
            ContainerLauncher.closeAll(taskFds); // the child has its own copies: it moves itself in
            java.util.Arrays.fill(taskFds, -1);
            if (pid < 0) {
                throw cloneFailed(container, clone_args.flags(args), (int) -pid);
            }

            // As for a container's command: a terminal's master first, then the release.
            boolean released = ContainerLauncher.releaseAndAwaitExec(stdio, sync, error, arena);

            if (ContainerLauncher.TRACE) {
                System.err.print("hako: exec in container " + container.id() + " child program:\n"
                        + program.describeRun());
            }
            if (forked != null && forked.get(JAVA_INT, 0) > 0) {
                // The first child forked and ended: its child, the JVM's (CLONE_PARENT), is the
                // process from here on, also when it failed (it is reaped below).
                Reaper.reapNow(pidfd);
                Libc.close(pidfd);
                pidfd = -1;
                pid = forked.get(JAVA_INT, 0);
                pidfd = Libc.pidfdOpen(pid);
            }
            var failure = program.failure();
            if (failure.isPresent() || !reachedExecve(program)) {
                ExitStatus status = Reaper.reapNow(pidfd);
                Libc.close(pidfd);
                pidfd = -1;
                if (failure.isEmpty()) {
                    // Killed on the way (the container's root may signal it; a closing container kills it).
                    if (first.hasExited()) {
                        throw exited(container, null);
                    }
                    if (!released) {
                        throw ContainerLauncher.noTerminal("exec in container " + container.id(), program, status);
                    }
                    throw new ContainerException("exec in container " + container.id()
                            + ": the process died before its command ran (" + status + ")\nchild program:\n"
                            + program.describeRun());
                }
                throw setupFailed(container, exec, program, failure.get(), status);
            }
            CompletableFuture<ExitStatus> exit = Reaper.get().watch(pidfd);
            return Launched.joined(pid, pidfd, exit, stdio);
        } catch (ContainerException | IllegalArgumentException e) {
            cleanUp(stdio, sync, error, pidfd);
            throw e;
        } catch (IllegalStateException e) {
            cleanUp(stdio, sync, error, pidfd);
            if (e.getCause() instanceof SyscallException s && s.errno() == linux_h.ESRCH()) {
                throw exited(container, e);
            }
            if (first.hasExited()) {
                throw exited(container, e);
            }
            throw new ContainerException("exec in container " + container.id() + " failed: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            cleanUp(stdio, sync, error, pidfd);
            throw new ContainerException("exec in container " + container.id() + " failed: " + e.getMessage(), e);
        } finally {
            // After cleanUp: a child that was cloned has exec'd or been reaped by now.
            if (joining) {
                JoiningChildren.leave();
            }
            Libc.closeQuietly(target);
            ContainerLauncher.closeAll(taskFds); // closed already after a clone; -1 then
            arena.close();
        }
    }

    /** Whether every step before the execve attempts ran: else the child died before it got there. */
    private static boolean reachedExecve(ChildProgram program) {
        List<ChildProgram.Step> steps = program.steps();
        for (int i = 0; i < steps.size(); i++) {
            if (ContainerLauncher.COMMAND.equals(steps.get(i).purpose().option())) {
                return i == 0 || program.result(i - 1).isPresent();
            }
        }
        return false;
    }

    private static MemorySegment cloneArgs(Arena arena, MemorySegment pidfdOut) {
        MemorySegment args = clone_args.allocate(arena);
        args.fill((byte) 0);
        MemorySegment stack = arena.allocate(ContainerLauncher.STACK_SIZE, 16);
        // No CLONE_NEW*: the child joins, it creates nothing.
        clone_args.flags(args, linux_h.CLONE_VM() | linux_h.CLONE_PIDFD() | linux_h.CLONE_CLEAR_SIGHAND());
        clone_args.pidfd(args, pidfdOut.address());
        clone_args.exit_signal(args, linux_h.SIGCHLD());
        clone_args.stack(args, stack.address());
        clone_args.stack_size(args, ContainerLauncher.STACK_SIZE);
        return args;
    }

    private static ContainerException exited(LaunchConfig container, Exception cause) {
        return new ContainerException("cannot exec in container " + container.id()
                + ": its first process has exited, and its namespaces with it", cause);
    }

    private static ContainerException cloneFailed(LaunchConfig container, long flags, int errno) {
        // A PID namespace whose init has exited takes no new process: alloc_pid fails with ENOMEM.
        if (errno == linux_h.ENOMEM() && container.namespaces().contains(Namespace.PID)) {
            return exited(container, null);
        }
        String hint = errno == linux_h.ENOSPC() || errno == linux_h.EAGAIN()
                ? ": a limit on processes was reached (the container's pids limit?)"
                : "";
        return new ContainerException("exec in container " + container.id() + ": clone3("
                + Flags.render("CLONE_", flags) + "): " + Errno.describe(errno) + hint);
    }

    private static ContainerException setupFailed(LaunchConfig container, ExecConfig exec, ChildProgram program,
                                                  ChildProgram.Failure f, ExitStatus status) {
        Purpose purpose = f.step().purpose();
        if (ContainerLauncher.COMMAND.equals(purpose.option())) {
            return ContainerLauncher.execFailed(container.id(), exec.command().get(0), exec.path(),
                    container.rootfs().toString(), program);
        }
        if (f.step().nr() == linux_h.SYS_setns() && f.errno() == linux_h.ESRCH()) {
            return exited(container, null);
        }
        return new ContainerException("exec in container " + container.id() + " failed at " + purpose + ": " + f
                + " (child " + status + ")\nchild program:\n" + program.describeRun());
    }

    private static void cleanUp(Stdio stdio, int[] sync, int[] error, int pidfd) {
        ChildCleanup.undo(stdio, sync, error, pidfd);
    }
}
