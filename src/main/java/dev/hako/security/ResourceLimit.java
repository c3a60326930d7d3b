package dev.hako.security;

import dev.hako.linux.linux_h;
import dev.hako.program.ChildProgram;

import java.lang.foreign.MemorySegment;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One resource limit of a container's command, like Docker's {@code --ulimit}: an
 * {@code RLIMIT_*} with its soft and hard values, set in the child with {@code prlimit64}.
 * {@link #UNLIMITED} ({@code RLIM_INFINITY}) means no limit.
 *
 * @param name the resource's name without {@code RLIMIT_}, like {@code NOFILE}
 * @param resource its number, from the bindings
 * @param soft the soft limit
 * @param hard the hard limit (compared unsigned, so that {@link #UNLIMITED} is the largest)
 */
public record ResourceLimit(String name, int resource, long soft, long hard) {

    /** No limit: {@code RLIM_INFINITY}, -1 as a Java long. */
    public static final long UNLIMITED = linux_h.RLIM_INFINITY();

    private static final Map<String, Integer> NUMBERS = numbers();

    /**
     * The limit {@code name} ({@code NOFILE} or {@code RLIMIT_NOFILE}, any case) with its
     * values, checked.
     *
     * @throws IllegalArgumentException for an unknown name, a negative value other than
     *         {@link #UNLIMITED}, or soft above hard; naming the option {@code rlimit}
     */
    public static ResourceLimit of(String name, long soft, long hard) {
        if (name == null) {
            throw new IllegalArgumentException("rlimit: the resource name is null");
        }
        String upper = name.trim().toUpperCase(Locale.ROOT);
        String key = upper.startsWith("RLIMIT_") ? upper.substring(7) : upper;
        Integer resource = NUMBERS.get(key);
        if (resource == null) {
            throw new IllegalArgumentException("rlimit(\"" + name + "\", ...): no such resource; known are "
                    + String.join(", ", NUMBERS.keySet()) + " (RLIMIT_ prefix optional)");
        }
        for (long v : new long[] {soft, hard}) {
            if (v < 0 && v != UNLIMITED) {
                throw new IllegalArgumentException("rlimit(\"" + name + "\", " + soft + ", " + hard + "): "
                        + v + " is negative; use ResourceLimit.UNLIMITED (-1) for no limit");
            }
        }
        if (Long.compareUnsigned(soft, hard) > 0) {
            throw new IllegalArgumentException("rlimit(\"" + name + "\", " + show(soft) + ", " + show(hard)
                    + "): the soft limit is above the hard limit; soft must be at most hard");
        }
        return new ResourceLimit(key, resource, soft, hard);
    }

    /** The value as the kernel's interfaces print it: a number, or {@code unlimited}. */
    public static String show(long value) {
        return value == UNLIMITED ? "unlimited" : Long.toUnsignedString(value);
    }

    /** {@code prlimit64(0, RLIMIT_x, {soft, hard}, NULL)}: lowering always works, raising the hard limit needs CAP_SYS_RESOURCE. */
    public void addSteps(ChildProgram.Builder p) {
        MemorySegment limit = p.arena().allocate(linux_h.HAKO_RLIMIT_SIZE(), 8);
        limit.set(JAVA_LONG, linux_h.HAKO_RLIM_CUR(), soft);
        limit.set(JAVA_LONG, linux_h.HAKO_RLIM_MAX(), hard);
        p.step(linux_h.SYS_prlimit64(), () -> "prlimit64(0, RLIMIT_" + name + ", {rlim_cur=" + show(soft)
                + ", rlim_max=" + show(hard) + "}, NULL)", 0, resource, limit.address(), 0);
    }

    @Override
    public String toString() {
        return "RLIMIT_" + name + "=" + show(soft) + ":" + show(hard);
    }

    private static Map<String, Integer> numbers() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("AS", linux_h.RLIMIT_AS());
        m.put("CORE", linux_h.RLIMIT_CORE());
        m.put("CPU", linux_h.RLIMIT_CPU());
        m.put("DATA", linux_h.RLIMIT_DATA());
        m.put("FSIZE", linux_h.RLIMIT_FSIZE());
        m.put("LOCKS", linux_h.RLIMIT_LOCKS());
        m.put("MEMLOCK", linux_h.RLIMIT_MEMLOCK());
        m.put("MSGQUEUE", linux_h.RLIMIT_MSGQUEUE());
        m.put("NICE", linux_h.RLIMIT_NICE());
        m.put("NOFILE", linux_h.RLIMIT_NOFILE());
        m.put("NPROC", linux_h.RLIMIT_NPROC());
        m.put("RSS", linux_h.RLIMIT_RSS());
        m.put("RTPRIO", linux_h.RLIMIT_RTPRIO());
        m.put("RTTIME", linux_h.RLIMIT_RTTIME());
        m.put("SIGPENDING", linux_h.RLIMIT_SIGPENDING());
        m.put("STACK", linux_h.RLIMIT_STACK());
        return Collections.unmodifiableMap(m);
    }
}
