package dev.hako.spawn;

import dev.hako.Namespace;
import dev.hako.linux.linux_h;
import dev.hako.program.ChildProgram;

import java.lang.foreign.Arena;
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

    static ChildProgram build(Arena arena, LaunchConfig container, ExecConfig exec, Stdio stdio, int syncReadFd,
                              int errorWriteFd, int targetPidfd, long targetPid) {
        ChildProgram.Builder p = ChildProgram.builder(arena);
        p.setsUpInternals("a child that shares the JVM's memory until execve");
        p.prctl(linux_h.PR_SET_DUMPABLE(), "PR_SET_DUMPABLE", 0, "0")
                .note("first: nothing in the container may ptrace this child or open its /proc/PID/mem,"
                        + " which is the JVM's memory");
        ContainerProgram.ChildFds fds = ContainerProgram.rebuildFdTable(p, stdio, syncReadFd, errorWriteFd, List.of(),
                targetPidfd);
        int target = fds.extra()[0];
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
        // After the setns: /dev/pts is now the container's own devpts, as for its command's terminal.
        ContainerProgram.addTerminal(p, fds, exec.terminal(), exec.user());
        p.setsUpInternals("waiting for the parent to place the child in the container's cgroups");
        p.read(fds.sync(), 1).zeroFails()
                .note("wait until the parent has placed the child and releases it (EOF: it gave up)");
        ContainerProgram.becomeTheCommand(p, container, exec.user(), exec.workingDir(), exec.command(), exec.env(),
                exec.path());
        return p.build();
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
