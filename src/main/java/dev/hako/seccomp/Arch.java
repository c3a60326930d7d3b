package dev.hako.seccomp;

import dev.hako.linux.linux_h;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An architecture a filter is compiled for. Its system call numbers are read from that
 * architecture's generated bindings ({@code dev.hako.linux.<arch>.linux_h}, every
 * {@code SYS_*} constant), never typed here; a name that architecture's headers lack is
 * not a system call there.
 */
public enum Arch {
    X86_64("x86_64", "SCMP_ARCH_X86_64"),
    AARCH64("aarch64", "SCMP_ARCH_AARCH64");

    private static final String SYSCALL_PREFIX = "SYS_";

    private final String bindingsName;
    private final String ociName;
    private volatile Bindings bindings;

    Arch(String bindingsName, String ociName) {
        this.bindingsName = bindingsName;
        this.ociName = ociName;
    }

    /** The name of this architecture in an OCI profile's {@code architectures}. */
    public String ociName() {
        return ociName;
    }

    /** The name of its bindings' package ({@code x86_64}, {@code aarch64}). */
    public String bindingsName() {
        return bindingsName;
    }

    /** {@code seccomp_data.arch} of a native system call on this architecture. */
    public int auditArch() {
        return switch (this) {
            case X86_64 -> linux_h.AUDIT_ARCH_X86_64();
            case AARCH64 -> linux_h.AUDIT_ARCH_AARCH64();
        };
    }

    /**
     * The bit that marks an x32 system call on a native arch value ({@code __X32_SYSCALL_BIT}
     * on x86_64), which a filter refuses; empty where there is no such ABI.
     */
    public Optional<Integer> x32SyscallBit() {
        return Optional.ofNullable(bindings().constants.get("__X32_SYSCALL_BIT")).map(Long::intValue);
    }

    /** Whether this build has bindings for this architecture (a cross toolchain was present). */
    public boolean generated() {
        return bindings().present;
    }

    /** System call names (without {@code SYS_}) and their numbers on this architecture. */
    public Map<String, Integer> syscalls() {
        Bindings b = bindings();
        if (!b.present) {
            throw new SeccompException("this build of hako has no " + bindingsName
                    + " bindings (it was built without an " + bindingsName
                    + " C toolchain), so it cannot compile seccomp filters for " + bindingsName);
        }
        return b.syscalls;
    }

    /** The number of {@code name} here, or empty when this architecture has no such call. */
    public Optional<Integer> syscall(String name) {
        return Optional.ofNullable(syscalls().get(name));
    }

    /** This JVM's architecture. */
    public static Arch host() {
        return switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> X86_64;
            case "aarch64", "arm64" -> AARCH64;
            default -> throw new SeccompException("seccomp filters are compiled for x86_64 and aarch64 only; this JVM runs on "
                    + System.getProperty("os.arch"));
        };
    }

    private Bindings bindings() {
        Bindings b = bindings;
        if (b == null) {
            b = Bindings.load("dev.hako.linux." + bindingsName + ".linux_h");
            bindings = b;
        }
        return b;
    }

    /** The constants of one architecture's class, read once. */
    private record Bindings(boolean present, Map<String, Integer> syscalls, Map<String, Long> constants) {
        static Bindings load(String className) {
            Class<?> c;
            try {
                c = Class.forName(className);
            } catch (ClassNotFoundException e) {
                return new Bindings(false, Map.of(), Map.of());
            }
            Map<String, Integer> syscalls = new TreeMap<>();
            Map<String, Long> constants = new TreeMap<>();
            for (Method m : c.getMethods()) {
                if (!Modifier.isStatic(m.getModifiers()) || m.getParameterCount() != 0
                        || !(m.getReturnType() == int.class || m.getReturnType() == long.class)) {
                    continue;
                }
                String name = m.getName();
                if (name.startsWith(SYSCALL_PREFIX) || name.equals("__X32_SYSCALL_BIT")) {
                    long value = ((Number) invoke(m)).longValue();
                    if (name.startsWith(SYSCALL_PREFIX)) {
                        syscalls.put(name.substring(SYSCALL_PREFIX.length()), Math.toIntExact(value));
                    } else {
                        constants.put(name, value);
                    }
                }
            }
            return new Bindings(true, Collections.unmodifiableMap(syscalls), Collections.unmodifiableMap(constants));
        }

        private static Object invoke(Method m) {
            try {
                return m.invoke(null);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + m, e);
            }
        }
    }
}
