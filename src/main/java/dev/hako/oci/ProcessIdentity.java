package dev.hako.oci;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * A process named by its pid and its start time, which together survive the pid's reuse:
 * every command but create finds the container's process this way, since none of them
 * holds a pidfd from its clone.
 */
final class ProcessIdentity {
    private ProcessIdentity() {
    }

    /** The start time of {@code pid} in clock ticks since boot; empty when there is no such process or it is a zombie. */
    static OptionalLong startTime(long pid) {
        if (pid <= 0) {
            return OptionalLong.empty();
        }
        String stat;
        try {
            stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return OptionalLong.empty();
        }
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so fields count from the last ')'.
        int end = stat.lastIndexOf(')');
        if (end < 0) {
            return OptionalLong.empty();
        }
        String[] fields = stat.substring(end + 2).trim().split(" ");
        // fields[0] is the state (field 3); the start time is field 22.
        if (fields.length < 20 || fields[0].equals("Z") || fields[0].equals("X")) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(fields[19]));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Whether {@code pid} is still the process that started at {@code startTime} (and not a zombie). */
    static boolean isAlive(long pid, long startTime) {
        OptionalLong now = startTime(pid);
        return now.isPresent() && now.getAsLong() == startTime;
    }
}
