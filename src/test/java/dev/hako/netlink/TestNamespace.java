package dev.hako.netlink;

import dev.hako.linux.Libc;
import dev.hako.testing.JvmResources;

import java.io.IOException;

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

    /** Closes the descriptor (the kernel removes the namespace and its links), then checks for leaks. */
    @Override
    public void close() throws InterruptedException {
        Libc.closeQuietly(fd);
        JvmResources.assertNoLeakSince(before);
    }
}
