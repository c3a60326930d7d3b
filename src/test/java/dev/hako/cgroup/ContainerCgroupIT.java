package dev.hako.cgroup;

import dev.hako.cgroup.CgroupLayout.Location;
import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link ContainerCgroup} on this machine's real cgroup hierarchies, with plain host
 * processes ({@code sleep}, {@code sh}) standing in for a container: placement, limits,
 * stats, both freezers, both ways of killing everything, and cleanup.
 */
@KernelTest
class ContainerCgroupIT {
    /**
     * Its own parent, named after this JVM so that test runs beside each other on one machine
     * never see each other's cgroups, and removed at the end, so that nothing stays behind.
     */
    private static final String PARENT = "/hako-cgroup-it-" + ProcessHandle.current().pid();
    private static final long M = 1024 * 1024;

    private static CgroupLayout layout;
    private final List<ContainerCgroup> cgroups = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    @BeforeAll
    static void detect() throws IOException {
        layout = CgroupLayout.detect();
        assertEquals(Set.of(), StaleCgroups.leftovers(layout, PARENT), "left by an earlier run of this JVM");
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (ContainerCgroup cgroup : cgroups) {
            cgroup.destroy();
        }
        for (Process p : processes) {
            p.destroyForcibly();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "process " + p.pid() + " did not die");
        }
        assertEquals(Set.of(), StaleCgroups.leftovers(layout, PARENT));
    }

    @AfterAll
    static void removeParent() throws IOException {
        StaleCgroups.removeParent(layout, PARENT);
        for (Path hierarchy : layout.allHierarchies()) {
            assertFalse(Files.exists(hierarchy.resolve(PARENT.substring(1))), "parent left in " + hierarchy);
        }
    }

    private ContainerCgroup create(CgroupLimits limits) throws IOException {
        String id = "it-" + HexFormat.of().formatHex(java.security.SecureRandom.getSeed(4));
        ContainerCgroup cgroup = ContainerCgroup.create(layout, PARENT, id, limits);
        cgroups.add(cgroup);
        return cgroup;
    }

    private Process start(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(p);
        return p;
    }

    private static Path v1(ContainerCgroup cgroup, Controller c) {
        Path mount = layout.v1Mount(c).orElseThrow();
        return cgroup.directories().stream().filter(d -> d.startsWith(mount)).findFirst().orElseThrow();
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file).strip();
    }

    /** The cgroup of {@code pid} per v1 controller name, and under "" its v2 cgroup. */
    private static Map<String, String> cgroupsOf(long pid) throws IOException {
        Map<String, String> paths = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            String[] f = line.split(":", 3);
            if (f[0].equals("0")) {
                paths.put("", f[2]);
            } else {
                for (String c : f[1].split(",")) {
                    paths.put(c, f[2]);
                }
            }
        }
        return paths;
    }

    private static String state(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("State:")) {
                return line.substring(6).strip();
            }
        }
        throw new AssertionError("no State in /proc/" + pid + "/status");
    }

    /** Gone, or a zombie that its new parent has yet to reap: either way, no longer running. */
    private static boolean dead(long pid) throws IOException {
        try {
            return state(pid).startsWith("Z");
        } catch (java.nio.file.NoSuchFileException e) {
            return true;
        }
    }

    private static Set<Long> procs(ContainerCgroup cgroup) throws IOException {
        Set<Long> pids = new TreeSet<>();
        for (Path d : cgroup.directories()) {
            pids.addAll(CgroupFiles.pids(d.resolve("cgroup.procs")));
        }
        return pids;
    }

    private static void await(String what, CgroupFiles.Condition condition) throws IOException {
        if (!CgroupFiles.await(Duration.ofSeconds(10), condition)) {
            fail("timed out waiting until " + what);
        }
    }

    @Test
    void limitsLandInTheV1FilesAndTheProcessInEveryHierarchy() throws Exception {
        assumeTrue(layout.location(Controller.MEMORY) == Location.V1, "needs v1 controllers: " + layout);
        CgroupLimits limits = CgroupLimits.builder().memoryLimit(64 * M).memorySwap(128 * M)
                .memoryReservation(32 * M).cpus(0.5).cpuShares(512).cpusetCpus("0")
                .cpusetMems("0").pidsLimit(50).ioWeight(500).build();
        limits.validate();
        ContainerCgroup cgroup = create(limits);
        Process sleep = start("sleep", "100");
        cgroup.addProcess(sleep.pid(), true);

        String own = cgroup.directories().get(0).getParent().getFileName() + "/"
                + cgroup.directories().get(0).getFileName();
        Map<String, String> placed = cgroupsOf(sleep.pid());
        for (String c : List.of("memory", "pids", "cpu", "cpuacct", "freezer", "cpuset", "blkio")) {
            assertEquals("/" + own, placed.get(c), c + " in /proc/" + sleep.pid() + "/cgroup: " + placed);
        }
        if (layout.unifiedMount().isPresent()) {
            assertEquals("/" + own, placed.get(""), "the 0:: line: " + placed);
        }

        Path memory = v1(cgroup, Controller.MEMORY);
        assertEquals("67108864", read(memory.resolve("memory.limit_in_bytes")));
        assertEquals("134217728", read(memory.resolve("memory.memsw.limit_in_bytes")));
        assertEquals("33554432", read(memory.resolve("memory.soft_limit_in_bytes")));
        Path cpu = v1(cgroup, Controller.CPU);
        assertEquals("100000", read(cpu.resolve("cpu.cfs_period_us")));
        assertEquals("50000", read(cpu.resolve("cpu.cfs_quota_us")));
        assertEquals("512", read(cpu.resolve("cpu.shares")));
        Path cpuset = v1(cgroup, Controller.CPUSET);
        assertEquals("0", read(cpuset.resolve("cpuset.cpus")));
        assertEquals("0", read(cpuset.resolve("cpuset.mems")));
        assertEquals("50", read(v1(cgroup, Controller.PIDS).resolve("pids.max")));
        Path blkio = v1(cgroup, Controller.BLKIO);
        Path weight = Files.exists(blkio.resolve("blkio.weight")) ? blkio.resolve("blkio.weight")
                : blkio.resolve("blkio.bfq.weight");
        assertEquals("500", read(weight));

        List<Path> dirs = cgroup.directories();
        cgroup.destroy();
        assertTrue(sleep.waitFor(5, TimeUnit.SECONDS), "destroy kills what is in the cgroup");
        assertEquals(137, sleep.exitValue());
        for (Path d : dirs) {
            assertFalse(Files.exists(d), d + " was not removed");
        }
        cgroup.destroy(); // again: nothing to do
    }

    @Test
    void statsReadSaneValues() throws Exception {
        ContainerCgroup cgroup = create(CgroupLimits.builder().memoryLimit(64 * M).build());
        Process sh = start("sh", "-c", "read go; x=$(head -c 3000000 /dev/zero | tr '\\0' a); echo ready; sleep 100");
        cgroup.addProcess(sh.pid(), true);
        try (OutputStream in = sh.getOutputStream()) {
            in.write('\n');
        }
        // sh holds 3 MB in a variable once it says so; head and tr have come and gone
        assertEquals("ready", new java.io.BufferedReader(new java.io.InputStreamReader(sh.getInputStream())).readLine());
        CgroupStats stats = cgroup.stats();
        long memory = stats.memoryCurrent().orElseThrow();
        assertTrue(memory > 3_000_000 && memory < 64 * M, "memory " + memory + ": " + stats);
        assertTrue(stats.memoryPeak().isEmpty() || stats.memoryPeak().getAsLong() >= memory, stats.toString());
        long cpu = stats.cpuTimeNanos().orElseThrow();
        assertTrue(cpu > 0 && cpu < 60_000_000_000L, "cpu " + cpu + ": " + stats);
        assertEquals(0, stats.oomKills().orElseThrow());
        assertEquals(0, cgroup.oomKills());
    }

    @Test
    void oomKillsAreCounted() throws Exception {
        ContainerCgroup cgroup = create(CgroupLimits.builder().memoryLimit(8 * M).memorySwap(8 * M).build());
        Process sh = start("sh", "-c", "read go; x=$(head -c 50000000 /dev/zero | tr '\\0' a); echo survived");
        cgroup.addProcess(sh.pid(), true);
        try (OutputStream in = sh.getOutputStream()) {
            in.write('\n');
        }
        assertTrue(sh.waitFor(20, TimeUnit.SECONDS));
        await("the OOM kill is counted", () -> cgroup.oomKills() >= 1);
        assertEquals(cgroup.oomKills(), cgroup.stats().oomKills().orElseThrow());
    }

    /** A shell that echoes each line: it answers only while it runs. */
    private Process echo(ContainerCgroup cgroup, boolean alsoUnified) throws IOException {
        Process sh = start("sh", "-c", "while read l; do echo \"$l\"; done");
        cgroup.addProcess(sh.pid(), alsoUnified);
        return sh;
    }

    private static CompletableFuture<String> ask(Process sh, BufferedReader out, String line) throws IOException {
        sh.getOutputStream().write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        sh.getOutputStream().flush();
        return CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    @Test
    void freezesThroughV2CgroupFreeze() throws Exception {
        assumeTrue(layout.unifiedMount().isPresent(), "needs a cgroup v2 mount: " + layout);
        ContainerCgroup cgroup = create(CgroupLimits.NONE);
        Process sh = echo(cgroup, true);
        Path v2 = cgroup.unifiedDirectory().orElseThrow();
        BufferedReader out = new BufferedReader(new InputStreamReader(sh.getInputStream(), StandardCharsets.US_ASCII));
        assertEquals("hello", ask(sh, out, "hello").get(10, TimeUnit.SECONDS));

        cgroup.freeze();
        assertTrue(Files.readAllLines(v2.resolve("cgroup.events")).contains("frozen 1"));
        // v2 freezes in the signal path: /proc shows the task sleeping (S) in get_signal, not stopped
        assertTrue(state(sh.pid()).startsWith("S"), state(sh.pid()));
        String wchan = read(Path.of("/proc/" + sh.pid() + "/wchan"));
        assertTrue(wchan.equals("get_signal") || wchan.equals("0"), "wchan " + wchan);
        if (layout.location(Controller.FREEZER) == Location.V1) {
            assertEquals("THAWED", read(v1(cgroup, Controller.FREEZER).resolve("freezer.state")),
                    "freeze() took the v2 path, as the processes are in the v2 cgroup");
        }
        CompletableFuture<String> answer = ask(sh, out, "while frozen");
        assertThrows(TimeoutException.class, () -> answer.get(300, TimeUnit.MILLISECONDS), "a frozen shell answered");
        cgroup.thaw();
        assertTrue(Files.readAllLines(v2.resolve("cgroup.events")).contains("frozen 0"));
        assertEquals("while frozen", answer.get(10, TimeUnit.SECONDS), "the thawed shell answers");
    }

    @Test
    void freezesThroughTheV1Freezer() throws Exception {
        assumeTrue(layout.location(Controller.FREEZER) == Location.V1, "needs the v1 freezer: " + layout);
        ContainerCgroup cgroup = create(CgroupLimits.NONE);
        // only in the v1 cgroups: freeze() must see that v2's cgroup.freeze would not reach it
        Process sh = echo(cgroup, false);
        Path state = v1(cgroup, Controller.FREEZER).resolve("freezer.state");
        BufferedReader out = new BufferedReader(new InputStreamReader(sh.getInputStream(), StandardCharsets.US_ASCII));
        assertEquals("hello", ask(sh, out, "hello").get(10, TimeUnit.SECONDS));

        cgroup.freeze();
        assertEquals("FROZEN", read(state));
        assertEquals("D (disk sleep)", state(sh.pid()), "a task in the v1 freezer shows as uninterruptible");
        CompletableFuture<String> answer = ask(sh, out, "while frozen");
        assertThrows(TimeoutException.class, () -> answer.get(300, TimeUnit.MILLISECONDS), "a frozen shell answered");
        cgroup.thaw();
        assertEquals("THAWED", read(state));
        assertEquals("while frozen", answer.get(10, TimeUnit.SECONDS), "the thawed shell answers");

        // and forced onto the v1 path while the process is in the v2 cgroup too
        cgroup.addProcess(sh.pid(), true);
        V1Freezer v1 = new V1Freezer(v1(cgroup, Controller.FREEZER));
        v1.freeze();
        assertEquals("FROZEN", read(state));
        v1.thaw();
        assertEquals("again", ask(sh, out, "again").get(10, TimeUnit.SECONDS));
    }

    /** sh with two sleeps of its own; returns once all three are in the cgroup. */
    private Set<Long> family(ContainerCgroup cgroup, boolean alsoUnified) throws Exception {
        Process sh = start("sh", "-c", "read go; sleep 100 & sleep 100 & wait");
        cgroup.addProcess(sh.pid(), alsoUnified);
        try (OutputStream in = sh.getOutputStream()) {
            in.write('\n');
        }
        await("sh has two children", () -> procs(cgroup).size() == 3);
        Set<Long> pids = procs(cgroup);
        assertTrue(pids.contains(sh.pid()));
        return pids;
    }

    @Test
    void killAllThroughCgroupKill() throws Exception {
        assumeTrue(layout.unifiedMount().isPresent(), "needs a cgroup v2 mount: " + layout);
        ContainerCgroup cgroup = create(CgroupLimits.NONE);
        Set<Long> pids = family(cgroup, true);
        new V2Killer(cgroup.unifiedDirectory().orElseThrow()).killAll();
        assertTrue(Files.readAllLines(cgroup.unifiedDirectory().orElseThrow().resolve("cgroup.events"))
                .contains("populated 0"));
        await("every process is dead", () -> {
            for (long pid : pids) {
                if (!dead(pid)) {
                    return false;
                }
            }
            return true;
        });
        assertEquals(Set.of(), procs(cgroup), "the v1 cgroups are empty too");
        assertEquals(137, processes.get(0).waitFor());
    }

    @Test
    void killAllWalksTheV1CgroupsWhenV2DoesNotHoldTheProcesses() throws Exception {
        ContainerCgroup cgroup = create(CgroupLimits.NONE);
        Set<Long> pids = family(cgroup, false);
        cgroup.killAll();
        assertEquals(Set.of(), procs(cgroup));
        for (long pid : pids) {
            await("process " + pid + " is dead", () -> dead(pid));
        }
    }

    @Test
    void theV1WalkKillsAProcessThatKeepsForking() throws Exception {
        assumeTrue(layout.location(Controller.FREEZER) == Location.V1, "needs the v1 freezer: " + layout);
        ContainerCgroup cgroup = create(CgroupLimits.builder().pidsLimit(1000).build());
        // forks about 100 sleeps a second, and is still forking when the walk begins
        Process sh = start("sh", "-c", "read go; while :; do sleep 100 & sleep 0.01; done");
        cgroup.addProcess(sh.pid(), true);
        try (OutputStream in = sh.getOutputStream()) {
            in.write('\n');
        }
        await("it has forked 50 times", () -> procs(cgroup).size() >= 50);
        new V1Killer(cgroup.paths(), new V1Freezer(v1(cgroup, Controller.FREEZER))).killAll();
        assertEquals(Set.of(), procs(cgroup));
        assertEquals(137, sh.waitFor());
    }

    @Test
    void destroyKillsAndRemovesChildCgroupsMadeInside() throws Exception {
        // a container with a writable cgroupfs may make cgroups of its own below its cgroup
        ContainerCgroup cgroup = create(CgroupLimits.NONE);
        Process sleep = start("sleep", "100");
        cgroup.addProcess(sleep.pid(), true);
        List<Path> children = new ArrayList<>();
        for (Path dir : cgroup.directories()) {
            Path child = Files.createDirectory(dir.resolve("child"));
            children.add(child);
            CgroupFiles.write(child.resolve("cgroup.procs"), Long.toString(sleep.pid()));
        }
        cgroup.destroy();
        assertEquals(137, sleep.waitFor());
        for (Path child : children) {
            assertFalse(Files.exists(child.getParent()), child.getParent() + " was not removed");
        }
    }

    @Test
    void aFailingCreateLeavesNothingBehind() throws Exception {
        CgroupException e = assertThrows(CgroupException.class,
                () -> create(CgroupLimits.builder().memoryLimit(64 * M).pidsLimit(10).cpusetCpus("99").build()));
        String m = e.getMessage();
        assertTrue(m.startsWith("cannot set cpusetCpus: writing \"99\" to ") && m.contains("/cpuset.cpus failed: ")
                && (m.contains("Invalid argument") || m.contains("Numerical result out of range"))
                && m.contains("(it must lie within the parent's cpuset.cpus, \""),
                m);
        assertEquals(Set.of(), StaleCgroups.leftovers(layout, PARENT));
    }
}
