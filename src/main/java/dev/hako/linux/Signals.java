package dev.hako.linux;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Names of signal numbers, e.g. 9 is {@code SIGKILL}. */
public final class Signals {
    private static final Map<Long, String> NAMES = ConstantNames.withPrefix("SIG",
            Set.of("SIG_BLOCK", "SIG_UNBLOCK", "SIG_SETMASK", "SIGIOT", "SIGPOLL", "SIGCLD", "SIGUNUSED"));

    private Signals() {
    }

    /** The name, like {@code SIGKILL}, or {@code signal N} for one without a name. */
    public static String name(int signal) {
        String name = NAMES.get((long) signal);
        return name != null ? name : "signal " + signal;
    }

    /**
     * The signals this process ignores now ({@code SigIgn} of /proc/self/status): what a
     * CLONE_VM child would start with ignored, since CLONE_CLEAR_SIGHAND resets only the
     * handled ones. Read at each call: a JVM started under {@code nohup} or with {@code &}
     * from a script ignores SIGHUP or SIGINT, and code may change a disposition any time.
     */
    public static List<Integer> ignoredByThisProcess() {
        long mask;
        try {
            mask = 0;
            String status = SmallFiles.read(Path.of("/proc/self/status"));
            int at = status.indexOf("\nSigIgn:"); // found, not split: this runs at every start
            if (at >= 0) {
                int end = status.indexOf('\n', at + 1);
                mask = Long.parseUnsignedLong(status.substring(at + 8, end < 0 ? status.length() : end).trim(), 16);
            }
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot read the signals this JVM ignores (SigIgn of /proc/self/status)", e);
        }
        List<Integer> signals = new ArrayList<>();
        for (int bit = 0; bit < 64; bit++) {
            if ((mask & (1L << bit)) != 0) {
                signals.add(bit + 1);
            }
        }
        return signals;
    }
}
