package dev.hako.netlink;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hako.linux.linux_h;
import dev.hako.testing.JvmResources;
import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * hako's nftables client against the real kernel, each test in network namespaces of its
 * own (never the host's ruleset), checked with nft: the table, chains and rules are exactly
 * those nft makes from the same rules in its language; handles, listing, deletion, the
 * sweep of dead owners, racing clients, a foreign chain in the way, a missing subsystem.
 */
@KernelTest
class NfTablesIT {
    private static final PublishedPort ALL = PublishedPort.of(PublishedPort.Protocol.TCP, 8080, "172.29.0.2", 80);
    private static final PublishedPort ONE = PublishedPort.on(PublishedPort.Protocol.UDP, "10.1.2.3", 53, "172.29.0.2", 5353);
    private static final Ipv4Prefix SUBNET = Ipv4Prefix.parse("172.29.0.0/16");
    private static final Ipv4Prefix ODD_SUBNET = Ipv4Prefix.parse("172.16.0.0/12");

    private static String nftRules(String comment) {
        return "add table ip hako\n"
                + "add chain ip hako prerouting { type nat hook prerouting priority dstnat; }\n"
                + "add chain ip hako output { type nat hook output priority -100; }\n"
                + "add chain ip hako postrouting { type nat hook postrouting priority srcnat; }\n"
                + "add chain ip hako forward { type filter hook forward priority filter; }\n"
                + "add rule ip hako prerouting ip daddr != 127.0.0.0/8 fib daddr type local tcp dport 8080"
                + " dnat to 172.29.0.2:80 comment \"" + comment + "\"\n"
                + "add rule ip hako output ip daddr != 127.0.0.0/8 fib daddr type local tcp dport 8080"
                + " dnat to 172.29.0.2:80 comment \"" + comment + "\"\n"
                + "add rule ip hako prerouting ip daddr 10.1.2.3 udp dport 53 dnat to 172.29.0.2:5353 comment \""
                + comment + "\"\n"
                + "add rule ip hako output ip daddr 10.1.2.3 udp dport 53 dnat to 172.29.0.2:5353 comment \""
                + comment + "\"\n"
                + "add rule ip hako postrouting ip saddr 172.29.0.0/16 oifname != \"hkt-br0\" masquerade comment \""
                + comment + "\"\n"
                + "add rule ip hako postrouting ip saddr 172.16.0.0/12 oifname != \"hkt-br1\" masquerade comment \""
                + comment + "\"\n"
                + "add rule ip hako postrouting ip saddr 172.29.0.5 oifname \"hkt-up0\" masquerade comment \""
                + comment + "\"\n"
                + "add rule ip hako forward iifname \"hkt-br0\" ip saddr 172.29.0.5 oifname \"hkt-up0\" accept comment \""
                + comment + "\"\n"
                + "add rule ip hako forward iifname \"hkt-br0\" ip saddr 172.29.0.5 drop comment \"" + comment + "\"\n";
    }

    @Test
    void tableChainsAndRulesAreExactlyWhatNftMakesOfTheSameRules() throws Exception {
        NftOwner owner = new NftOwner("c1", 4242, 99);
        try (ToolNamespace ours = ToolNamespace.create(); ToolNamespace nfts = ToolNamespace.create()) {
            List<NftRule.Handle> handles = new ArrayList<>();
            try (NfTables t = NfTables.openIn(ours.fd())) {
                t.ensureTable();
                handles.addAll(t.addPublishedPort(owner, ALL));
                handles.addAll(t.addPublishedPort(owner, ONE));
                handles.add(t.addMasquerade(owner, SUBNET, "hkt-br0"));
                handles.add(t.addMasquerade(owner, ODD_SUBNET, "hkt-br1"));
                handles.addAll(t.addRules(owner, NfTables.outboundVia(Ipv4Prefix.parse("172.29.0.5/32"), "hkt-br0",
                        List.of("hkt-up0"))));
            }
            Tools.nftScript(nfts, nftRules(owner.comment()));
            JsonNode mine = Tools.ruleset(ours);
            assertEquals(Tools.ruleset(nfts), mine, "nft's view of hako's rules and of nft's own");
            assertEquals(1 + NftChain.values().length + 9, mine.size(), mine.toString());
            // the handles returned are those nft shows, in the order added
            List<NftRule.Handle> shown = new ArrayList<>();
            for (JsonNode rule : Tools.rules(ours)) {
                assertEquals(owner.comment(), rule.get("comment").asText());
                shown.add(new NftRule.Handle(rule.get("chain").asText(), rule.get("handle").asLong()));
            }
            assertEquals(Set.copyOf(handles), Set.copyOf(shown));
            assertEquals(List.of("prerouting", "output", "prerouting", "output", "postrouting", "postrouting",
                            "postrouting", "forward", "forward"),
                    handles.stream().map(NftRule.Handle::chain).toList());
            String text = Tools.nft(ours, "list", "table", "ip", "hako");
            assertTrue(text.contains("ip daddr != 127.0.0.0/8 fib daddr type local tcp dport 8080 dnat to 172.29.0.2:80"
                    + " comment \"hako container=c1 pid=4242 start=99\""), text);
            assertTrue(text.contains("ip saddr 172.29.0.0/16 oifname != \"hkt-br0\" masquerade"), text);
        }
    }

    @Test
    void anExistingTableIsTakenAsItIsAndCreationIsIdempotent() throws Exception {
        try (ToolNamespace ns = ToolNamespace.create()) {
            Tools.nftScript(ns, "add table ip hako\n"
                    + "add chain ip hako prerouting { type nat hook prerouting priority dstnat; }\n"
                    + "add chain ip hako output { type nat hook output priority -100; }\n"
                    + "add chain ip hako postrouting { type nat hook postrouting priority srcnat; }\n"
                + "add chain ip hako forward { type filter hook forward priority filter; }\n");
            JsonNode before = Tools.ruleset(ns);
            try (NfTables t = NfTables.openIn(ns.fd())) {
                t.ensureTable();
                t.ensureTable();
                assertEquals(before, Tools.ruleset(ns));
                List<NftRule.Handle> h = t.addPublishedPort(NftOwner.current("c2"), ALL);
                assertEquals(2, Tools.rules(ns).size());
                t.deleteRules(h);
                assertEquals(before, Tools.ruleset(ns));
            }
        }
    }

    @Test
    void aForeignChainInTheWayIsReportedAndNothingChanges() throws Exception {
        try (ToolNamespace ns = ToolNamespace.create()) {
            Tools.nftScript(ns, "add table ip hako\n"
                    + "add chain ip hako prerouting { type filter hook prerouting priority 0; }\n");
            JsonNode before = Tools.ruleset(ns);
            try (NfTables t = NfTables.openIn(ns.fd())) {
                IOException e = assertThrows(IOException.class, () -> t.addPublishedPort(NftOwner.current("c3"), ALL));
                assertTrue(e.getMessage().contains("exists but is not the one hako makes")
                        && e.getMessage().contains("NFT_MSG_NEWCHAIN ip hako prerouting"), e.getMessage());
                assertEquals(before, Tools.ruleset(ns), "the failed batch changed nothing");
            }
        }
    }

    @Test
    void rulesAreListedAndDeletedByHandle() throws Exception {
        try (ToolNamespace ns = ToolNamespace.create()) {
            try (NfTables t = NfTables.openIn(ns.fd())) {
                NftOwner me = NftOwner.current("c4");
                NftRule.Handle masq = t.addMasquerade(me, SUBNET, "hkt-br0");
                JsonNode before = Tools.ruleset(ns);
                List<NftRule.Handle> port = t.addPublishedPort(me, ALL);
                assertEquals(List.of(new NftRule("prerouting", port.get(0).handle(), java.util.Optional.of(me.comment()))),
                        t.listRules(NftChain.PREROUTING));
                assertEquals(3, t.listRules().size());
                assertEquals(Set.of(masq, port.get(0), port.get(1)),
                        Set.copyOf(t.listRules().stream().map(NftRule::toHandle).toList()));
                assertTrue(t.deleteRule(port.get(0)));
                assertTrue(t.deleteRule(port.get(1)));
                assertEquals(before, Tools.ruleset(ns), "deleting by handle leaves the chains as before");
                assertFalse(t.deleteRule(port.get(0)), "a rule gone already");
                assertEquals(0, t.deleteRules(port));
                List<NftRule.Handle> again = t.addPublishedPort(me, ALL);
                assertTrue(t.deleteRule(again.get(1)));
                assertEquals(1, t.deleteRules(again), "one gone already, the other deleted");
                assertEquals(List.of(), t.listRules(NftChain.OUTPUT));
                assertTrue(t.deleteTable());
                assertFalse(t.deleteTable());
                assertEquals(List.of(), t.listRules());
                assertEquals(0, Tools.ruleset(ns).size());
            }
        }
    }

    /** A process that ran and is gone: its pid and start time. */
    private static NftOwner deadOwner(String container) throws Exception {
        Process p = new ProcessBuilder("sleep", "1000").start();
        try {
            long start = NftOwner.startTime(java.nio.file.Path.of("/proc"), p.pid()).orElseThrow();
            return new NftOwner(container, p.pid(), start);
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    @Test
    void theSweepDeletesTheRulesOfDeadOwnersOnly() throws Exception {
        try (ToolNamespace ns = ToolNamespace.create()) {
            try (NfTables t = NfTables.openIn(ns.fd())) {
                NftOwner alive = NftOwner.current("alive");
                NftOwner dead = deadOwner("dead");
                assertFalse(dead.isAlive());
                NftOwner reused = new NftOwner("reused", alive.pid(), alive.startTime() + 1);
                List<NftRule.Handle> kept = new ArrayList<>(t.addPublishedPort(alive, ALL));
                kept.add(t.addMasquerade(alive, SUBNET, "hkt-br0"));
                List<NftRule.Handle> gone = new ArrayList<>(t.addPublishedPort(dead, ONE));
                gone.add(t.addMasquerade(dead, ODD_SUBNET, "hkt-br1"));
                gone.addAll(t.addPublishedPort(reused, PublishedPort.of(PublishedPort.Protocol.TCP, 9090, "172.29.0.9", 90)));
                // rules hako did not tag, and one whose tag is almost hako's: left alone
                Tools.nftScript(ns, "add rule ip hako prerouting tcp dport 1 dnat to 172.29.0.5:1 comment \"by hand\"\n"
                        + "add rule ip hako prerouting tcp dport 2 dnat to 172.29.0.5:2\n"
                        + "add rule ip hako prerouting tcp dport 3 dnat to 172.29.0.5:3 comment \"hako container=x pid=1\"\n");
                assertEquals(kept.size() + gone.size() + 3, t.listRules().size());

                List<NftRule> swept = t.sweep();
                assertEquals(Set.copyOf(gone), Set.copyOf(swept.stream().map(NftRule::toHandle).toList()));
                List<NftRule> left = t.listRules();
                assertEquals(kept.size() + 3, left.size());
                assertTrue(left.stream().map(NftRule::toHandle).toList().containsAll(kept));
                assertEquals(List.of(), t.sweep(), "a second sweep finds nothing");
                List<String> comments = Tools.rules(ns).stream()
                        .map(r -> r.has("comment") ? r.get("comment").asText() : "").toList();
                assertEquals(5, comments.stream().filter(alive.comment()::equals).count() + 2, comments.toString());
            }
        }
    }

    @Test
    void twoHundredAddDeleteCyclesLeaveNoRuleAndNoDescriptor() throws Exception {
        try (ToolNamespace ns = ToolNamespace.create()) {
            try (NfTables t = NfTables.openIn(ns.fd())) {
                NftOwner me = NftOwner.current("cycle");
                t.ensureTable();
                JsonNode empty = Tools.ruleset(ns);
                int fds = JvmResources.openFds();
                long adding = 0;
                for (int i = 0; i < 200; i++) {
                    long start = System.nanoTime();
                    List<NftRule.Handle> h = t.addPublishedPort(me, ALL);
                    adding += System.nanoTime() - start;
                    assertEquals(2, t.deleteRules(h));
                }
                System.out.printf("NfTablesIT: adding one published port (2 rules, 1 batch) took %.0f us on average"
                        + " over 200%n", adding / 200 / 1e3);
                assertEquals(fds, JvmResources.openFds());
                assertEquals(List.of(), t.listRules());
                assertEquals(empty, Tools.ruleset(ns));
            }
        }
    }

    @Test
    void racingClientsShareOneTableWithoutFailing() throws Exception {
        int clients = 4;
        int portsEach = 10;
        try (ToolNamespace ns = ToolNamespace.create()) {
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            try {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<List<NftRule.Handle>>> results = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    int client = c;
                    results.add(pool.submit(() -> {
                        try (NfTables t = NfTables.openIn(ns.fd())) {
                            go.await();
                            List<NftRule.Handle> mine = new ArrayList<>();
                            for (int i = 0; i < portsEach; i++) {
                                t.ensureTable();
                                mine.addAll(t.addPublishedPort(NftOwner.current("race" + client),
                                        PublishedPort.of(PublishedPort.Protocol.TCP, 10000 + client * 100 + i, "172.29.0.2", 80)));
                            }
                            return mine;
                        }
                    }));
                }
                go.countDown();
                Set<NftRule.Handle> all = new HashSet<>();
                for (Future<List<NftRule.Handle>> f : results) {
                    all.addAll(f.get(60, TimeUnit.SECONDS));
                }
                assertEquals(clients * portsEach * 2, all.size(), "every handle distinct");
                List<JsonNode> rules = Tools.rules(ns);
                assertEquals(clients * portsEach * 2, rules.size());
                long chains = 0;
                for (JsonNode n : Tools.ruleset(ns)) {
                    chains += n.has("chain") ? 1 : 0;
                }
                assertEquals(NftChain.values().length, chains, "each chain once");
            } finally {
                pool.shutdownNow();
                assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void jvmsThatRaceAndCrashLeaveRulesTheSweepRemoves() throws Exception {
        int children = 3;
        int portsEach = 15;
        try (ToolNamespace ns = ToolNamespace.create()) {
            List<Process> jvms = new ArrayList<>();
            try {
                for (int c = 0; c < children; c++) {
                    List<String> command = new ArrayList<>(List.of("nsenter", "--net=" + ns.path()));
                    command.addAll(dev.hako.testing.ChildJvm.command(RacingJvm.class, "jvm" + c,
                            Integer.toString(20000 + c * 100), Integer.toString(portsEach)));
                    jvms.add(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
                }
                Set<NftRule.Handle> handles = new HashSet<>();
                try (NfTables t = NfTables.openIn(ns.fd())) {
                    NftOwner me = NftOwner.current("parent");
                    List<NftRule.Handle> mine = new ArrayList<>();
                    for (int i = 0; i < portsEach; i++) {
                        mine.addAll(t.addPublishedPort(me, PublishedPort.of(PublishedPort.Protocol.TCP, 30000 + i, "172.29.0.3", 80)));
                    }
                    handles.addAll(mine);
                    for (Process p : jvms) {
                        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
                        assertEquals(0, p.exitValue());
                        for (String line : out.strip().split("\n")) {
                            String[] f = line.split(" ");
                            handles.add(new NftRule.Handle(f[0], Long.parseLong(f[1])));
                        }
                    }
                    int total = (children + 1) * portsEach * 2;
                    assertEquals(total, handles.size(), "every rule of every JVM, each handle distinct");
                    assertEquals(total, t.listRules().size());
                    assertEquals(total, Tools.rules(ns).size());

                    List<NftRule> swept = t.sweep();
                    assertEquals(children * portsEach * 2, swept.size());
                    assertTrue(swept.stream().allMatch(r -> r.owner().orElseThrow().containerId().startsWith("jvm")));
                    assertEquals(Set.copyOf(mine), Set.copyOf(t.listRules().stream().map(NftRule::toHandle).toList()));
                }
            } finally {
                for (Process p : jvms) {
                    p.destroyForcibly();
                    p.waitFor();
                }
            }
        }
    }

    @Test
    void aKernelWithoutTheSubsystemIsNamed() throws Exception {
        try (ToolNamespace ns = ToolNamespace.create()) {
            try (NetlinkSocket s = NetlinkSocket.openIn(ns.fd(), linux_h.NETLINK_NETFILTER())) {
                // no subsystem has this number: the kernel answers as it does without nf_tables
                NfTablesUnavailableException e = assertThrows(NfTablesUnavailableException.class,
                        () -> NfTables.probe(s, linux_h.NFNL_SUBSYS_COUNT()));
                assertTrue(e.getMessage().startsWith("the kernel has no nf_tables (CONFIG_NF_TABLES, module nf_tables)"),
                        e.getMessage());
                NfTables.probe(s, linux_h.NFNL_SUBSYS_NFTABLES());
            }
        }
    }

    @Test
    void badInputIsRefusedBeforeAnythingIsSent() throws Exception {
        try (ToolNamespace ns = ToolNamespace.create()) {
            try (NfTables t = NfTables.openIn(ns.fd())) {
                NftOwner me = NftOwner.current("bad");
                assertThrows(IllegalArgumentException.class, () -> t.addMasquerade(me, SUBNET, "name-longer-than-15"));
                assertThrows(IllegalArgumentException.class,
                        () -> t.addRule(NftChain.PREROUTING, List.of(), me.comment(), "nothing"));
                assertThrows(IllegalArgumentException.class,
                        () -> t.addRule(NftChain.PREROUTING, List.of(new NftExpression.Masquerade()), "x".repeat(200), "long"));
                assertThrows(IllegalArgumentException.class,
                        () -> t.addPublishedPort(me, PublishedPort.of(PublishedPort.Protocol.TCP, 70000, "172.29.0.2", 80)));
                assertEquals(0, Tools.ruleset(ns).size(), "not even the table was made");
            }
        }
    }

    @Test
    void closeClosesTheSocket() throws Exception {
        try (ToolNamespace ns = ToolNamespace.create()) {
            int fds = JvmResources.openFds();
            NfTables t = NfTables.openIn(ns.fd());
            assertEquals(fds + 1, JvmResources.openFds());
            t.close();
            t.close();
            assertEquals(fds, JvmResources.openFds());
            assertThrows(IllegalStateException.class, t::ensureTable);
        }
    }
}
