package dev.hako.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The three {@code bpf(2)} commands hako uses, for the device policy on cgroup v2: load a
 * program, attach it to a cgroup, and count what is attached (for tests and checks).
 * Every {@code union bpf_attr} offset comes from the generated bindings. glibc has no
 * wrapper for bpf, so it is called through {@code syscall(SYS_bpf, cmd, attr, size)}.
 */
public final class Bpf {
    /** {@code syscall} with its variadic part spelled out: (number, cmd, attr, size). */
    private static final MethodHandle SYSCALL_BPF = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG),
            Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
    /** Room for the verifier's log of a rejected program; the programs hako loads are short. */
    private static final int LOG_SIZE = 64 * 1024;

    private Bpf() {
    }

    /** A program the kernel refused to load, with the verifier's explanation when it gave one. */
    public static final class LoadException extends java.io.IOException {
        private static final long serialVersionUID = 1L;
        private final int errno;
        private final String verifierLog;

        LoadException(String what, int errno, String verifierLog) {
            super(what + ": " + Errno.describe(errno) + (verifierLog.isEmpty() ? "" : "; verifier log:\n" + verifierLog));
            this.errno = errno;
            this.verifierLog = verifierLog;
        }

        public int errno() {
            return errno;
        }

        /** What the verifier said, empty when the load failed before it ran (EPERM, ENOMEM). */
        public String verifierLog() {
            return verifierLog;
        }
    }

    /**
     * {@code BPF_PROG_LOAD}: loads {@code count} instructions of {@code code} (each
     * {@code HAKO_BPF_INSN_SIZE} bytes, in the machine's order) as a program of
     * {@code progType} and returns its fd (close-on-exec, as the kernel always makes it).
     * A first try runs without a log; when it fails, a second one asks the verifier why.
     *
     * @param name up to 15 characters, shown by {@code bpftool prog}
     * @throws LoadException with the errno and the verifier's log
     */
    public static int progLoad(int progType, byte[] code, int count, String license, String name)
            throws LoadException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment insns = arena.allocate(code.length, 8);
            insns.copyFrom(MemorySegment.ofArray(code));
            MemorySegment cLicense = arena.allocateFrom(license);
            MemorySegment attr = attr(arena);
            attr.set(JAVA_INT, linux_h.HAKO_BPF_PROG_TYPE(), progType);
            attr.set(JAVA_INT, linux_h.HAKO_BPF_INSN_CNT(), count);
            attr.set(JAVA_LONG, linux_h.HAKO_BPF_INSNS(), insns.address());
            attr.set(JAVA_LONG, linux_h.HAKO_BPF_LICENSE(), cLicense.address());
            byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
            MemorySegment.copy(nameBytes, 0, attr, JAVA_BYTE, linux_h.HAKO_BPF_PROG_NAME(),
                    Math.min(nameBytes.length, linux_h.BPF_OBJ_NAME_LEN() - 1));
            String what = "bpf(BPF_PROG_LOAD, " + name + ", " + count + " instructions)";
            long fd = bpf(linux_h.BPF_PROG_LOAD(), attr);
            if (fd >= 0) {
                return (int) fd;
            }
            MemorySegment log = arena.allocate(LOG_SIZE);
            attr.set(JAVA_INT, linux_h.HAKO_BPF_LOG_LEVEL(), 1);
            attr.set(JAVA_INT, linux_h.HAKO_BPF_LOG_SIZE(), LOG_SIZE);
            attr.set(JAVA_LONG, linux_h.HAKO_BPF_LOG_BUF(), log.address());
            long again = bpf(linux_h.BPF_PROG_LOAD(), attr);
            if (again >= 0) {
                // Loaded when asked for a log (a transient failure like EAGAIN before): keep it.
                return (int) again;
            }
            throw new LoadException(what, (int) -again, log.getString(0).strip());
        }
    }

    /**
     * {@code BPF_PROG_ATTACH}: attaches program {@code progFd} to {@code targetFd} (a cgroup
     * directory) as {@code attachType}, with {@code flags} such as {@code BPF_F_ALLOW_MULTI}.
     * The attachment holds its own reference: the caller may close {@code progFd} at once.
     */
    public static void progAttach(int targetFd, int progFd, int attachType, int flags) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = attr(arena);
            attr.set(JAVA_INT, linux_h.HAKO_BPF_TARGET_FD(), targetFd);
            attr.set(JAVA_INT, linux_h.HAKO_BPF_ATTACH_BPF_FD(), progFd);
            attr.set(JAVA_INT, linux_h.HAKO_BPF_ATTACH_TYPE(), attachType);
            attr.set(JAVA_INT, linux_h.HAKO_BPF_ATTACH_FLAGS(), flags);
            long r = bpf(linux_h.BPF_PROG_ATTACH(), attr);
            if (r < 0) {
                throw new SyscallException("bpf(BPF_PROG_ATTACH, target fd " + targetFd + ", program fd " + progFd
                        + ", type " + attachType + ")", (int) -r);
            }
        }
    }

    /** {@code BPF_PROG_QUERY}: how many programs of {@code attachType} are attached to {@code targetFd} itself. */
    public static int progCount(int targetFd, int attachType) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = attr(arena);
            attr.set(JAVA_INT, linux_h.HAKO_BPF_QUERY_TARGET_FD(), targetFd);
            attr.set(JAVA_INT, linux_h.HAKO_BPF_QUERY_ATTACH_TYPE(), attachType);
            long r = bpf(linux_h.BPF_PROG_QUERY(), attr);
            if (r < 0) {
                throw new SyscallException("bpf(BPF_PROG_QUERY, target fd " + targetFd + ", type " + attachType + ")",
                        (int) -r);
            }
            return attr.get(JAVA_INT, linux_h.HAKO_BPF_QUERY_PROG_CNT());
        }
    }

    private static MemorySegment attr(Arena arena) {
        MemorySegment attr = arena.allocate(linux_h.HAKO_BPF_ATTR_SIZE(), 8);
        attr.fill((byte) 0);
        return attr;
    }

    /** One bpf call: its result, or -errno (EINTR retried). */
    private static long bpf(int cmd, MemorySegment attr) {
        try {
            return Libc.call(() -> "bpf", s -> (long) SYSCALL_BPF.invoke(s, (long) linux_h.SYS_bpf(), (long) cmd,
                    attr, attr.byteSize()));
        } catch (SyscallException e) {
            return -e.errno();
        }
    }
}
