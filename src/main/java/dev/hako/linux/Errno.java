package dev.hako.linux;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Set;

/** Names and texts of errno values, e.g. {@code ENOENT (No such file or directory)}. */
public final class Errno {
    /** Aliases that share a value with a better-known name; the other name is shown. */
    private static final Set<String> ALIASES = Set.of("EWOULDBLOCK", "EDEADLOCK", "ENOTSUP");
    private static final Map<Long, String> NAMES = ConstantNames.withPrefix("E", ALIASES);

    private Errno() {
    }

    /** The symbol, like {@code ENOENT}, or {@code errno 1234} for an unknown value. */
    public static String name(int errno) {
        String name = NAMES.get((long) errno);
        return name != null ? name : "errno " + errno;
    }

    /** The C library's text for the value, like {@code No such file or directory}. */
    public static String text(int errno) {
        MemorySegment text = linux_h.strerror(errno);
        return text.reinterpret(1024).getString(0);
    }

    /** Symbol and text: {@code ENOENT (No such file or directory)}. */
    public static String describe(int errno) {
        return name(errno) + " (" + text(errno) + ")";
    }
}
