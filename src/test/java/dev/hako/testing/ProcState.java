package dev.hako.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A host process's state as the kernel shows it in /proc, for "still running" checks that
 * need no wait: a process that sleeps (S) with no fatal signal pending is not being killed,
 * because a fatal signal wakes its target (and queues SIGKILL to it) before the sending
 * call returns, and an ignored one is dropped when it is sent.
 */
public final class ProcState {
    private static final int SIGKILL = 9;
    private static final int SIGTERM = 15;

    private ProcState() {
    }

    /** The state letter of /proc/PID/stat (R, S, D, Z, ...), or '-' when the process is gone. */
    public static char state(long pid) throws IOException {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (IOException e) {
            if (gone(e)) {
                return '-';
            }
            throw e;
        }
    }

    /**
     * Waits until a process that has just started (and is still running its way to its
     * first blocking call) sleeps; fails after 10 s.
     */
    public static void awaitSleeping(long pid) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        char state;
        while ((state = state(pid)) != 'S') {
            if (state == '-' || state == 'Z' || state == 'X' || System.nanoTime() > deadline) {
                fail("process " + pid + " did not get to sleep: state " + state);
            }
            Thread.sleep(5);
        }
    }

    /**
     * Asserts, from one read of /proc/PID/status, that the process is alive and asleep, with
     * neither SIGTERM nor SIGKILL pending (for the thread or the whole process).
     */
    public static void assertAsleepWithNoKillPending(long pid, String what) throws IOException {
        List<String> status;
        try {
            status = Files.readAllLines(Path.of("/proc/" + pid + "/status"));
        } catch (IOException e) {
            if (gone(e)) {
                throw new AssertionError(what + ": process " + pid + " is gone");
            }
            throw e;
        }
        String state = field(status, "State");
        assertTrue(state.startsWith("S"), () -> what + ": process " + pid + " is " + state + ", not asleep");
        long mask = (1L << (SIGKILL - 1)) | (1L << (SIGTERM - 1));
        for (String pending : List.of("SigPnd", "ShdPnd")) {
            long bits = Long.parseUnsignedLong(field(status, pending), 16);
            assertEquals(0, bits & mask, () -> what + ": process " + pid + " has SIGTERM or SIGKILL pending ("
                    + pending + " " + Long.toHexString(bits) + ")");
        }
    }

    /** /proc/PID vanished before the open (no such file) or between open and read (ESRCH). */
    private static boolean gone(IOException e) {
        return e instanceof NoSuchFileException || String.valueOf(e.getMessage()).contains("No such process");
    }

    private static String field(List<String> status, String name) {
        return status.stream().filter(l -> l.startsWith(name + ":")).map(l -> l.substring(name.length() + 1).trim())
                .findFirst().orElseThrow(() -> new AssertionError("no " + name + " in /proc/PID/status: " + status));
    }
}
