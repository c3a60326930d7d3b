package dev.hako.it;

import dev.hako.cgroup.CgroupLayout;
import dev.hako.cgroup.StaleCgroups;
import dev.hako.testing.KernelTest;
import dev.hako.testing.ProcState;
import dev.hako.testing.TestRootfs;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What happens across JVMs: containers die with the JVM that started them (unless told
 * otherwise), a JVM without CAP_SYS_ADMIN gets a clear error instead of a container, and
 * a JVM's supplementary groups do not reach a container's root.
 */
@KernelTest
class ChildJvmIT {

    private static Process holder(List<String> prefix, String mode) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(holderClassPath());
        cmd.add(ContainerHolder.class.getName());
        cmd.add(TestRootfs.path().toString());
        cmd.add(mode);
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /**
     * The holder runs on the class path: this JVM's module path (hako and Jackson) and class
     * path, plus the test classes, which the test plugins patch into hako's module.
     */
    private static String holderClassPath() {
        List<String> entries = new ArrayList<>();
        for (String property : List.of("jdk.module.path", "java.class.path")) {
            String value = System.getProperty(property, "");
            if (!value.isEmpty()) {
                entries.add(value);
            }
        }
        try {
            entries.add(Path.of(ContainerHolder.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static String firstLine(Process p) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        assertTrue(line != null, "the holder JVM printed nothing");
        return line;
    }

    /** True once the process is gone, or a zombie (dead, waiting for its new parent to reap it). */
    private static boolean goneWithin(long pid, long millis) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        Path stat = Path.of("/proc/" + pid + "/stat");
        while (System.nanoTime() < deadline) {
            try {
                String s = Files.readString(stat);
                if (s.substring(s.lastIndexOf(')') + 2).startsWith("Z")) {
                    return true;
                }
            } catch (java.nio.file.NoSuchFileException e) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /** The container's own cgroup directories, from the host's view of /proc/pid/cgroup. */
    private static List<Path> cgroupsOf(long pid) throws IOException {
        List<Path> dirs = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            String[] f = line.split(":", 3);
            if (f[2].startsWith("/hako/")) {
                String hierarchy = f[1].isEmpty() ? "unified" : f[1].startsWith("name=") ? f[1].substring(5) : f[1];
                dirs.add(Path.of("/sys/fs/cgroup", hierarchy).resolve(f[2].substring(1)));
            }
        }
        assertTrue(dirs.size() >= 5, "expected the container in memory, cpu, cpuacct, pids, freezer and unified: " + dirs);
        return dirs;
    }

    @Test
    void containerDiesWhenItsJvmIsKilled() throws Exception {
        Process jvm = holder(List.of(), "die");
        try {
            String line = firstLine(jvm);
            assertTrue(line.startsWith("pid "), line);
            long pid = Long.parseLong(line.substring(4));
            ProcState.awaitSleeping(pid);
            ProcState.assertAsleepWithNoKillPending(pid, "the container while its JVM runs");
            List<Path> cgroups = cgroupsOf(pid);
            jvm.destroyForcibly().waitFor();
            assertTrue(goneWithin(pid, 10_000), "container " + pid + " outlived its JVM");
            // No JVM closed it, so its cgroups stay until a JVM sweeps them (after a minute;
            // at once here).
            assertTrue(cgroups.stream().allMatch(Files::isDirectory), cgroups.toString());
            // Marked with its dead JVM, they go at once, however young: other JVMs' fresh cgroups stay.
            StaleCgroups.remove(CgroupLayout.detect(), "/hako", Duration.ofHours(1));
            assertTrue(cgroups.stream().noneMatch(Files::exists), "stale cgroups not removed: " + cgroups);
        } finally {
            jvm.destroyForcibly();
        }
    }

    /** A pool's waiting members and its started ones die with the JVM, as containers do. */
    @Test
    void poolMembersDieWhenTheirJvmIsKilled() throws Exception {
        Process jvm = holder(List.of(), "pool");
        try {
            String line = firstLine(jvm);
            assertTrue(line.matches("pid \\d+ waiting \\d+ \\d+"), line);
            String[] f = line.split(" ");
            List<Long> pids = List.of(Long.parseLong(f[1]), Long.parseLong(f[3]), Long.parseLong(f[4]));
            for (long pid : pids) {
                assertTrue(ProcessHandle.of(pid).isPresent(), "process " + pid + " runs while its JVM does");
            }
            jvm.destroyForcibly().waitFor();
            for (long pid : pids) {
                assertTrue(goneWithin(pid, 10_000), "process " + pid + " of the pool outlived its JVM");
            }
            StaleCgroups.remove(CgroupLayout.detect(), "/hako", Duration.ofHours(1));
        } finally {
            jvm.destroyForcibly();
        }
    }

    @Test
    void withoutAPidNamespaceWhatOutlivesTheJvmIsKilledByTheNextSweep() throws Exception {
        Process jvm = holder(List.of(), "orphans");
        long child = -1;
        try {
            String line = firstLine(jvm);
            assertTrue(line.matches("pid \\d+ child \\d+"), line);
            long shell = Long.parseLong(line.split(" ")[1]);
            child = Long.parseLong(line.split(" ")[3]);
            ProcState.awaitSleeping(child);
            List<Path> cgroups = cgroupsOf(shell);
            jvm.destroyForcibly().waitFor();
            assertTrue(goneWithin(shell, 10_000), "the shell got PR_SET_PDEATHSIG");
            // Only the container's first process gets the parent-death signal: its child lives on.
            assertTrue(ProcessHandle.of(child).isPresent(), "without a PID namespace the child outlives the JVM");
            // The next sweep (as the next hako start on the machine runs it) kills it, whatever
            // the cgroup's age, since its JVM is gone, and removes the cgroup.
            StaleCgroups.remove(CgroupLayout.detect(), "/hako", Duration.ofHours(1));
            assertTrue(goneWithin(child, 10_000), "the sweep must kill what a dead JVM's container left");
            assertTrue(cgroups.stream().noneMatch(Files::exists), "cgroups not removed: " + cgroups);
        } finally {
            jvm.destroyForcibly();
            if (child > 0) {
                ProcessHandle.of(child).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Test
    void containerOutlivesItsJvmWhenAskedTo() throws Exception {
        Process jvm = holder(List.of(), "survive");
        long pid = -1;
        List<Path> cgroups = List.of();
        try {
            String line = firstLine(jvm);
            assertTrue(line.startsWith("pid "), line);
            pid = Long.parseLong(line.substring(4));
            ProcState.awaitSleeping(pid);
            cgroups = cgroupsOf(pid); // now, so that the cleanup below does not depend on how it ends
            jvm.destroyForcibly().waitFor();
            // A parent-death signal is sent as the spawner thread exits, before the JVM can be
            // reaped: by now it would have woken the sleep with SIGKILL pending, or ended it.
            ProcState.assertAsleepWithNoKillPending(pid, "container " + pid + " after its JVM died, with dieWithJvm(false)");
        } finally {
            jvm.destroyForcibly();
            if (pid > 0) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                assertTrue(goneWithin(pid, 10_000), "could not clean up container " + pid);
                // Not marked (it was to outlive its JVM): only the age rule removes it.
                StaleCgroups.remove(CgroupLayout.detect(), "/hako", Duration.ZERO);
                List<Path> left = cgroups;
                assertTrue(left.stream().noneMatch(Files::exists), "stale cgroups not removed: " + left);
            }
        }
    }

    @Test
    void withoutSysAdminAContainerGetsAUserNamespaceOfItsOwn() throws Exception {
        // Still uid 0, but with CAP_SYS_ADMIN gone from every set: as rootless, the container
        // gets a user namespace (its root the JVM's own uid), in which it may make the rest.
        Process jvm = holder(List.of("setpriv", "--inh-caps=-sys_admin", "--bounding-set=-sys_admin"), "die");
        try {
            String line = firstLine(jvm);
            assertTrue(line.startsWith("pid "), line);
            long pid = Long.parseLong(line.substring(4).trim());
            assertNotEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/user")),
                    Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/user")), "a user namespace of its own");
        } finally {
            jvm.getOutputStream().close();
            jvm.waitFor(10, TimeUnit.SECONDS);
            jvm.destroyForcibly();
        }
    }

    @Test
    void rootInAContainerKeepsNoneOfTheJvmsSupplementaryGroups() throws Exception {
        // A JVM that has supplementary groups (setpriv gives it two), starting a default container as root
        Process jvm = holder(List.of("setpriv", "--groups=27,44"), "groups");
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
            String jvmLine = r.readLine();
            String containerLine = r.readLine();
            assertTrue("jvm 27 44".equals(jvmLine), "control: the JVM itself has the groups: " + jvmLine);
            assertTrue("container".equals(containerLine.strip()), "the container's root has groups: " + containerLine);
        } finally {
            jvm.waitFor(30, TimeUnit.SECONDS);
            jvm.destroyForcibly();
        }
    }
}
