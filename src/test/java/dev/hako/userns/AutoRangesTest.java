package dev.hako.userns;

import dev.hako.IdMapping;
import dev.hako.UserNamespace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Leasing auto() ranges within one JVM, in a lease directory of the test's own (AutoRangesIT
 * has several JVMs, one killed, and the real /run/hako/userns).
 */
@Timeout(60)
class AutoRangesTest {
    @TempDir
    Path tmp;

    private AutoRanges ranges(String subuid, String subgid) throws IOException {
        return new AutoRanges(tmp.resolve("run/hako/userns"), Files.writeString(tmp.resolve("subuid"), subuid),
                Files.writeString(tmp.resolve("subgid"), subgid));
    }

    @Test
    void theFirstLeaseIsTheFirstBlockAboveTheHostsIds() throws IOException {
        try (AutoRanges.Lease lease = ranges("", "").lease()) {
            assertEquals(65536, lease.hostId());
            List<IdMapping> map = List.of(IdMapping.of(0, 65536, 65536));
            assertEquals(UserNamespace.of(map, map), lease.userNamespace(), "the same range for uids and gids");
            assertTrue(lease.isHeld());
        }
    }

    @Test
    void blocksOverlappingAnySubordinateRangeAreSkipped() throws IOException {
        // 100000-165535 (anyone's subuid) overlaps blocks 1 and 2; 262144-262144 (a subgid) block 4.
        AutoRanges r = ranges("alice:100000:65536\nbad line\n", "bob:262144:1\n");
        try (AutoRanges.Lease a = r.lease(); AutoRanges.Lease b = r.lease()) {
            assertEquals(3 * 65536, a.hostId());
            assertEquals(5 * 65536, b.hostId());
        }
    }

    @Test
    void manyLeasesInOneJvmAreDistinctAndClosingFreesThem() throws IOException {
        AutoRanges r = ranges("", "");
        List<AutoRanges.Lease> leases = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        try {
            for (int i = 0; i < 300; i++) {
                AutoRanges.Lease l = r.lease();
                leases.add(l);
                assertTrue(seen.add(l.hostId()), "range " + l.hostId() + " leased twice");
                assertEquals(0, l.hostId() % 65536);
            }
            assertEquals(300, seen.size());
            // Another instance on the same directory sees them held too.
            AutoRanges other = new AutoRanges(r.directory(), tmp.resolve("subuid"), tmp.resolve("subgid"));
            try (AutoRanges.Lease next = other.lease()) {
                assertEquals(301 * 65536L, next.hostId());
            }
            leases.get(7).close();
            leases.get(7).close(); // twice: nothing
            assertFalse(leases.get(7).isHeld());
            try (AutoRanges.Lease again = r.lease()) {
                assertEquals(8 * 65536L, again.hostId(), "a freed range is the lowest free one again");
            }
        } finally {
            leases.forEach(AutoRanges.Lease::close);
        }
        try (AutoRanges.Lease first = r.lease()) {
            assertEquals(65536, first.hostId(), "all freed");
        }
    }

