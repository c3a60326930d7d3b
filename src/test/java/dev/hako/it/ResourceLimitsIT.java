package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerProcess;
import dev.hako.ContainerStats;
import dev.hako.ExitStatus;
import dev.hako.cgroup.Controller;
import dev.hako.testing.KernelTest;
import dev.hako.testing.ProcState;
import dev.hako.testing.TestCgroups;
import dev.hako.testing.TestRootfs;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** cgroup limits as a container's processes feel them, on the real (hybrid) hierarchy. */
@KernelTest
class ResourceLimitsIT {

    @Test
    void memoryLimitOomKillsAndSaysSo() throws Exception {
        // dd's 100 MiB block buffer is filled by read(): 100 MiB charged to the container.
        Container.Result r = builder().memoryLimit("32m")
                .command("dd", "if=/dev/zero", "of=/dev/null", "bs=100M", "count=1").run();
        ExitStatus status = r.status();
        assertTrue(status.oomKilled(), "expected an OOM kill, got " + status + "; stderr: " + r.stderr());
        assertTrue(status.signaled() && status.signal() == 9, status.toString());
        assertTrue(status.toString().contains("out of memory"), status.toString());
    }

    @Test
    void sameAllocationCompletesUnderAHigherLimit() throws Exception {
        Container.Result r = builder().memoryLimit(200L * 1024 * 1024)
                .command("dd", "if=/dev/zero", "of=/dev/null", "bs=100M", "count=1").run();
        assertEquals(0, r.exitCode(), r.status() + " " + r.stderr());
        assertFalse(r.status().oomKilled());
    }

