package dev.hako.bench;

import dev.hako.linux.linux_h;
import dev.hako.seccomp.Arch;
import dev.hako.seccomp.Filter;
import dev.hako.seccomp.Profile;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What one system call costs under a seccomp filter: {@code getppid} (the cheapest call
 * there is, so the filter's share shows) and {@code getcwd}, by raw {@code syscall(2)},
 * with no filter and with Docker's default profile as hako compiles it, for the default
 * capabilities and for SYS_ADMIN. The filter has to be on the measured thread itself, so
 * the benchmark thread installs it (with no_new_privs, on itself only: no TSYNC) in its
 * trial setup; each {@code profile} runs in a JVM of its own ({@code @Fork}), and a
 * filter never outlives it. What a container's command pays per call is the same kernel
 * path. No root needed.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Threads(1)
@State(Scope.Thread)
public class SyscallCostBenchmark {
    private static final MethodHandle SYSCALL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("syscall").orElseThrow(),
            // all five after the number, so that prctl's unused arguments are zero, as it demands
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
            Linker.Option.firstVariadicArg(1));

    /** none, or Docker's default for the default capabilities, or for capAdd(SYS_ADMIN). */
    @Param({"none", "docker", "dockerSysAdmin"})
    public String profile;

    private final long getppid = linux_h.SYS_getppid();
    private final long getcwd = linux_h.SYS_getcwd();
    private MemorySegment buffer;

    @Setup(Level.Trial)
    public void installFilter() throws Throwable {
        buffer = Arena.global().allocate(4096);
        Profile p = switch (profile) {
            case "none" -> null;
            case "docker" -> Profile.dockerDefault();
            case "dockerSysAdmin" -> Profile.dockerDefault(List.of("SYS_ADMIN", "SYS_CHROOT"));
            default -> throw new IllegalArgumentException("profile: none, docker or dockerSysAdmin");
        };
        if (p == null) {
            return;
        }
        Filter f = p.compile(Arch.host());
        byte[] bytes = f.bytes();
        MemorySegment insns = Arena.global().allocate(bytes.length, 8);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, insns, 0, bytes.length);
        // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
        MemorySegment prog = Arena.global().allocate(linux_h.HAKO_SOCK_FPROG_SIZE(), 8);
        prog.set(ValueLayout.JAVA_SHORT, linux_h.HAKO_SOCK_FPROG_LEN(), (short) f.length());
        prog.set(ValueLayout.ADDRESS, linux_h.HAKO_SOCK_FPROG_FILTER(), insns);
        long nnp = (long) SYSCALL.invokeExact((long) linux_h.SYS_prctl(), (long) linux_h.PR_SET_NO_NEW_PRIVS(), 1L, 0L, 0L, 0L);
        long installed = (long) SYSCALL.invokeExact((long) linux_h.SYS_seccomp(),
                (long) linux_h.SECCOMP_SET_MODE_FILTER(), 0L, prog.address(), 0L, 0L);
        if (nnp != 0 || installed != 0) {
            throw new IllegalStateException("could not install " + f + " on the benchmark thread");
        }
    }

    @Benchmark
    public long getppid() throws Throwable {
        return (long) SYSCALL.invokeExact(getppid, 0L, 0L, 0L, 0L, 0L);
    }

    @Benchmark
    public long getcwd() throws Throwable {
        return (long) SYSCALL.invokeExact(getcwd, buffer.address(), 4096L, 0L, 0L, 0L);
    }
}
