package dev.hako.userns;

import dev.hako.testing.ChildJvm;
import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Leases across JVMs: concurrent ones never share a range, and a JVM killed with SIGKILL frees its lease. */
@KernelTest
class AutoRangesIT {
    @TempDir
    Path tmp;

    /** A LeaseHolder child JVM and its stdout. */
    private record Holder(Process process, BufferedReader out) {
        String line() throws IOException {
            String l = out.readLine();
            assertTrue(l != null, "the holder JVM ended without a word");
            return l;
        }
    }

    private Holder holder(Path dir, Path go) throws IOException {
        Process p = new ProcessBuilder(ChildJvm.command(LeaseHolder.class, dir.toString(), tmp.resolve("subuid").toString(),
                tmp.resolve("subgid").toString(), go.toString())).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        return new Holder(p, new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
    }

    @Test
    void jvmsLeasingAtOnceGetDifferentRanges() throws Exception {
        Files.writeString(tmp.resolve("subuid"), "someone:100000:65536\n"); // blocks 1 and 2 are a user's
        Path dir = tmp.resolve("leases");
        Path go = tmp.resolve("go");
        List<Holder> holders = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                holders.add(holder(dir, go));
            }
            for (Holder h : holders) {
                assertEquals("ready", h.line());
            }
            Files.createFile(go); // all four lease now
            Set<Long> leased = new HashSet<>();
            for (Holder h : holders) {
                String line = h.line();
                assertTrue(line.startsWith("leased "), line);
                long id = Long.parseLong(line.substring(7));
                assertTrue(leased.add(id), "two JVMs got range " + id + ": " + leased);
            }
            assertEquals(Set.of(3 * 65536L, 4 * 65536L, 5 * 65536L, 6 * 65536L), leased, "the four lowest free blocks");
            for (Holder h : holders) {
                h.process().getOutputStream().close();
                assertEquals("freed", h.line());
                assertTrue(h.process().waitFor(30, TimeUnit.SECONDS));
                assertEquals(0, h.process().exitValue());
            }
            try (AutoRanges.Lease l = new AutoRanges(dir, tmp.resolve("subuid"), tmp.resolve("subgid")).lease()) {
                assertEquals(3 * 65536L, l.hostId(), "all four freed");
            }
        } finally {
            holders.forEach(h -> h.process().destroyForcibly());
        }
    }

    @Test
    void aJvmKilledWithSigkillFreesItsLease() throws Exception {
        Path dir = tmp.resolve("leases");
        Path go = Files.createFile(tmp.resolve("go"));
        AutoRanges here = new AutoRanges(dir, tmp.resolve("subuid"), tmp.resolve("subgid"));
        Holder h = holder(dir, go);
        try {
            assertEquals("ready", h.line());
            assertEquals("leased 65536", h.line());
            assertEquals("pid " + h.process().pid() + "\n", Files.readString(dir.resolve("65536")), "the holder is named");
            try (AutoRanges.Lease l = here.lease()) {
                assertEquals(131072, l.hostId(), "control: the other JVM's lease is respected");
            }
            h.process().destroyForcibly(); // SIGKILL: no shutdown hook, no close
            assertTrue(h.process().waitFor(30, TimeUnit.SECONDS));
            assertEquals(128 + 9, h.process().exitValue(), "killed by SIGKILL");
            try (AutoRanges.Lease l = here.lease()) {
                assertEquals(65536, l.hostId(), "the dead JVM's range is free again");
            }
        } finally {
            h.process().destroyForcibly();
        }
    }

    @Test
    void theSystemLeasesLiveInRunHakoUsernsOwnerOnly() throws Exception {
        AutoRanges system = AutoRanges.system();
        try (AutoRanges.Lease a = system.lease(); AutoRanges.Lease b = system.lease()) {
            assertEquals(Path.of("/run/hako/userns"), a.file().getParent());
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(a.file().getParent())));
            assertEquals(0, ((Number) Files.getAttribute(a.file().getParent(), "unix:uid")).longValue());
            assertTrue(a.hostId() != b.hostId());
            for (SubordinateIds.Range r : SubordinateIds.read(SubordinateIds.SUBUID).ranges()) {
                assertTrue(!r.overlaps(a.hostId(), 65536) && !r.overlaps(b.hostId(), 65536), "overlaps " + r);
            }
        }
    }
}
