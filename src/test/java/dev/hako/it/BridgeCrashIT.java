package dev.hako.it;

import dev.hako.testing.ChildJvm;
import dev.hako.testing.KernelTest;
import dev.hako.testing.TestBridges;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A JVM killed with SIGKILL while its bridge container with a published port runs: the
 * container dies with it, and what it held on the host (its address lease, its nftables
 * rules, its veth) is gone after the next JVM's first bridged start.
 */
@KernelTest
class BridgeCrashIT {

    @AfterAll
    static void removeTheBridge() throws Exception {
        TestBridges.remove(List.of("hktb7"));
    }

    @Test
    void whatACrashedJvmsContainerHeldIsSweptByTheNextStart() throws Exception {
        Process holder = new ProcessBuilder(ChildJvm.command(BridgeCrashProbe.class, "hold"))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<String, String> facts = new LinkedHashMap<>();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            for (String line; facts.size() < 3 && (line = out.readLine()) != null; ) {
                String[] kv = line.split("=", 2);
                facts.put(kv[0], kv[1]);
            }
            assertEquals(3, facts.size(), "the holder JVM did not start its container: " + facts);
            String id = facts.get("id");
            assertTrue(rules().contains("container=" + id + " "), "its DNAT rule is there: " + rules());
            assertTrue(leaseOwners().contains(id), "its lease is there: " + leaseOwners());
        } finally {
            holder.destroyForcibly(); // SIGKILL: no close(), no shutdown hook
            assertTrue(holder.waitFor(60, TimeUnit.SECONDS));
        }
        String id = facts.get("id");
        long pid = Long.parseLong(facts.get("pid"));
        for (int i = 0; i < 600 && Files.exists(Path.of("/proc/" + pid)); i++) {
            Thread.sleep(50); // it dies with its JVM (PR_SET_PDEATHSIG), and init reaps it
        }
        assertFalse(Files.exists(Path.of("/proc/" + pid)), "the container outlived its JVM");
        assertTrue(rules().contains("container=" + id + " "), "nothing removed the rule yet: " + rules());

        Process again = new ProcessBuilder(ChildJvm.command(BridgeCrashProbe.class, "again"))
                .redirectErrorStream(true).start();
        String log = new String(again.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(again.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, again.exitValue(), log);
        assertTrue(log.contains("exit=0"), log);
        assertFalse(rules().contains("container=" + id + " "), "the dead container's rules are swept: " + rules());
        assertFalse(leaseOwners().contains(id), "its lease is swept: " + leaseOwners());
        for (int i = 0; i < 600 && links().contains("hkv" + pid); i++) {
            Thread.sleep(50);
        }
        assertFalse(links().contains("hkv" + pid), "its veth went with its namespace");
    }

    private static String rules() throws Exception {
        Process p = new ProcessBuilder("nft", "list", "table", "ip", "hako").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() == 0 ? out : "";
    }

    /** The text of every lease file of the test's bridge (each names its container). */
    private static String leaseOwners() throws Exception {
        Path dir = Path.of("/run/hako/networks/hktb7");
        if (!Files.isDirectory(dir)) {
            return "";
        }
        StringBuilder all = new StringBuilder();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(p -> !p.getFileName().toString().startsWith(".")).toList()) {
                all.append(Files.readString(f, StandardCharsets.ISO_8859_1)).append('\n');
            }
        }
        return all.toString();
    }

    private static List<String> links() throws Exception {
        try (Stream<Path> s = Files.list(Path.of("/sys/class/net"))) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }
}
