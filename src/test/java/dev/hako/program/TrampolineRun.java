package dev.hako.program;

import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.clone_args;
import dev.hako.linux.linux_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A small child program run by the real trampoline, cloned as the launcher clones a
 * container's child ({@code CLONE_VM | CLONE_PIDFD | CLONE_CLEAR_SIGHAND}, plus the
 * namespaces asked for), from the calling thread. The program's memory ({@code arena})
 * must stay open until {@link #waitForExit()} has returned.
 *
 * <p>A child that changes its ids (even to root inside a user namespace of its own: that is
 * uid 100000 to the kernel) makes the kernel clear the dumpable flag of the memory it shares
 * with the JVM; as the launcher does, the flag is given back once the child is gone.
 */
final class TrampolineRun implements AutoCloseable {
    /** The child's exit code when a step stops it. */
    static final int FAILED = 121;
    private static final long STACK_SIZE = 64 * 1024;

    private final long pid;
    private int pidfd;
    private final boolean wasDumpable;

    private TrampolineRun(long pid, int pidfd, boolean wasDumpable) {
        this.pid = pid;
        this.pidfd = pidfd;
        this.wasDumpable = wasDumpable;
    }

    static TrampolineRun start(Arena arena, ChildProgram program, long namespaceFlags) throws SyscallException {
        MemorySegment pidfdOut = arena.allocate(JAVA_INT);
        MemorySegment args = clone_args.allocate(arena);
        args.fill((byte) 0);
        MemorySegment stack = arena.allocate(STACK_SIZE, 16);
        clone_args.flags(args, linux_h.CLONE_VM() | linux_h.CLONE_PIDFD() | linux_h.CLONE_CLEAR_SIGHAND() | namespaceFlags);
        clone_args.pidfd(args, pidfdOut.address());
        clone_args.exit_signal(args, linux_h.SIGCHLD());
        clone_args.stack(args, stack.address());
        clone_args.stack_size(args, STACK_SIZE);
        MemorySegment control = Trampoline.controlBlock(arena, args, program, FAILED);
        boolean dumpable = Libc.prctl(linux_h.PR_GET_DUMPABLE(), 0) == 1;
        long pid = Trampoline.get().spawn(control.address());
        if (pid < 0) {
            throw new SyscallException("clone3 (the trampoline)", (int) -pid);
        }
        return new TrampolineRun(pid, pidfdOut.get(JAVA_INT, 0), dumpable);
    }

    long pid() {
        return pid;
    }

    int pidfd() {
        return pidfd;
    }

    /** Waits for the child and reaps it: its exit code, or 128 + the signal that killed it. */
    int waitForExit() throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(linux_h.HAKO_SIGINFO_SIZE(), 8);
            Libc.waitid(pidfd, info, linux_h.WEXITED());
            if (wasDumpable) {
                Libc.prctl(linux_h.PR_SET_DUMPABLE(), 1); // the child is off the JVM's memory now
            }
            int code = info.get(JAVA_INT, linux_h.HAKO_SI_CODE());
            int status = info.get(JAVA_INT, linux_h.HAKO_SI_STATUS());
            return code == linux_h.CLD_EXITED() ? status : 128 + status;
        }
    }

    /** Kills the child if it still runs, reaps it, closes the pidfd. */
    @Override
    public void close() throws SyscallException {
        if (pidfd < 0) {
            return;
        }
        try {
            Libc.pidfdSendSignal(pidfd, linux_h.SIGKILL());
            waitForExit();
        } catch (SyscallException e) {
            // reaped already
        } finally {
            Libc.closeQuietly(pidfd);
            pidfd = -1;
        }
    }
}
