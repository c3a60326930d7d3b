package dev.hako.cgroup;

import java.io.IOException;
import java.time.Duration;

/**
 * Killing every process of a container with SIGKILL, one way per hierarchy version: v2's
 * {@code cgroup.kill} (Linux 5.14+) in one write, or on v1, which has no such file, a walk
 * of cgroup.procs under the freezer.
 */
sealed interface ProcessKiller permits V1Killer, V2Killer {
    /** How long killing every process may take, including their exit. */
    Duration TIMEOUT = Duration.ofSeconds(5);

    /**
     * Kills and returns once the processes are gone.
     *
     * @throws CgroupException if processes remain after {@link #TIMEOUT}
     */
    void killAll() throws IOException;
}
