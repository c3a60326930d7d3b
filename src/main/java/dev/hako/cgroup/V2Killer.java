package dev.hako.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * cgroup v2's {@code cgroup.kill}: the kernel kills every process in the cgroup and below
 * it, including ones forking meanwhile, which no walk of pids from outside can promise.
 */
record V2Killer(Path directory) implements ProcessKiller {

    /** Whether the kernel has cgroup.kill (5.14+). */
    boolean available() {
        return Files.exists(directory.resolve("cgroup.kill"));
    }

    /** Writes 1 and waits until cgroup.events says {@code populated 0}, as the kill is asynchronous. */
    @Override
    public void killAll() throws IOException {
        CgroupFiles.writeControl(CgroupFiles.requireV2File(directory, "cgroup.kill"), "1", "kill the processes of");
        if (!CgroupFiles.await(TIMEOUT, () -> CgroupFiles.event(directory, "populated") == 0)) {
            throw new CgroupException("processes " + CgroupTree.pids(List.of(directory)) + " of cgroup " + directory
                    + " are still there " + TIMEOUT.toSeconds() + " s after cgroup.kill; they may be stuck"
                    + " in the kernel (see the State of their /proc/PID/status)");
        }
    }
}
