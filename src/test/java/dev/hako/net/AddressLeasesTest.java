package dev.hako.net;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Leases in a temporary directory, within this JVM: order, exhaustion, release, staleness, hostile entries. */
@Timeout(120)
class AddressLeasesTest {
    private static final long ME = ProcessHandle.current().pid();

    @TempDir
    Path tmp;

    private AddressLeases leases(String subnet) {
        return new AddressLeases(tmp.resolve("networks/hkt0"), Ipv4Subnet.parseBridgeNetwork(subnet));
    }

    /** A pid that was a process a moment ago and is now gone (reaped). */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        assertEquals(0, p.waitFor());
        return p.pid();
    }

    @Test
    void handsOutEveryHostButTheNetworkGatewayAndBroadcastThenSaysItIsFull() throws Exception {
        AddressLeases leases = leases("10.1.2.0/29");
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            got.add(leases.lease(ME, "c" + i).address().toString());
        }
        assertEquals(List.of("10.1.2.2", "10.1.2.3", "10.1.2.4", "10.1.2.5", "10.1.2.6"), got);
        IOException full = assertThrows(IOException.class, () -> leases.lease(ME, "c5"));
        assertTrue(full.getMessage().contains("no free address in 10.1.2.0/29 for container c5: all 5 container addresses"
                + " (10.1.2.2 to 10.1.2.6) are leased, 5 to running containers"), full.getMessage());
        assertEquals(5, leases.held().size());
    }

    @Test
    void aReleasedAddressIsFreeAgainAndReleasingTwiceSaysSo() throws Exception {
        AddressLeases leases = leases("10.1.3.0/30");
        AddressLease lease = leases.lease(ME, "web");
        assertEquals("10.1.3.2/30", lease.cidr());
        assertEquals("pid " + ME + "\nstart " + ProcessIdentity.current().startTime() + "\ncontainer web\n",
                Files.readString(lease.file()));
        assertThrows(IOException.class, () -> leases.lease(ME, "db"));
        assertTrue(leases.release(lease));
        assertFalse(leases.release(lease), "already released");
        assertEquals("10.1.3.2", leases.lease(ME, "db").address().toString());
    }

    @Test
    void releaseLeavesAnotherContainersLeaseOfTheSameAddressAlone() throws Exception {
        AddressLeases leases = leases("10.1.4.0/30");
        AddressLease first = leases.lease(ME, "one");
        assertTrue(leases.release(first));
        AddressLease second = leases.lease(ME, "two");
        assertEquals(first.address(), second.address());
        assertFalse(leases.release(first), "the first lease is gone; the file is the second's");
        assertTrue(Files.exists(second.file()));
    }

    @Test
    void threadsLeasingAtOnceNeverShareAnAddress() throws Exception {
        AddressLeases leases = leases("10.2.0.0/22");
        int threads = 16;
        int each = 50;
        CountDownLatch start = new CountDownLatch(1);
        Set<Ipv4Address> seen = ConcurrentHashMap.newKeySet();
        List<String> duplicates = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<List<AddressLease>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int n = t;
                results.add(pool.submit(() -> {
                    start.await();
                    List<AddressLease> mine = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        mine.add(leases.lease(ME, "t" + n + "-" + i));
                    }
                    return mine;
                }));
            }
            start.countDown();
            for (Future<List<AddressLease>> r : results) {
                for (AddressLease l : r.get()) {
                    if (!seen.add(l.address())) {
                        duplicates.add(l.address().toString());
                    }
                }
            }
        }
        assertEquals(List.of(), duplicates);
        assertEquals(threads * each, seen.size());
        assertEquals(threads * each, leases.held().size());
    }

    @Test
    void aLeaseOfADeadOwnerIsSweptAndATakenOverPidIsNotItsOwner() throws Exception {
        AddressLeases leases = leases("10.3.0.0/24");
        AddressLease dead = leases.lease(ME, "dead");
        // Rewrite it as a dead process's lease, and another as this JVM's pid with another start time.
        Files.writeString(dead.file(), "pid " + deadPid() + "\nstart 1\ncontainer dead\n");
        AddressLease reused = leases.lease(ME, "reused");
        Files.writeString(reused.file(), "pid " + ME + "\nstart " + (ProcessIdentity.current().startTime() + 1)
                + "\ncontainer reused\n");
        AddressLease live = leases.lease(ME, "live");
        SweepReport report = leases.sweep();
        assertEquals(List.of(dead.address(), reused.address()), report.reclaimed());
        assertEquals(1, report.held());
        assertEquals(List.of(), report.broken());
        assertFalse(Files.exists(dead.file()));
        assertTrue(Files.exists(live.file()));
        assertEquals(List.of(live.address()), leases.held().stream().map(AddressLease::address).toList());
    }

    @Test
    void aFullNetworkReclaimsAStaleLeaseByItself() throws Exception {
        AddressLeases leases = leases("10.3.1.0/30");
        AddressLease gone = leases.lease(ME, "crashed");
        Files.writeString(gone.file(), "pid " + deadPid() + "\nstart 7\ncontainer crashed\n");
        AddressLease again = leases.lease(ME, "next");
        assertEquals(gone.address(), again.address());
        assertEquals("next", leases.held().get(0).containerId());
    }

    @Test
    void anOwnerThatDoesNotRunOrABadIdIsRefused() throws Exception {
        AddressLeases leases = leases("10.3.2.0/24");
        long dead = deadPid();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> leases.lease(dead, "x"));
        assertTrue(e.getMessage().contains("process " + dead + " is not running"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> leases.lease(-1, "x"));
        for (String bad : new String[] {"", "a/b", "../x", "a\nb", "x".repeat(129), "-x", null}) {
            assertThrows(IllegalArgumentException.class, () -> leases.lease(ME, bad), String.valueOf(bad));
        }
    }

    @Test
    void hostileEntriesKeepTheirAddressesTakenAndAreReportedNeverFollowed() throws Exception {
        AddressLeases leases = leases("10.4.0.0/29"); // .2 to .6
        Path dir = tmp.resolve("networks/hkt0");
        Files.createDirectories(dir);
        Path target = tmp.resolve("precious");
        Files.writeString(target, "pid " + ME + "\nstart 1\ncontainer x\n");
        Files.createSymbolicLink(dir.resolve("10.4.0.2"), target);
        Files.createDirectory(dir.resolve("10.4.0.3"));
        Files.write(dir.resolve("10.4.0.4"), new byte[10 * 1024 * 1024]);
        Files.write(dir.resolve("10.4.0.5"), "pid 1\u0000\nstart x\ngarbage\n".getBytes());
        Path fifo = dir.resolve("10.4.0.6");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Files.createSymbolicLink(dir.resolve("10.4.0.7"), Path.of("/nonexistent")); // the broadcast: never looked at

        IOException full = assertThrows(IOException.class, () -> leases.lease(ME, "c"));
        assertTrue(full.getMessage().contains("0 to running containers and 5 to entries that are not leases"), full.getMessage());
        assertTrue(full.getMessage().contains("10.4.0.2 is a symlink"), full.getMessage());

        SweepReport report = leases.sweep();
        assertEquals(List.of(), report.reclaimed());
        String broken = String.join("\n", report.broken());
        assertEquals(5, report.broken().size(), broken);
        assertTrue(broken.contains("10.4.0.3 is a directory"), broken);
        assertTrue(broken.contains("10.4.0.4 holds 10485760 bytes"), broken);
        assertTrue(broken.contains("10.4.0.5 is not a lease file"), broken);
        assertTrue(broken.contains("10.4.0.6 is not a regular file"), broken);
        assertTrue(Files.exists(target), "a symlink's target is never touched");
        assertTrue(Files.isSymbolicLink(dir.resolve("10.4.0.2")), "nor the link itself");

        Files.delete(fifo);
        assertEquals("10.4.0.6", leases.lease(ME, "c").address().toString());
    }

    @Test
    void aLeaseDirectoryThatIsASymlinkOrAFileIsRefused() throws Exception {
        Path real = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.createDirectories(tmp.resolve("networks"));
        Files.createSymbolicLink(tmp.resolve("networks/hkt0"), real);
        IOException e = assertThrows(IOException.class, () -> leases("10.5.0.0/24").lease(ME, "c"));
        assertTrue(e.getMessage().contains("is a symlink"), e.getMessage());
        try (Stream<Path> s = Files.list(real)) {
            assertEquals(0, s.count(), "nothing is made through the link");
        }
        Files.delete(tmp.resolve("networks/hkt0"));
        Files.writeString(tmp.resolve("networks/hkt0"), "");
        e = assertThrows(IOException.class, () -> leases("10.5.0.0/24").lease(ME, "c"));
        assertTrue(e.getMessage().contains("is not a directory"), e.getMessage());
    }

    @Test
    void aLockFileThatIsASymlinkIsRefused() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("networks/hkt0"));
        Files.createSymbolicLink(dir.resolve(LeaseDirectory.LOCK_NAME), tmp.resolve("target"));
        IOException e = assertThrows(IOException.class, () -> leases("10.5.1.0/24").lease(ME, "c"));
        assertTrue(e.getMessage().contains(".lock is a symlink"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("target")));
    }

    @Test
    void theTemporaryFileOfAJvmThatDiedWhileLeasingIsSwept() throws Exception {
        AddressLeases leases = leases("10.6.0.0/24");
        leases.sweep(); // makes the directory
        Path dir = tmp.resolve("networks/hkt0");
        Path deadWriter = dir.resolve(".new-" + deadPid() + "-5-1");
        Path liveWriter = dir.resolve(".new-" + ME + "-" + ProcessIdentity.current().startTime() + "-999999");
        Files.writeString(deadWriter, "x");
        Files.writeString(liveWriter, "x");
        leases.sweep();
        assertFalse(Files.exists(deadWriter));
        assertTrue(Files.exists(liveWriter), "another JVM's file that is still being linked");
    }

    @Test
    void aThousandCyclesLeaveTheDirectoryAsItWas() throws Exception {
        AddressLeases leases = leases("10.7.0.0/28");
        AddressLease kept = leases.lease(ME, "kept");
        Map<String, String> before = contents(tmp.resolve("networks/hkt0"));
        Set<Ipv4Address> used = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            AddressLease l = leases.lease(ME, "cycle" + i);
            used.add(l.address());
            assertTrue(leases.release(l));
        }
        assertEquals(before, contents(tmp.resolve("networks/hkt0")));
        assertEquals(12, used.size(), "the cursor goes round every free address, not only the first");
        assertFalse(used.contains(kept.address()));
    }

    private static Map<String, String> contents(Path dir) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                m.put(p.getFileName().toString(), Files.readString(p));
            }
        }
        return m;
    }

    @Test
    void aNetworkNameIsOnePathComponent() {
        assertEquals(Path.of("/run/hako/networks/hako0"), AddressLeases.directoryOf(AddressLeases.DEFAULT_ROOT, "hako0"));
        for (String bad : new String[] {"..", ".", "a/b", "", "x".repeat(65), "-a", "a b", null}) {
            assertThrows(IllegalArgumentException.class, () -> AddressLeases.directoryOf(tmp, bad), String.valueOf(bad));
        }
    }

    @Test
    void processIdentityReadsFieldTwentyTwoPastACommandWithParentheses() {
        String stat = "42 (a) b) (c) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 123456 1000 10 18446744073709551615";
        assertEquals(123456, ProcessIdentity.startTime(stat));
        assertThrows(IllegalArgumentException.class, () -> ProcessIdentity.startTime("42 (x) S 1 2"));
        assertThrows(IllegalArgumentException.class, () -> ProcessIdentity.startTime("garbage"));
    }
}
