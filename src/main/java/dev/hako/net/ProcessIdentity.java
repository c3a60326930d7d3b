package dev.hako.net;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A process as a pid and its start time (field 22 of {@code /proc/PID/stat}, in clock ticks
 * since boot), so that a pid the kernel has given to a newer process is not taken for the
 * one that held it: the pair names one process for the whole uptime of the machine.
 *
 * @param pid the process id, in this JVM's pid namespace
 * @param startTime when it started, in clock ticks after boot
 */
public record ProcessIdentity(long pid, long startTime) {
    /** More than any stat line: 52 fields of at most 20 digits and a 16-byte command name. */
    private static final int STAT_LIMIT = 4096;

    /** Checks the values. */
    public ProcessIdentity {
        if (pid <= 0 || startTime < 0) {
            throw new IllegalArgumentException("no process has pid " + pid + " and start time " + startTime);
        }
    }

    /** The process with this pid now, or empty when there is none. */
    public static Optional<ProcessIdentity> of(long pid) throws IOException {
        if (pid <= 0) {
            return Optional.empty();
        }
        byte[] stat;
        try (InputStream in = Files.newInputStream(Path.of("/proc", Long.toString(pid), "stat"))) {
            stat = in.readNBytes(STAT_LIMIT);
        } catch (NoSuchFileException gone) {
            return Optional.empty();
        } catch (IOException e) {
            if ("No such process".equals(e.getMessage()) || e.getMessage() != null && e.getMessage().contains("ESRCH")) {
                return Optional.empty(); // exited between open and read
            }
            throw e;
        }
        return Optional.of(new ProcessIdentity(pid, startTime(new String(stat, StandardCharsets.ISO_8859_1))));
    }

    /** This JVM. */
    public static ProcessIdentity current() {
        return Current.IDENTITY;
    }

    /** Read once: a JVM's pid and start time do not change. */
    private static final class Current {
        static final ProcessIdentity IDENTITY = read();
    }

    private static ProcessIdentity read() {
        try {
            return of(ProcessHandle.current().pid())
                    .orElseThrow(() -> new IllegalStateException("/proc/self/stat is missing: is /proc mounted?"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read this JVM's /proc/PID/stat", e);
        }
    }

    /**
     * Field 22 of a stat line. The command name (field 2) is in parentheses and may hold
     * spaces and parentheses itself, so fields are counted from the last ')'.
     */
    static long startTime(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/PID/stat line: " + Texts.quote(stat));
        }
        String[] fields = stat.substring(close + 1).trim().split(" ");
        int index = 22 - 3; // the fields after ')' start with field 3, the state
        if (fields.length <= index || !fields[index].chars().allMatch(Character::isDigit) || fields[index].isEmpty()
                || fields[index].length() > 19) {
            throw new IllegalArgumentException("no start time (field 22) in the /proc/PID/stat line " + Texts.quote(stat));
        }
        return Long.parseLong(fields[index]);
    }

    /** Whether this very process still exists (a zombie not yet reaped counts). */
    public boolean isRunning() throws IOException {
        return of(pid).map(this::equals).orElse(false);
    }
}
