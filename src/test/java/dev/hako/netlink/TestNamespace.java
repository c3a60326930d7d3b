package dev.hako.netlink;

import dev.hako.linux.Libc;
import dev.hako.testing.JvmResources;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A fresh network namespace for one test, held by a descriptor: everything the test makes
 * in it (links, addresses, routes) goes away with it. Closing it also checks that the test
 * left no descriptor or thread of the JVM behind.
 */
final class TestNamespace implements AutoCloseable {
    private final JvmResources before;
    private final int fd;

    private TestNamespace(JvmResources before, int fd) {
        this.before = before;
        this.fd = fd;
    }

    /** Snapshots the JVM's resources, then makes the namespace. */
    static TestNamespace create() throws IOException {
        JvmResources before = JvmResources.snapshot();
        return new TestNamespace(before, NetworkNamespace.create());
    }

    /** The namespace's descriptor. */
    int fd() {
        return fd;
    }

    /** The path another program can enter the namespace by, for {@code nsenter --net=}. */
    String path() {
        return "/proc/" + ProcessHandle.current().pid() + "/fd/" + fd;
    }

    /**
     * Closes the descriptor (the kernel removes the namespace and its links), then checks
     * that no descriptor and no namespace thread is left. Other threads are not compared:
     * the JDK starts its process reaper for the {@code ip} checks and keeps it.
     */
    @Override
    public void close() throws InterruptedException {
        Libc.closeQuietly(fd);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            JvmResources now = JvmResources.snapshot();
            boolean fdsBack = now.fds().size() <= before.fds().size();
            boolean noHopper = now.threads().stream().noneMatch(t -> t.startsWith("hako-netns"));
            if (fdsBack && noHopper) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail("left behind: fds " + before.fds() + " -> " + now.fds() + ", threads " + now.threads());
            }
            Thread.sleep(20);
        }
    }
}
