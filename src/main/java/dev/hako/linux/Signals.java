package dev.hako.linux;

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
}
