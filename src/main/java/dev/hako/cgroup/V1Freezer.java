package dev.hako.cgroup;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** The v1 freezer controller: {@code FROZEN} or {@code THAWED} written to {@code freezer.state}. */
record V1Freezer(Path directory) implements Freezer {

    @Override
    public boolean available() {
        return true; // made only for a container with a directory in the freezer hierarchy
    }

    @Override
    public void freeze() throws IOException {
        if (!tryFreeze(TIMEOUT)) {
            CgroupFiles.writeControl(state(), "THAWED", "thaw");
            throw new CgroupException("cgroup " + directory + " did not freeze within " + TIMEOUT.toSeconds()
                    + " s (freezer.state stayed FREEZING), so it was thawed again; a process may be stuck"
                    + " in the kernel (see the State of its /proc/PID/status)");
        }
    }

    /**
     * Asks to freeze and waits until freezer.state reads FROZEN, for at most {@code timeout};
     * leaves it FREEZING if that does not happen.
     *
     * @return whether it froze
     */
    boolean tryFreeze(Duration timeout) throws IOException {
        Path state = state();
        CgroupFiles.writeControl(state, "FROZEN", "freeze");
        return CgroupFiles.await(timeout, () -> CgroupFiles.read(state).equals("FROZEN"));
    }

    /** v1 thaws at once: there is nothing to wait for. */
    @Override
    public void thaw() throws IOException {
        CgroupFiles.writeControl(state(), "THAWED", "thaw");
    }

    @Override
    public boolean isThawed() throws IOException {
        return CgroupFiles.read(state()).equals("THAWED");
    }

    private Path state() {
        return directory.resolve("freezer.state");
    }
}
