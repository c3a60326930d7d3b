package dev.hako.cgroup;

import java.util.OptionalLong;

/**
 * What a container's cgroup has used, as the kernel counts it. A value is empty when its
 * controller is not available on this machine, or (for the peak) the kernel does not keep it.
 *
 * @param memoryCurrent bytes of memory charged now (v1 {@code memory.usage_in_bytes}, v2
 *                      {@code memory.current}), page cache included
 * @param memoryPeak the most bytes ever charged (v1 {@code memory.max_usage_in_bytes}, v2
 *                   {@code memory.peak}, which kernels before 5.19 lack)
 * @param cpuTimeNanos CPU time of all its processes, in nanoseconds (v1 {@code cpuacct.usage},
 *                     v2 {@code usage_usec} of {@code cpu.stat} times 1000)
 * @param pidsCurrent processes and threads in it now ({@code pids.current})
 * @param oomKills processes the OOM killer ended in it ({@code oom_kill} of v1
 *                 {@code memory.oom_control} or v2 {@code memory.events})
 */
public record CgroupStats(OptionalLong memoryCurrent, OptionalLong memoryPeak, OptionalLong cpuTimeNanos,
        OptionalLong pidsCurrent, OptionalLong oomKills) {
}