    @Test
    void pidsLimitMakesForkFailWithEagainAndTheContainerSurvives() throws Exception {
        // A subshell forks 50 sleeps and gives up at the first failed fork (every POSIX shell
        // does, each with its own words). Everything after it uses builtins only, since no
        // fork can succeed until the sleeps are gone. The kernel's own count of refused forks
        // (pids.events) says that the limit, not something else, stopped them.
        try (Container c = builder().pidsLimit(8).command("/bin/sh", "-c",
                "( i=0; while [ $i -lt 50 ]; do sleep 30 & echo $! >> /dev/shm/pids; i=$((i+1)); done ) 2>/dev/shm/err;"
                        + " n=0; while read p; do n=$((n+1)); kill $p; done < /dev/shm/pids; echo started $n;"
                        + " while read line; do echo \"error $line\"; done < /dev/shm/err; echo alive").build()) {
            ContainerProcess p = c.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), out);
            assertTrue(out.matches("(?s)started [1-6]\n.*"), "the shell and its subshell leave room for at most 6 sleeps:\n" + out);
            assertTrue(out.matches("(?s).*\nerror .+\n.*"), "the shell must report its failed fork:\n" + out);
            assertTrue(out.endsWith("alive\n"), "the container survives its failed forks:\n" + out);
            String events = Files.readString(TestCgroups.containerDir(Controller.PIDS, c.id()).resolve("pids.events"));
            assertTrue(events.matches("(?s)max [1-9][0-9]*\n.*"), "the pids limit refused the forks: pids.events says " + events);
        }
    }

    /** What a container's cgroup says about the CPU it used and the throttling it met. */
    private record CpuCounters(long periods, long throttled, long throttledMicros, long usageMicros, long periodMicros) {
        double usagePerPeriodMicros() {
            return (double) usageMicros / periods;
        }
    }

    /**
     * Runs a one-second busy loop (and a shell waiting for it) and reads, after it ended but
     * while its cgroup still exists, the kernel's own counters: v1 {@code cpu.stat}
     * (nr_periods, nr_throttled, throttled_time in ns) with {@code cpuacct.usage}, or v2
     * {@code cpu.stat} (nr_periods, nr_throttled, throttled_usec, usage_usec).
     */
    private static CpuCounters busyLoop(Container.Builder limits) throws Exception {
        try (Container c = limits.command("/bin/sh", "-c", "yes > /dev/null & sleep 1; kill $!").build()) {
            ContainerProcess p = c.start();
            assertEquals(0, p.waitFor());
            Path cpu = TestCgroups.containerDir(Controller.CPU, c.id());
            String stat = Files.readString(cpu.resolve("cpu.stat"));
            if (stat.contains("throttled_usec")) { // v2
                String[] max = Files.readString(cpu.resolve("cpu.max")).trim().split(" ");
                return new CpuCounters(key(stat, "nr_periods"), key(stat, "nr_throttled"), key(stat, "throttled_usec"),
                        key(stat, "usage_usec"), Long.parseLong(max[1]));
            }
            long usageNanos = Long.parseLong(Files.readString(
                    TestCgroups.containerDir(Controller.CPUACCT, c.id()).resolve("cpuacct.usage")).trim());
            return new CpuCounters(key(stat, "nr_periods"), key(stat, "nr_throttled"), key(stat, "throttled_time") / 1000,
                    usageNanos / 1000, Long.parseLong(Files.readString(cpu.resolve("cpu.cfs_period_us")).trim()));
        }
    }

    private static long key(String stat, String key) {
        return stat.lines().filter(l -> l.startsWith(key + " ")).mapToLong(l -> Long.parseLong(l.substring(key.length() + 1)))
                .findFirst().orElseThrow(() -> new AssertionError("no " + key + " in cpu.stat:\n" + stat));
    }

    /** The most a quota of {@code cpus} may give per period on average: a tenth of it more, for the tick the kernel charges late. */
    private static double allowedPerPeriod(double cpus, CpuCounters c) {
        return cpus * c.periodMicros() * 1.1;
    }

    @Test
    void cpuQuotaHoldsABusyLoopToItsShare() throws Exception {
        CpuCounters c = busyLoop(builder().cpus(0.2));
        assertTrue(c.periods() > 0, "the quota counted no periods: " + c);
        assertTrue(c.throttled() > 0, "a busy loop under 0.2 CPUs was never throttled: " + c);
        assertTrue(c.throttledMicros() > 0, "throttled for no time: " + c);
        assertTrue(c.usagePerPeriodMicros() <= allowedPerPeriod(0.2, c),
                "0.2 CPUs allow " + (long) (0.2 * c.periodMicros()) + " µs per period, the loop used "
                        + (long) c.usagePerPeriodMicros() + ": " + c);
    }

    @Test
    void withoutACpuLimitTheSameLoopIsNotThrottled() throws Exception {
        CpuCounters free = busyLoop(builder());
        assertEquals(0, free.throttled(), "throttled without a CPU limit: " + free);
        assertEquals(0, free.throttledMicros(), "throttled without a CPU limit: " + free);
        // A quota of the whole machine counts periods but never holds one loop back: the loop
        // then uses more per period than 0.2 CPUs allow, so the check above can fail.
        CpuCounters wide = busyLoop(builder().cpus(Runtime.getRuntime().availableProcessors()));
        assertTrue(wide.periods() > 0, "the quota counted no periods: " + wide);
        assertEquals(0, wide.throttled(), "one loop throttled by a quota of every CPU: " + wide);
        assertTrue(wide.usagePerPeriodMicros() > allowedPerPeriod(0.2, wide),
                "an unthrottled loop used only " + (long) wide.usagePerPeriodMicros() + " µs per period: " + wide);
    }

    /**
     * Paused, the kernel says the cgroup is frozen and shows each of its tasks stopped; resumed,
     * it says thawed and the shell's counter moves on. Which freezer applies is read from the
     * kernel too: v2's cgroup.freeze where /proc/PID/cgroup puts the shell in the container's v2
     * cgroup (then a frozen task sleeps in the signal path, state S), else the v1 freezer (then
     * a frozen task is in the refrigerator, state D). A busy loop is otherwise always R.
     */
    @Test
    void pauseStopsProgressAndResumeContinuesIt() throws Exception {
        try (Container c = builder().command("/bin/sh", "-c",
                "i=0; while true; do i=$((i+1)); echo $i > /dev/shm/counter; done").build()) {
            ContainerProcess p = c.start();
            Path counter = Path.of("/proc/" + p.pid() + "/root/dev/shm/counter");
            long before = awaitCounter(counter, 1);
            Freezer freezer = Freezer.of(c.id(), p.pid());
            assertEquals(freezer.thawed(), freezer.state(), freezer + " before pause");

            c.pause();
            long paused = readCounter(counter);
            assertEquals(freezer.frozen(), freezer.state(), freezer + " after pause");
            List<Long> tasks = freezer.tasks();
            assertEquals(List.of(p.pid()), tasks, "the shell alone (echo is a builtin) is in " + freezer);
            for (long task : tasks) {
                String state = procState(task);
                assertEquals(freezer.frozenTaskState(), state.charAt(0), "task " + task + " of a paused container is "
                        + state + " (wchan " + Files.readString(Path.of("/proc/" + task + "/wchan")) + ") in " + freezer);
            }
            assertEquals(paused, readCounter(counter), "the counter moved while the tasks were frozen");
            assertTrue(p.isAlive(), () -> "paused container died: " + p.exitStatus());

            c.resume();
            assertEquals(freezer.thawed(), freezer.state(), freezer + " after resume");
            // A freeze may catch the shell between truncating and writing the file (-1).
            awaitCounter(counter, Math.max(before, paused) + 100);
        }
    }

    /**
     * close() of a paused container kills it: a task frozen by the v1 freezer does not act on
     * SIGKILL until thawed, so close() must thaw it. Should close() hang, the test thaws the
     * container's freezers itself to let it finish, and fails.
     */
    @Test
    void closeEndsAPausedContainer() throws Exception {
        Container c = builder().command("/bin/sh", "-c", "sleep 1000 & echo ready; wait").build();
        ContainerProcess p;
        List<Freezer> freezers;
        try {
            p = c.start();
            assertEquals("ready\n", new String(p.getInputStream().readNBytes(6), StandardCharsets.UTF_8));
            freezers = Freezer.all(c.id());
            c.pause();
            List<String> states = new ArrayList<>();
            boolean frozen = false;
            for (Freezer f : freezers) {
                states.add(f.state());
                frozen |= f.state().equals(f.frozen());
            }
            assertTrue(frozen, "no freezer says frozen after pause: " + freezers + " " + states);
        } catch (Throwable t) {
            c.close();
            throw t;
        }
        CompletableFuture<Void> closed = CompletableFuture.runAsync(c::close);
        try {
            closed.get(10, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            for (Freezer f : freezers) {
                f.thaw();
            }
            closed.get(10, TimeUnit.SECONDS);
            fail("close() of a paused container did not return within 10 s: its processes stayed frozen in " + freezers);
        }
        assertFalse(p.isAlive());
        assertEquals(ExitStatus.killed(9), p.exitStatus());
    }

    /** The freezer that holds a container's processes, as the kernel reports it. */
    private record Freezer(Path dir, boolean v2) {
        static Freezer of(String id, long pid) throws IOException {
            Optional<Path> unified = TestCgroups.unifiedDir(id);
            boolean inV2 = unified.isPresent() && Files.readAllLines(Path.of("/proc/" + pid + "/cgroup")).contains(
                    "0::/" + unified.get().getParent().getFileName() + "/" + id);
            return inV2 ? new Freezer(unified.get(), true) : new Freezer(TestCgroups.containerDir(Controller.FREEZER, id), false);
        }

        /** Every freezer of the container: its v2 directory, and its v1 freezer cgroup, where they exist. */
        static List<Freezer> all(String id) {
            List<Freezer> all = new ArrayList<>();
            TestCgroups.unifiedDir(id).filter(d -> Files.exists(d.resolve("cgroup.freeze"))).ifPresent(d -> all.add(new Freezer(d, true)));
            Path v1 = TestCgroups.containerDir(Controller.FREEZER, id);
            if (Files.exists(v1.resolve("freezer.state"))) {
                all.add(new Freezer(v1, false));
            }
            return all;
        }

        /** v2: the {@code frozen} line of cgroup.events; v1: freezer.state. */
        String state() throws IOException {
            if (v2) {
                return Files.readAllLines(dir.resolve("cgroup.events")).stream().filter(l -> l.startsWith("frozen "))
                        .findFirst().orElseThrow(() -> new AssertionError("no frozen line in " + dir.resolve("cgroup.events")));
            }
            return Files.readString(dir.resolve("freezer.state")).trim();
        }

        String frozen() {
            return v2 ? "frozen 1" : "FROZEN";
        }

        /** Thaws it directly, past hako. */
        void thaw() throws IOException {
            Files.writeString(dir.resolve(v2 ? "cgroup.freeze" : "freezer.state"), v2 ? "0" : "THAWED");
        }

        String thawed() {
            return v2 ? "frozen 0" : "THAWED";
        }

        char frozenTaskState() {
            return v2 ? 'S' : 'D';
        }

        List<Long> tasks() throws IOException {
            return Files.readAllLines(dir.resolve("cgroup.procs")).stream().map(Long::parseLong).toList();
        }
    }

    /** The state letter of /proc/PID/stat, like R, S or D. */
    private static String procState(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    }

    @Test
    void killAllEndsAContainerWhoseInitIgnoresSigtermAndHasChildren() throws Exception {
        try (Container c = builder().command("/bin/sh", "-c", "trap '' TERM; sleep 1000 & sleep 1000 & echo ready; wait").build()) {
            ContainerProcess p = c.start();
            byte[] ready = p.getInputStream().readNBytes(6);
            assertEquals("ready\n", new String(ready, StandardCharsets.UTF_8));
            assertEquals(3, c.stats().pids(), "sh and two sleeps");
            ProcState.awaitSleeping(p.pid()); // in wait
            p.destroy();
            // Ignored, SIGTERM is dropped when sent: the shell sleeps on, nothing fatal pending.
            ProcState.assertAsleepWithNoKillPending(p.pid(), "PID 1 ignoring SIGTERM, after destroy()");
            assertTrue(p.isAlive());
            c.killAll();
            assertTrue(p.waitFor(5, TimeUnit.SECONDS));
            assertEquals(9, p.exitStatus().signal());
            assertEquals(0, c.stats().pids());
        }
    }

    @Test
    void statsReportMemoryCpuAndPids() throws Exception {
        try (Container c = builder().memoryLimit("64m").command("/bin/sh", "-c", "echo go; read x; exit 0").build()) {
            ContainerProcess p = c.start();
            p.getInputStream().readNBytes(3);
            ContainerStats s = c.stats();
            assertTrue(s.memoryBytes() > 0 && s.memoryBytes() <= 64L * 1024 * 1024, s.toString());
            assertTrue(s.memoryPeakBytes().orElse(s.memoryBytes()) >= s.memoryBytes(), s.toString());
            assertTrue(s.cpuTime().toNanos() > 0, s.toString());
            assertEquals(1, s.pids(), s.toString());
            assertEquals(0, s.oomKills(), s.toString());
            p.getOutputStream().close();
            assertEquals(0, p.waitFor());
        }
    }

    @Test
    void hundredContainersWithLimitsLeaveNoCgroupBehind() throws Exception {
        List<String> before = TestCgroups.containerCgroups();
        for (int i = 0; i < 100; i++) {
            try (Container c = builder().memoryLimit("64m").cpus(1).pidsLimit(64).command("/bin/true").build()) {
                assertEquals(0, c.start().waitFor());
            }
        }
        assertEquals(before, TestCgroups.containerCgroups());
    }

    private static long readCounter(Path counter) throws IOException {
        try {
            String s = Files.readString(counter).trim();
            return s.isEmpty() ? -1 : Long.parseLong(s);
        } catch (NoSuchFileException e) {
            return -1;
        }
    }

    private static long awaitCounter(Path counter, long atLeast) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long v;
        while ((v = readCounter(counter)) < atLeast) {
            assertTrue(System.nanoTime() < deadline, "counter stuck at " + v);
            Thread.sleep(10);
        }
        return v;
    }
}
