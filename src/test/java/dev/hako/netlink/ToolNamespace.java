package dev.hako.netlink;

import dev.hako.linux.Libc;
import dev.hako.testing.JvmResources;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A fresh network namespace for a test that runs tools (nft, ip) in it, held by a
 * descriptor: everything the test makes in it goes away with it. Closing it checks that
 * the test left no descriptor and no thread of its own (hako's {@code hako-netns}, the
 * tests' {@code hkt-}) behind. Unlike {@link TestNamespace} it does not count the JDK's
 * process reaper threads, a pool that grows and shrinks on its own as processes end.
 */
final class ToolNamespace implements AutoCloseable {
    private final List<String> fdsBefore;
    private final int fd;

    private ToolNamespace(List<String> fdsBefore, int fd) {
        this.fdsBefore = fdsBefore;
        this.fd = fd;
    }

    /**
     * Makes the namespace. NIO's one-time descriptors (made at its first channel) are made
     * here first, in the test's own namespace, so they do not count as the test's.
     */
    static ToolNamespace create() throws IOException {
        ServerSocketChannel.open().close();
        return new ToolNamespace(JvmResources.snapshot().fds(), NetworkNamespace.create());
    }

    int fd() {
        return fd;
    }

    /** The path another program can enter the namespace by, for {@code nsenter --net=}. */
    String path() {
        return "/proc/" + ProcessHandle.current().pid() + "/fd/" + fd;
    }

    @Override
    public void close() throws InterruptedException {
        Libc.closeQuietly(fd);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            List<String> extra = new ArrayList<>(JvmResources.snapshot().fds());
            fdsBefore.forEach(extra::remove);
            List<String> names = Thread.getAllStackTraces().keySet().stream().map(Thread::getName).toList();
            // NetworkNamespace keeps one thread (and the fd of its home namespace) for 30 s after its last job.
            boolean kept = names.stream().filter(n -> n.startsWith("hako-netns")).count() <= 1;
            if (names.contains("hako-netns")) {
                extra.removeIf(d -> d.startsWith("net:["));
            }
            List<String> threads = names.stream().filter(n -> n.startsWith("hkt-")).toList();
            if (extra.isEmpty() && threads.isEmpty() && kept) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail("the test left descriptors " + extra + " and threads " + threads);
            }
            Thread.sleep(20);
        }
    }
}