    @Test
    void concurrentLeasesFromVirtualThreadsAreDistinct() throws Exception {
        AutoRanges r = ranges("", "");
        int n = 64;
        CountDownLatch go = new CountDownLatch(1);
        Set<Long> held = ConcurrentHashMap.newKeySet();
        List<AutoRanges.Lease> leases = java.util.Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                all.add(pool.submit(() -> {
                    go.await();
                    AutoRanges.Lease l = r.lease();
                    leases.add(l);
                    assertTrue(held.add(l.hostId()), "range " + l.hostId() + " leased twice");
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : all) {
                f.get();
            }
        } finally {
            leases.forEach(AutoRanges.Lease::close);
        }
        assertEquals(n, held.size());
    }

    @Test
    void twoPathsToOneDirectoryAreOneSetOfLeases() throws IOException {
        Path real = Files.createDirectories(tmp.resolve("real/leases"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), tmp.resolve("real"));
        AutoRanges viaReal = new AutoRanges(real, tmp.resolve("a"), tmp.resolve("b"));
        AutoRanges viaLink = new AutoRanges(link.resolve("leases"), tmp.resolve("a"), tmp.resolve("b"));
        try (AutoRanges.Lease a = viaReal.lease()) {
            long inode;
            try (AutoRanges.Lease b = viaLink.lease()) {
                assertEquals(65536, a.hostId());
                assertEquals(131072, b.hostId(), "the link leads to the same leases");
                inode = (Long) Files.getAttribute(a.file(), "unix:ino");
            }
            // Closing b's channel must not have dropped a's record lock (they are per process).
            assertTrue(heldByThisJvm(inode), "the kernel still has a's lock");
        }
    }

    /** Whether /proc/locks shows a POSIX lock of this process on the file with this inode. */
    private static boolean heldByThisJvm(long inode) throws IOException {
        String pid = Long.toString(ProcessHandle.current().pid());
        for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
            String[] f = line.trim().split("\\s+");
            // 1: POSIX  ADVISORY  WRITE 1234 08:01:5678 0 EOF
            if (f.length >= 6 && f[1].equals("POSIX") && f[4].equals(pid) && f[5].endsWith(":" + inode)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aLeaseIsAKernelLockUntilClosed() throws IOException {
        AutoRanges r = ranges("", "");
        AutoRanges.Lease l = r.lease();
        long inode = (Long) Files.getAttribute(l.file(), "unix:ino");
        assertTrue(heldByThisJvm(inode), "control: /proc/locks shows the lease");
        l.close();
        assertFalse(heldByThisJvm(inode));
    }

    @Test
    void theDirectoryIsMadeOwnerOnlyAndTheLockFileNamesItsHolder() throws IOException {
        AutoRanges r = ranges("", "");
        try (AutoRanges.Lease l = r.lease()) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(r.directory())));
            assertEquals(r.directory().resolve("65536"), l.file());
            assertEquals("pid " + ProcessHandle.current().pid() + "\n", Files.readString(l.file()));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(l.file())));
        }
        assertTrue(Files.exists(r.directory().resolve("65536")), "lock files stay; the lock is what counts");
    }

    @Test
    void aLooseDirectoryOfOursIsTightened() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("leases"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        try (AutoRanges.Lease l = new AutoRanges(dir, tmp.resolve("no-subuid"), tmp.resolve("no-subgid")).lease()) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        }
    }

    @Test
    void aSymlinkOrFileInsteadOfTheDirectoryIsRefused() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(tmp.resolve("leases"), target);
        IOException e = assertThrows(IOException.class, () -> new AutoRanges(link, tmp.resolve("a"), tmp.resolve("b")).lease());
        assertEquals(link + " is a symlink: hako keeps its user namespace leases in that directory; remove it", e.getMessage());
        Path file = Files.writeString(tmp.resolve("file"), "");
        e = assertThrows(IOException.class, () -> new AutoRanges(file, tmp.resolve("a"), tmp.resolve("b")).lease());
        assertTrue(e.getMessage().startsWith(file + " is not a directory"), e.getMessage());
    }

    @Test
    void aLockFileThatIsNotARegularFileIsRefused() throws IOException {
        AutoRanges r = ranges("", "");
        Files.createDirectories(r.directory());
        Files.createSymbolicLink(r.directory().resolve("65536"), Path.of("/dev/null"));
        IOException e = assertThrows(IOException.class, r::lease);
        assertTrue(e.getMessage().startsWith(r.directory().resolve("65536") + " is not a regular file"), e.getMessage());
        Files.delete(r.directory().resolve("65536"));
        try (AutoRanges.Lease after = r.lease()) {
            assertEquals(65536, after.hostId(), "nothing stayed held after the failure");
        }
    }

    @Test
    void whenEveryBlockIsTakenTheErrorSaysWhy() throws IOException {
        // One subuid range over all ids above 65535 but the last block's.
        long last = AutoRanges.LAST_BLOCK * 65536;
        AutoRanges r = ranges("everyone:65536:" + (last - 65536) + "\n", "");
        try (AutoRanges.Lease l = r.lease()) {
            assertEquals(last, l.hostId(), "the last block is 4294836224-4294901759: the id 4294967295 is no id");
            IOException e = assertThrows(IOException.class, r::lease);
            assertEquals("no free range of 65536 host ids for UserNamespace.auto(): of the 65534 blocks above 65535, 65533"
                    + " overlap ranges of " + tmp.resolve("subuid") + " or " + tmp.resolve("subgid") + " and the other 1"
                    + " are leased by running containers (" + r.directory() + ")", e.getMessage());
        }
    }

    @Test
    void aHostileSubuidFileFailsTheLease() throws IOException {
        Path link = tmp.resolve("zero");
        Files.createSymbolicLink(link, Path.of("/dev/zero"));
        IOException e = assertThrows(IOException.class, () -> new AutoRanges(tmp.resolve("d"), link, tmp.resolve("x")).lease());
        assertTrue(e.getMessage().startsWith(link + " is a character device"), e.getMessage());
    }

    @Test
    void blockArithmetic() {
        assertEquals(65534, AutoRanges.LAST_BLOCK);
        assertTrue(AutoRanges.LAST_BLOCK * 65536 + 65535 <= IdMapping.MAX_ID);
        assertTrue((AutoRanges.LAST_BLOCK + 1) * 65536 + 65535 > IdMapping.MAX_ID, "the next block would hold (uid_t) -1");
        List<SubordinateIds.Range> r = List.of(new SubordinateIds.Range("a", 131071, 1));
        assertTrue(AutoRanges.overlapsAny(65536, r), "the last id of block 1");
        assertFalse(AutoRanges.overlapsAny(131072, r));
    }
}
