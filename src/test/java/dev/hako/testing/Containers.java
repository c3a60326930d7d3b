package dev.hako.testing;

import dev.hako.Container;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Shorthands for containers on the {@link TestRootfs}. */
public final class Containers {

    private Containers() {
    }

    /**
     * A builder with the test rootfs and this JVM's own cgroup parent set, everything else
     * at its default.
     */
    public static Container.Builder builder() {
        return Container.builder().rootfs(TestRootfs.path()).cgroupParent(TestCgroups.parent());
    }

    /** Runs a command to completion. */
    public static Container.Result run(String... command) throws IOException, InterruptedException {
        return builder().command(command).run();
    }

    /** Runs {@code /bin/sh -c script} to completion. */
    public static Container.Result sh(String script) throws IOException, InterruptedException {
        return run("/bin/sh", "-c", script);
    }

    /** Asserts that the command exited with 0 and returns its stdout. */
    public static String ok(Container.Result result) {
        assertEquals(0, result.exitCode(), () -> "container failed: " + result.status()
                + "\nstdout: " + result.stdout() + "\nstderr: " + result.stderr());
        return result.stdout();
    }
}
