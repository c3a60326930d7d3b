package dev.hako.cgroup;

import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.clone_args;
import dev.hako.linux.linux_h;
import dev.hako.program.ChildProgram;
import dev.hako.program.Trampoline;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A container's first process as the launcher clones it: through the trampoline, with
 * {@code CLONE_VM | CLONE_PIDFD | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP}, born in
 * {@code cgroup}; it runs {@code /bin/sleep 600}. The arena must stay open until the child
 * has exec'd (it has when {@link #start} returns and the process's comm is sleep).
 */
record CloneIntoCgroup(long pid, int pidfd) implements AutoCloseable {
    private static final long STACK_SIZE = 64 * 1024;

    static CloneIntoCgroup start(Arena arena, Path cgroup) throws SyscallException {
        ChildProgram.Builder steps = ChildProgram.builder(arena);
        steps.execve("/bin/sleep", steps.cStringArray(List.of("sleep", "600")), List.of("sleep", "600"), 0, 0);
        ChildProgram program = steps.build();
        MemorySegment pidfdOut = arena.allocate(JAVA_INT);
        MemorySegment args = clone_args.allocate(arena);
        args.fill((byte) 0);
        MemorySegment stack = arena.allocate(STACK_SIZE, 16);
        try (Libc.OpenDirectory dir = Libc.openDirectory(cgroup.toString())) {
            clone_args.flags(args, linux_h.CLONE_VM() | linux_h.CLONE_PIDFD() | linux_h.CLONE_CLEAR_SIGHAND()
                    | linux_h.CLONE_INTO_CGROUP());
            clone_args.cgroup(args, dir.fd());
            clone_args.pidfd(args, pidfdOut.address());
            clone_args.exit_signal(args, linux_h.SIGCHLD());
            clone_args.stack(args, stack.address());
            clone_args.stack_size(args, STACK_SIZE);
            MemorySegment control = Trampoline.controlBlock(arena, args, program, 121);
            long pid = Trampoline.get().spawn(control.address());
            if (pid < 0) {
                throw new SyscallException("clone3 with CLONE_INTO_CGROUP into " + cgroup, (int) -pid);
            }
            return new CloneIntoCgroup(pid, pidfdOut.get(JAVA_INT, 0));
        }
    }

    /** Waits for the child and reaps it: its exit code, or 128 + the signal that killed it. */
    int waitForExit() throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(linux_h.HAKO_SIGINFO_SIZE(), 8);
            Libc.waitid(pidfd, info, linux_h.WEXITED());
            int code = info.get(JAVA_INT, linux_h.HAKO_SI_CODE());
            int status = info.get(JAVA_INT, linux_h.HAKO_SI_STATUS());
            return code == linux_h.CLD_EXITED() ? status : 128 + status;
        }
    }

    /** Kills the child if it still runs and reaps it. */
    @Override
    public void close() {
        try {
            Libc.pidfdSendSignal(pidfd, linux_h.SIGKILL());
            waitForExit();
        } catch (SyscallException e) {
            // reaped already
        } finally {
            Libc.closeQuietly(pidfd);
        }
    }
}
