package dev.hako.cgroup;

import java.io.IOException;
import java.time.Duration;

/**
 * Freezing every process of a container, one way per hierarchy version: v1's freezer
 * controller ({@code freezer.state}) or v2's core {@code cgroup.freeze}. Each reaches only
 * the processes in its own directory; {@link Freezers} picks the one that reaches them.
 */
sealed interface Freezer permits V1Freezer, V2Freezer {
    /** How long freezing may take before it is undone and reported. */
    Duration TIMEOUT = Duration.ofSeconds(5);

    /** Whether this kernel and cgroup have this freezer. */
    boolean available();

    /**
     * Freezes and returns once every process is frozen.
     *
     * @throws CgroupException if that takes longer than {@link #TIMEOUT}; the cgroup is
     *         thawed again, so that it is not left half-frozen
     */
    void freeze() throws IOException;

    /** Thaws and returns once the kernel says it is thawed. */
    void thaw() throws IOException;

    /** Whether the cgroup is thawed now (and not frozen or freezing). */
    boolean isThawed() throws IOException;
}
