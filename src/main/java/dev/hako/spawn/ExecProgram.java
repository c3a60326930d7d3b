package dev.hako.spawn;

import dev.hako.Namespace;
import dev.hako.linux.clone_args;
import dev.hako.linux.Signals;
import dev.hako.linux.linux_h;
import dev.hako.program.ChildProgram;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Set;

/**
 * Writes the program of a child that joins a running container (exec): no namespace is
 * created and nothing is mounted; the child enters the container's namespaces through a
 * pidfd of its first process, waits until the parent has put it into the container's v1
 * cgroups, then takes on the container's privileges and execs.
 *
 * <p>Order: non-dumpable first (it shares the JVM's memory and is visible inside the
 * container from the moment it exists; see {@link JoiningChildren}), the fd table (host
 * files of the redirects are opened here, before the mount namespace changes), the
 * namespaces, the terminal (after the setns, so that the pty comes from the container's devpts,
 * and before the wait, since the parent receives its master before the release), the wait
 * for the parent, then exactly the container's own sequence: privileges, working
 * directory, signals, seccomp, execve.
 */
final class ExecProgram {
    private ExecProgram() {
    }

    /**
     * {@code forkedPid}: null when the spawner thread had the child born in the container's
     * PID namespace; else the child joins that namespace itself (a JVM without root may not
     * put its spawner thread there), which counts only for its children, so it forks once
     * and ends: the new child, whose parent is the JVM ({@code CLONE_PARENT}), goes on, and
     * the kernel writes its pid to {@code forkedPid} (an int, in the JVM's memory).
     * {@code cgroupTaskFds}: the v1 {@code tasks} files of the container's cgroup, which the
     * child moves itself into.
     */
    static ChildProgram build(Arena arena, LaunchConfig container, ExecConfig exec, Stdio stdio, int syncReadFd,
                              int errorWriteFd, int targetPidfd, long targetPid, MemorySegment forkedPid,
                              int[] cgroupTaskFds) {
        ChildProgram.Builder p = ChildProgram.builder(arena);
        p.setsUpInternals("a child that shares the JVM's memory until execve");
        p.prctl(linux_h.PR_SET_DUMPABLE(), "PR_SET_DUMPABLE", 0, "0")
                .note("first: nothing in the container may ptrace this child or open its /proc/PID/mem,"
                        + " which is the JVM's memory");
        int[] extra = new int[1 + cgroupTaskFds.length];
        extra[0] = targetPidfd;
        System.arraycopy(cgroupTaskFds, 0, extra, 1, cgroupTaskFds.length);
        ContainerProgram.ChildFds fds = ContainerProgram.rebuildFdTable(p, stdio, syncReadFd, errorWriteFd, List.of(),
                extra);
        int target = fds.extra()[0];
        ContainerProgram.placeItself(p, java.util.Arrays.copyOfRange(fds.extra(), 1, extra.length));
        p.setsUpInternals("the child's process attributes");
        if (container.dieWithJvm()) {
            p.prctl(linux_h.PR_SET_PDEATHSIG(), "PR_SET_PDEATHSIG", linux_h.SIGKILL(), "SIGKILL")
                    .note("die with the JVM (bound to the spawner thread, which lives as long as the JVM)");
        }
        p.setsid().note("own session: no signals from the JVM's terminal");
        p.setsUpInternals("the namespaces of container " + container.id());
        // setns into a mount namespace sets the root to the namespace's own root, which need
        // not be the container's: for a JVM in a chroot, the container's pivot_root leaves the
        // host's / as its namespace's root, and an exec would land there. So the child takes
        // the first process's root before the setns (the setns through the pidfd fails if that
        // process died, so the pid still named it) and goes into it after.
        int root = p.open("/proc/" + targetPid + "/root", linux_h.O_PATH() | linux_h.O_DIRECTORY()
                | linux_h.O_CLOEXEC(), 0);
        p.note("the root of the container's first process, as the JVM sees it");
        p.setns(target, namespaceFlags(container.namespaces()))
                .note("all at once, through a pidfd of the container's first process; the PID namespace"
                        + " was the spawner thread's for this clone already");
        p.close(target);
        p.fchdir(root).chroot(".").note("the container's root, not its mount namespace's").close(root);
        if (forkedPid != null) {
            forkIntoThePidNamespace(p, container, forkedPid);
        }
        // After the setns: /dev/pts is now the container's own devpts, as for its command's terminal.
        ContainerProgram.addTerminal(p, fds, exec.terminal(), exec.user());
        p.setsUpInternals("waiting for the parent to place the child in the container's cgroups");
        p.read(fds.sync(), 1).zeroFails()
                .note("wait until the parent has placed the child and releases it (EOF: it gave up)");
        ContainerProgram.becomeTheCommand(p, container, exec.user(), exec.workingDir(), exec.command(), exec.env(),
                exec.path(), Signals.ignoredByThisProcess());
        return p.build();
    }

    private static void forkIntoThePidNamespace(ChildProgram.Builder p, LaunchConfig container, MemorySegment forkedPid) {
        p.setsUpInternals("a child in the container's PID namespace");
        MemorySegment args = clone_args.allocate(p.arena());
        args.fill((byte) 0);
        MemorySegment stack = p.arena().allocate(ContainerLauncher.STACK_SIZE, 16);
        // exit_signal stays 0: with CLONE_PARENT the new child's is its parent's (SIGCHLD).
        clone_args.flags(args, linux_h.CLONE_VM() | linux_h.CLONE_PARENT() | linux_h.CLONE_PARENT_SETTID());
        clone_args.parent_tid(args, forkedPid.address());
        clone_args.stack(args, stack.address());
        clone_args.stack_size(args, ContainerLauncher.STACK_SIZE);
        p.step(linux_h.SYS_clone3(), "clone3({CLONE_VM|CLONE_PARENT|CLONE_PARENT_SETTID, own stack})", args.address(),
                        clone_args.sizeof())
                .exitIfPositive()
                .note("the setns gave the PID namespace to this child's children: the new one, the JVM's child,"
                        + " goes on; this one is done");
        p.setsUpInternals("the child's process attributes");
        if (container.dieWithJvm()) {
            p.prctl(linux_h.PR_SET_PDEATHSIG(), "PR_SET_PDEATHSIG", linux_h.SIGKILL(), "SIGKILL")
                    .note("a fork does not keep it");
        }
        p.setsid().note("own session, for a terminal of its own");
    }

    /** The container's namespaces as setns flags (the cgroup namespace included: its first process made one). */
    static long namespaceFlags(Set<Namespace> namespaces) {
        long flags = 0;
        for (Namespace ns : namespaces) {
            flags |= ContainerLauncher.namespaceFlag(ns);
        }
        return flags;
    }
}
