package dev.hako;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * What a running container uses, read from its cgroup.
 *
 * @param memoryBytes memory charged to the container now
 * @param memoryPeakBytes the most it was ever charged (empty where the kernel does not say)
 * @param cpuTime CPU time used by all its processes
 * @param pids processes and threads in it now
 * @param oomKills processes the OOM killer ended in it
 */
public record ContainerStats(long memoryBytes, OptionalLong memoryPeakBytes, Duration cpuTime, long pids, long oomKills) {
}
