package dev.hako.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** cgroup v2's core freezer (Linux 5.2+): {@code cgroup.freeze}, with the result in {@code cgroup.events}. */
record V2Freezer(Path directory) implements Freezer {

    @Override
    public boolean available() {
        return Files.exists(directory.resolve("cgroup.freeze"));
    }

    /** Writes 1 and waits until cgroup.events says {@code frozen 1}: freezing is asynchronous. */
    @Override
    public void freeze() throws IOException {
        Path freeze = CgroupFiles.requireV2File(directory, "cgroup.freeze");
        CgroupFiles.writeControl(freeze, "1", "freeze");
        if (!CgroupFiles.await(TIMEOUT, () -> CgroupFiles.event(directory, "frozen") == 1)) {
            CgroupFiles.writeControl(freeze, "0", "thaw");
            throw new CgroupException("cgroup " + directory + " did not freeze within " + TIMEOUT.toSeconds()
                    + " s (cgroup.events still says frozen 0), so it was thawed again; a process may be stuck"
                    + " in the kernel (see the State of its /proc/PID/status)");
        }
    }

    @Override
    public void thaw() throws IOException {
        CgroupFiles.writeControl(CgroupFiles.requireV2File(directory, "cgroup.freeze"), "0", "thaw");
        if (!CgroupFiles.await(TIMEOUT, () -> CgroupFiles.event(directory, "frozen") == 0)) {
            throw new CgroupException("cgroup " + directory + " still says frozen 1 in cgroup.events "
                    + TIMEOUT.toSeconds() + " s after 0 was written to cgroup.freeze");
        }
    }

    @Override
    public boolean isThawed() throws IOException {
        return CgroupFiles.read(directory.resolve("cgroup.freeze")).equals("0");
    }
}
