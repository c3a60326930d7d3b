package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerProcess;
import dev.hako.linux.FileCalls;
import dev.hako.linux.linux_h;
import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static dev.hako.testing.Containers.builder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * startGate: the start returns with the command not run yet, its process waiting before
 * execve until the fifo is read (what {@code runc create} and {@code runc start} split).
 */
@KernelTest
class StartGateIT {

    private static Path fifo(Path dir) throws Exception {
        Path fifo = dir.resolve("exec.fifo");
        FileCalls.mknod(fifo, linux_h.S_IFIFO() | 0622, 0);
        // Past the umask: the container's user (not root in one test) reopens it for writing.
        Files.setPosixFilePermissions(fifo, java.nio.file.attribute.PosixFilePermissions.fromString("rw--w--w-"));
        return fifo;
    }

    @Test
    void theCommandRunsOnlyOnceTheFifoIsRead(@TempDir Path dir) throws Exception {
        Path fifo = fifo(dir);
        try (Container c = builder().startGate(fifo).command("/bin/sh", "-c", "echo ran; exit 3").build()) {
            ContainerProcess p = c.start();
            InputStream out = p.getInputStream();
            // Held: alive, and nothing printed. (A control below shows the read makes it run.)
            assertFalse(p.waitFor(300, TimeUnit.MILLISECONDS), "the gated command ended before its release");
            assertEquals(0, out.available());
            String comm = Files.readString(Path.of("/proc/" + p.pid() + "/comm")).strip();
            assertFalse(comm.equals("sh"), "the gated process exec'd before its release: " + comm);
            try (InputStream gate = Files.newInputStream(fifo)) {
                assertEquals(1, gate.read(new byte[1]));
            }
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
            assertEquals(3, p.exitValue());
            assertEquals("ran\n", new String(out.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void closingAGatedContainerKillsItsWaitingProcess(@TempDir Path dir) throws Exception {
        Path fifo = fifo(dir);
        ContainerProcess p;
        try (Container c = builder().startGate(fifo).command("/bin/true").build()) {
            p = c.start();
            assertTrue(p.isAlive());
        }
        assertFalse(p.isAlive());
        assertFalse(Files.exists(Path.of("/proc/" + p.pid() + "/stat")) && p.isAlive());
    }

    @Test
    void theGateComesAfterTheUserAndWorkingDirectory(@TempDir Path dir) throws Exception {
        Path fifo = fifo(dir);
        try (Container c = builder().startGate(fifo).user("1000:1000").workingDir("/tmp")
                .command("/bin/sh", "-c", "id -u; pwd").build()) {
            ContainerProcess p = c.start();
            // Waiting at the gate with the user's ids already: the setuid came before it.
            String status = Files.readString(Path.of("/proc/" + p.pid() + "/status"));
            assertTrue(status.lines().anyMatch(l -> l.startsWith("Uid:") && l.contains("\t1000\t")), status);
            try (InputStream gate = Files.newInputStream(fifo)) {
                gate.read();
            }
            assertEquals(0, p.waitFor());
            assertEquals("1000\n/tmp\n", new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aRelativeGateIsRefusedAndAPoolRefusesOne(@TempDir Path dir) {
        assertThrows(IllegalArgumentException.class, () -> builder().startGate(Path.of("exec.fifo")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> dev.hako.ContainerPool.builder(builder().startGate(dir.resolve("f"))).build());
        assertTrue(e.getMessage().contains("startGate"), e.getMessage());
    }
}
