package dev.hako.cgroup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Reads what a container's cgroup has used. Per controller, as each may be on v1 or v2 on
 * a hybrid machine; a controller that is missing gives empty values rather than an error.
 */
record StatsReader(CgroupPaths paths) {

    /** See {@link CgroupStats} for the files. */
    CgroupStats stats() throws IOException {
        OptionalLong memory = OptionalLong.empty();
        OptionalLong peak = OptionalLong.empty();
        Path mem = paths.directoryFor(Controller.MEMORY);
        if (mem != null) {
            boolean v2 = paths.onV2(Controller.MEMORY);
            memory = CgroupFiles.readLong(mem.resolve(v2 ? "memory.current" : "memory.usage_in_bytes"));
            peak = CgroupFiles.readLong(mem.resolve(v2 ? "memory.peak" : "memory.max_usage_in_bytes"));
        }
        return new CgroupStats(memory, peak, cpuTimeNanos(), pidsCurrent(), oomKills());
    }

    private OptionalLong cpuTimeNanos() throws IOException {
        Path acct = paths.directoryFor(Controller.CPUACCT);
        if (acct == null) {
            return OptionalLong.empty();
        }
        if (!paths.onV2(Controller.CPUACCT)) {
            return CgroupFiles.readLong(acct.resolve("cpuacct.usage"));
        }
        OptionalLong micros = CgroupFiles.readKey(acct.resolve("cpu.stat"), "usage_usec");
        return micros.isPresent() ? OptionalLong.of(micros.getAsLong() * 1000) : micros;
    }

    private OptionalLong pidsCurrent() throws IOException {
        Path pids = paths.directoryFor(Controller.PIDS);
        return pids == null ? OptionalLong.empty() : CgroupFiles.readLong(pids.resolve("pids.current"));
    }

    /** How many processes the OOM killer ended; empty without the memory controller. One small file. */
    OptionalLong oomKills() throws IOException {
        Path mem = paths.directoryFor(Controller.MEMORY);
        if (mem == null) {
            return OptionalLong.empty();
        }
        return paths.onV2(Controller.MEMORY)
                ? CgroupFiles.readKey(mem.resolve("memory.events"), "oom_kill")
                : CgroupFiles.readKey(mem.resolve("memory.oom_control"), "oom_kill");
    }
}
