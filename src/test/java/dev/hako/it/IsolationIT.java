package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerProcess;
import dev.hako.testing.Containers;
import dev.hako.testing.KernelTest;
import dev.hako.testing.TestRootfs;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a container sees of the host: its own hostname, processes, root and network. */
@KernelTest
class IsolationIT {

    @Test
    void hostnameIsTheConfiguredOne() throws Exception {
        String hostHostname = Files.readString(Path.of("/proc/sys/kernel/hostname"));
        String out = ok(builder().hostname("it-box.example")
                .command("/bin/sh", "-c", "hostname; cat /proc/sys/kernel/hostname; echo \"$HOSTNAME\"").run());
        assertEquals("it-box.example\nit-box.example\nit-box.example\n", out);
        assertEquals(hostHostname, Files.readString(Path.of("/proc/sys/kernel/hostname")),
                "the host's hostname changed");
    }

    @Test
    void defaultHostnameIsTheFirst12CharactersOfTheId() throws Exception {
        assertEquals("hostname-def\n", ok(builder().id("hostname-default-test").command("hostname").run()));

        try (Container c = builder().command("hostname").build()) {
            ContainerProcess p = c.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor());
            assertEquals(c.id().substring(0, Math.min(12, c.id().length())) + "\n", out);
        }
    }

    @Test
    void commandIsPid1AndNoHostProcessIsVisible() throws Exception {
        // ls run as the container's command: the only process, so /proc has one pid, 1
        List<String> pids = ok(Containers.run("ls", "/proc")).lines().filter(s -> s.matches("\\d+")).toList();
        assertEquals(List.of("1"), pids);

        // a shell as PID 1 and its ps child (not last, or sh would exec it): the only two processes
        List<String> lines = ok(Containers.sh("echo $$; ps -o pid,comm; exit 0")).lines().map(String::strip).toList();
        assertEquals("1", lines.get(0), "$$ of the command");
        List<String> processes = lines.subList(2, lines.size()); // after the header line
        assertEquals(2, processes.size(), () -> "processes seen inside: " + lines);
        assertTrue(processes.contains("1 sh"), () -> "processes seen inside: " + lines);
        assertTrue(processes.stream().allMatch(l -> l.endsWith(" ps") || l.equals("1 sh")), () -> "processes: " + lines);
    }

    @Test
    void hostPidIsNotOneAndMapsToPid1Inside() throws Exception {
        try (Container c = builder().command("cat").build()) {
            ContainerProcess p = c.start();
            assertNotEquals(1, p.pid());
            assertTrue(p.pid() > 1);
            String status = Files.readString(Path.of("/proc/" + p.pid() + "/status"));
            String nspid = status.lines().filter(l -> l.startsWith("NSpid:")).findFirst().orElseThrow();
            assertEquals(List.of(String.valueOf(p.pid()), "1"), List.of(nspid.split("\\s+")).subList(1, 3),
                    "NSpid of the container process: host pid, then 1 in its own namespace");
            assertEquals("cat", Files.readString(Path.of("/proc/" + p.pid() + "/comm")).strip());
            p.getOutputStream().close();
            assertEquals(0, p.waitFor());
        }
    }

    @Test
    void rootListsOnlyTheRootfs() throws Exception {
        Path rootfs = TestRootfs.path();
        String marker = "marker-" + UUID.randomUUID();
        Path markerFile = rootfs.resolve(marker);
        Files.writeString(markerFile, "x");
        try {
            Set<String> inside = ok(Containers.run("ls", "-a", "/")).lines()
                    .filter(s -> !s.equals(".") && !s.equals("..")).collect(Collectors.toCollection(TreeSet::new));
            Set<String> expected = new TreeSet<>(Set.of("proc", "sys", "dev"));
            try (Stream<Path> entries = Files.list(rootfs)) {
                entries.forEach(e -> expected.add(e.getFileName().toString()));
            }
            assertTrue(inside.contains(marker), "a file put into the rootfs on the host is visible at /");
            assertEquals(expected, inside);
        } finally {
            Files.deleteIfExists(markerFile);
        }
    }

    @Test
    void networkHasOnlyLoopbackAndItIsUp() throws Exception {
        String out = ok(Containers.sh("ls /sys/class/net; echo --; cat /sys/class/net/lo/flags; echo --;"
                + " tail -n +3 /proc/net/dev | cut -d: -f1; echo --; cat /proc/net/fib_trie"));
        String[] parts = out.split("--\n");
        assertEquals(List.of("lo"), parts[0].lines().toList(), "interfaces in /sys/class/net");
        int flags = Integer.decode(parts[1].strip());
        assertEquals(1, flags & 1, "IFF_UP in lo's flags " + parts[1].strip());
        assertEquals(List.of("lo"), parts[2].lines().map(String::strip).toList(), "interfaces in /proc/net/dev");
        // The kernel's local routing table, not any tool's: lo's address is a local host route.
        assertTrue(parts[3].matches("(?s).*\\|-- 127\\.0\\.0\\.1\\s+/32 host LOCAL.*"), "lo has 127.0.0.1: " + parts[3]);
    }

    @Test
    void noFileDescriptorOfTheJvmLeaksIn() throws Exception {
        // ls as PID 1 lists its own fds: stdio, and the one it opened to read the directory
        List<String> fds = ok(Containers.run("ls", "/proc/self/fd")).lines().toList();
        assertEquals(List.of("0", "1", "2", "3"), fds);
    }
}
