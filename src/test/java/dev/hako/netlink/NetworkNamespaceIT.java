package dev.hako.netlink;

import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;
import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Work in another network namespace: it runs there, its failures come back, a descriptor
 * that is no network namespace is refused, and afterwards every thread of the JVM is in
 * the JVM's own namespace again.
 */
@KernelTest
class NetworkNamespaceIT {

    private static String namespaceOf(String procFile) throws IOException {
        return Files.readSymbolicLink(Path.of(procFile)).toString();
    }

    /** Every thread of the JVM with the network namespace it is in. */
    private static Map<String, String> threadNamespaces() throws IOException {
        Map<String, String> namespaces = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    namespaces.put(Files.readString(task.resolve("comm")).strip() + "/" + task.getFileName(),
                            namespaceOf(task.resolve("ns/net").toString()));
                } catch (IOException gone) {
                    // a thread that ended meanwhile
                }
            }
        }
        return namespaces;
    }

    @Test
    void workRunsInTheNamespaceAndEveryThreadComesHome() throws Exception {
        String home = namespaceOf("/proc/self/ns/net");
        try (TestNamespace ns = TestNamespace.create()) {
            String target = namespaceOf(ns.path());
            assertNotEquals(home, target);
            String seen = NetworkNamespace.callIn(ns.fd(), () -> namespaceOf("/proc/thread-self/ns/net"));
            assertEquals(target, seen);
            for (Map.Entry<String, String> thread : threadNamespaces().entrySet()) {
                assertEquals(home, thread.getValue(), "thread " + thread.getKey() + " is in another network namespace");
            }
        }
    }

    @Test
    void theTasksFailureComesBackAndTheThreadServesOn() throws Exception {
        try (TestNamespace ns = TestNamespace.create()) {
            IOException thrown = new IOException("from inside");
            assertSame(thrown, assertThrows(IOException.class, () -> NetworkNamespace.callIn(ns.fd(), () -> {
                throw thrown;
            })));
            IllegalStateException runtime = assertThrows(IllegalStateException.class, () ->
                    NetworkNamespace.callIn(ns.fd(), () -> {
                        throw new IllegalStateException("boom");
                    }));
            assertEquals("boom", runtime.getMessage());
            assertEquals(namespaceOf(ns.path()), NetworkNamespace.callIn(ns.fd(),
                    () -> namespaceOf("/proc/thread-self/ns/net")));
        }
    }

    @Test
    void aDescriptorThatIsNoNetworkNamespaceIsRefused() throws Exception {
        try (TestNamespace ns = TestNamespace.create()) {
            int uts = Libc.openat2(linux_h.AT_FDCWD(), "/proc/self/ns/uts", linux_h.O_RDONLY() | linux_h.O_CLOEXEC(), 0);
            try {
                SyscallException e = assertThrows(SyscallException.class, () -> NetworkNamespace.callIn(uts, () -> "no"));
                assertEquals(linux_h.EINVAL(), e.errno());
                assertThrows(SyscallException.class, () -> RouteNetlink.openIn(uts));
            } finally {
                Libc.closeQuietly(uts);
            }
            assertEquals(linux_h.EBADF(), assertThrows(SyscallException.class,
                    () -> NetworkNamespace.callIn(99_999, () -> "no")).errno());
            // and after the refusals the thread still works, from where it started
            int own = NetworkNamespace.openOwn();
            try {
                assertEquals(namespaceOf("/proc/self/ns/net"), NetworkNamespace.callIn(own,
                        () -> namespaceOf("/proc/thread-self/ns/net")));
            } finally {
                Libc.closeQuietly(own);
            }
        }
    }
}
