package dev.hako.cgroup;

import java.io.IOException;
import java.time.Duration;

/**
 * Killing on v1, which has no cgroup.kill: freeze, SIGKILL every pid that cgroup.procs
 * lists, thaw (so that the killed can exit), and again until every directory is empty.
 * Frozen processes cannot fork or exit, so none escapes and no pid is reused between
 * reading and killing. Without a freezer it kills all the same, only less surely.
 */
final class V1Killer implements ProcessKiller {
    /** One freeze attempt of the walk; it kills without freezing when this passes. */
    private static final Duration FREEZE_TIMEOUT = Duration.ofSeconds(1);

    private final CgroupPaths paths;
    /** Null without a v1 freezer hierarchy. */
    private final V1Freezer freezer;

    V1Killer(CgroupPaths paths, V1Freezer freezer) {
        this.paths = paths;
        this.freezer = freezer;
    }

    /** Walks every directory of the container, the v2 one too, since a process may be in either alone. */
    @Override
    public void killAll() throws IOException {
        long self = ProcessHandle.current().pid();
        boolean empty = CgroupFiles.await(TIMEOUT, () -> {
            if (paths.processes().isEmpty()) {
                return true;
            }
            if (freezer != null) {
                // If a process will not freeze in time, kill anyway: better than leaving it.
                freezer.tryFreeze(FREEZE_TIMEOUT);
            }
            try {
                for (long pid : paths.processes()) {
                    if (pid == self) {
                        throw new CgroupException("the JVM itself (pid " + self + ") is in the cgroup of container "
                                + paths.id() + "; refusing to kill it");
                    }
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            } finally {
                if (freezer != null) {
                    freezer.thaw();
                }
            }
            return false;
        });
        if (!empty) {
            throw new CgroupException("processes " + paths.processes() + " of container " + paths.id()
                    + " are still in " + paths.v1Directories() + " after " + TIMEOUT.toSeconds() + " s of SIGKILL;"
                    + " they may be stuck in the kernel (see the State of their /proc/PID/status)");
        }
    }
}
