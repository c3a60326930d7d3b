package dev.hako.net;

import dev.hako.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Leases across JVMs: several child JVMs and this one's threads leasing at the same moment
 * never get the same address, and the leases of a JVM killed with SIGKILL are reclaimed.
 * Needs no root (the directory is a temporary one).
 */
@Timeout(180)
class AddressLeasesIT {
    private static final String SUBNET = "10.77.0.0/22";

    @TempDir
    Path tmp;

    private record Client(Process process, BufferedReader out) {
        String line() throws IOException {
            String l = out.readLine();
            assertTrue(l != null, "the lease client JVM ended without a word");
            return l;
        }

        List<Ipv4Address> leased() throws IOException {
            List<Ipv4Address> got = new ArrayList<>();
            for (String l = line(); !l.equals("done"); l = line()) {
                assertTrue(l.startsWith("leased "), l);
                got.add(Ipv4Address.parse(l.substring(7)));
            }
            return got;
        }
    }

    private Client client(Path dir, Path go, int count) throws IOException {
        Process p = new ProcessBuilder(ChildJvm.command(LeaseClient.class, dir.toString(), SUBNET, go.toString(),
                Integer.toString(count))).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        return new Client(p, new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
    }

    @Test
    void jvmsAndThreadsLeasingAtOnceNeverShareAnAddressAndAKilledJvmsLeasesAreReclaimed() throws Exception {
        Path dir = tmp.resolve("hkt-net");
        Path go = tmp.resolve("go");
        int perJvm = 60;
        List<Client> clients = new ArrayList<>();
        AddressLeases here = new AddressLeases(dir, Ipv4Subnet.parseBridgeNetwork(SUBNET));
        try {
            for (int i = 0; i < 4; i++) {
                clients.add(client(dir, go, perJvm));
            }
            for (Client c : clients) {
                assertEquals("ready", c.line());
            }
            List<Thread> threads = new ArrayList<>();
            List<AddressLease> mine = java.util.Collections.synchronizedList(new ArrayList<>());
            Files.createFile(go);
            for (int t = 0; t < 4; t++) {
                int n = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < perJvm; i++) {
                            mine.add(here.lease(ProcessHandle.current().pid(), "here" + n + "-" + i));
                        }
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }));
            }
            List<List<Ipv4Address>> byJvm = new ArrayList<>();
            for (Client c : clients) {
                byJvm.add(c.leased());
            }
            for (Thread t : threads) {
                t.join();
            }
            Set<Ipv4Address> all = new HashSet<>();
            List<Ipv4Address> everything = new ArrayList<>();
            byJvm.forEach(everything::addAll);
            mine.forEach(l -> everything.add(l.address()));
            for (Ipv4Address a : everything) {
                assertTrue(all.add(a), "two leases of " + a);
            }
            assertEquals(8 * perJvm, all.size());
            assertEquals(8 * perJvm, here.held().size());

            Client killed = clients.remove(0);
            killed.process().destroyForcibly();
            assertTrue(killed.process().waitFor(60, TimeUnit.SECONDS));
            SweepReport report = here.sweep();
            assertEquals(Set.copyOf(byJvm.get(0)), Set.copyOf(report.reclaimed()), "exactly the killed JVM's leases");
            assertEquals(7 * perJvm, report.held());

            for (Client c : clients) {
                c.process().getOutputStream().close();
                assertEquals("freed", c.line(), "every release found its own lease");
                assertTrue(c.process().waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, c.process().exitValue());
            }
            for (AddressLease l : mine) {
                assertTrue(here.release(l));
            }
            assertEquals(List.of(), here.held());
            try (var names = Files.list(dir)) {
                assertEquals(List.of(LeaseDirectory.LOCK_NAME), names.map(p -> p.getFileName().toString()).toList(),
                        "nothing but the lock is left");
            }
        } finally {
            clients.forEach(c -> c.process().destroyForcibly());
        }
    }
}
