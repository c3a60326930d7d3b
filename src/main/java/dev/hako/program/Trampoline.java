package dev.hako.program;

import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The clone trampoline, mapped executable once per JVM: blocks signals, clone3s, restores
 * the mask in the parent and runs a {@link ChildProgram} in the child. See the .S sources
 * in src/main/asm for the routine itself.
 */
public final class Trampoline {
    private static final long PAGE = 4096;
    private static volatile Trampoline instance;

    private final MethodHandle spawn;

    private Trampoline(MethodHandle spawn) {
        this.spawn = spawn;
    }

    public static Trampoline get() throws SyscallException {
        Trampoline t = instance;
        if (t == null) {
            synchronized (Trampoline.class) {
                t = instance;
                if (t == null) {
                    instance = t = load();
                }
            }
        }
        return t;
    }

    private static Trampoline load() throws SyscallException {
        byte[] bytes = TrampolineCode.forThisMachine();
        long size = (bytes.length + PAGE - 1) / PAGE * PAGE;
        // Written while writable, then flipped to read+exec: never writable and executable at
        // once. On arm64 the kernel syncs the instruction cache when it maps the page executable.
        MemorySegment code = Libc.mmapAnonymous(size, linux_h.PROT_READ() | linux_h.PROT_WRITE());
        MemorySegment.copy(bytes, 0, code, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
        Libc.mprotect(code, linux_h.PROT_READ() | linux_h.PROT_EXEC());
        MethodHandle handle = Linker.nativeLinker().downcallHandle(code, FunctionDescriptor.of(JAVA_LONG, ADDRESS));
        return new Trampoline(handle);
    }

    /**
     * Fills a control block for {@code program} and the given clone3 arguments, in
     * {@code arena}. The block must stay alive until the child has exec'd or died.
     */
    public static MemorySegment controlBlock(Arena arena, MemorySegment cloneArgs, ChildProgram program, int failureExitCode) {
        MemorySegment c = arena.allocate(TrampolineCode.CONTROL_SIZE, 8);
        c.set(JAVA_LONG, TrampolineCode.CONTROL_CLONE_ARGS, cloneArgs.address());
        c.set(JAVA_LONG, TrampolineCode.CONTROL_CLONE_ARGS_SIZE, cloneArgs.byteSize());
        c.set(JAVA_LONG, TrampolineCode.CONTROL_PROGRAM, program.code().address());
        c.set(JAVA_LONG, TrampolineCode.CONTROL_BLOCK_MASK, -1L);
        c.set(JAVA_LONG, TrampolineCode.CONTROL_NR_RT_SIGPROCMASK, linux_h.SYS_rt_sigprocmask());
        c.set(JAVA_LONG, TrampolineCode.CONTROL_NR_CLONE3, linux_h.SYS_clone3());
        c.set(JAVA_LONG, TrampolineCode.CONTROL_NR_EXIT, linux_h.SYS_exit());
        c.set(JAVA_LONG, TrampolineCode.CONTROL_SIG_SETMASK, linux_h.SIG_SETMASK());
        c.set(JAVA_LONG, TrampolineCode.CONTROL_SIGSET_SIZE, linux_h.HAKO_KERNEL_SIGSET_SIZE());
        c.set(JAVA_LONG, TrampolineCode.CONTROL_FAILURE_CODE, failureExitCode);
        c.set(JAVA_LONG, TrampolineCode.CONTROL_SKIP_RESULT, -linux_h.ENOENT());
        return c;
    }

    /** Runs the routine on the calling thread: the child's pid, or -errno. */
    public long spawn(long controlBlockAddress) {
        try {
            return (long) spawn.invokeExact(MemorySegment.ofAddress(controlBlockAddress));
        } catch (Throwable t) {
            throw new IllegalStateException("calling the clone trampoline failed", t);
        }
    }
}
