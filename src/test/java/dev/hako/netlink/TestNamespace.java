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

    /**
     * Snapshots the JVM's resources, then makes the namespace. The namespace thread of
     * {@link NetworkNamespace} (with its one descriptor) is started first, as it is meant to
     * outlive calls.
     */
    static TestNamespace create() throws IOException {
        int own = NetworkNamespace.openOwn();
        try {
            NetworkNamespace.callIn(own, () -> null);
        } finally {
            Libc.closeQuietly(own);
        }
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
     * that no descriptor and no namespace thread but the one kept is left. Other threads are not compared:
     * the JDK starts its process reaper for the {@code ip} checks and keeps it.
     */
    @Override
    public void close() throws InterruptedException {
        Libc.closeQuietly(fd);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            JvmResources now = JvmResources.snapshot();
            boolean fdsBack = now.fds().size() <= before.fds().size();
            boolean oneHopper = now.threads().stream().filter(t -> t.startsWith("hako-netns")).count() <= 1;
            if (fdsBack && oneHopper) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail("left behind: fds " + before.fds() + " -> " + now.fds() + ", threads " + now.threads());
            }
            Thread.sleep(20);
        }
    }
}
