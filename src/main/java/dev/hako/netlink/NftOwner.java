package dev.hako.netlink;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who added a rule: a container and the process (a JVM) that added it for the container,
 * named by pid and by that pid's start time, so that a pid reused by another process later
 * does not pass for the owner. Stored in the rule's comment as
 * {@code hako container=ID pid=PID start=TICKS}; a sweep deletes the rules whose owner no
 * longer runs ({@link #isAlive()}).
 *
 * <p>Pids are those of the sweeper's PID namespace: JVMs that share hako's table should
 * share a PID namespace too (they do on a host), or a sweep would not see the owner.
 *
 * @param containerId the container's id: 1 to 64 of {@code [A-Za-z0-9_.-]}
 * @param pid the owner's pid, positive
 * @param startTime field 22 of the owner's {@code /proc/PID/stat}: clock ticks after boot
 */
public record NftOwner(String containerId, long pid, long startTime) {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Pattern COMMENT = Pattern.compile(
            "hako container=([A-Za-z0-9_.-]{1,64}) pid=([1-9][0-9]{0,9}) start=(0|[1-9][0-9]{0,19})");
    /** starttime is the 22nd field of /proc/PID/stat; counted from the state (field 3) after the comm. */
    private static final int START_TIME_AFTER_COMM = 22 - 3;
    private static final Path PROC = Path.of("/proc");

    public NftOwner {
        if (containerId == null || !ID.matcher(containerId).matches()) {
            throw new IllegalArgumentException("container id " + (containerId == null ? "null" : "'" + containerId + "'")
                    + " is not 1 to 64 of letters, digits, '_', '.', '-'");
        }
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("owner pid " + pid + " is not a positive pid");
        }
        if (startTime < 0) {
            throw new IllegalArgumentException("owner start time " + startTime + " is negative");
        }
    }

    /** This JVM as the owner of {@code containerId}'s rules. */
    public static NftOwner current(String containerId) throws IOException {
        long pid = ProcessHandle.current().pid();
        return new NftOwner(containerId, pid, startTime(PROC, pid).orElseThrow(
                () -> new IOException("/proc/" + pid + "/stat of this JVM cannot be read")));
    }

    /** The comment that names this owner. */
    public String comment() {
        return "hako container=" + containerId + " pid=" + pid + " start=" + startTime;
    }

    /** The owner a rule's comment names, or empty when the comment is not exactly one of hako's. */
    public static Optional<NftOwner> parse(String comment) {
        Matcher m = COMMENT.matcher(comment);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new NftOwner(m.group(1), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))));
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // digits that overflow a long or a pid
        }
    }

    /** Whether the owner still runs: its pid exists and started at the same tick. */
    public boolean isAlive() throws IOException {
        return isAlive(PROC);
    }

    /** {@link #isAlive()} against a directory laid out like {@code /proc} (for tests). */
    boolean isAlive(Path proc) throws IOException {
        return startTime(proc, pid).map(t -> t == startTime).orElse(false);
    }

    /**
     * The start time of {@code pid}, or empty when there is no such process. The comm field
     * may hold spaces and parentheses, so the fields are counted from its last ')'.
     */
    static Optional<Long> startTime(Path proc, long pid) throws IOException {
        String stat;
        try {
            stat = Files.readString(proc.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            if (Files.notExists(proc.resolve(Long.toString(pid)))) {
                return Optional.empty(); // exited while being read
            }
            throw e;
        }
        int comm = stat.lastIndexOf(')');
        String[] fields = comm < 0 ? new String[0] : stat.substring(comm + 1).trim().split(" ");
        if (fields.length <= START_TIME_AFTER_COMM) {
            throw new IOException(proc + "/" + pid + "/stat has " + fields.length + " field(s) after the command name, too few"
                    + " for the start time: " + stat.strip());
        }
        try {
            return Optional.of(Long.parseLong(fields[START_TIME_AFTER_COMM]));
        } catch (NumberFormatException e) {
            throw new IOException(proc + "/" + pid + "/stat: start time '" + fields[START_TIME_AFTER_COMM]
                    + "' is not a number", e);
        }
    }
}
