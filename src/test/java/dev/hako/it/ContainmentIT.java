package dev.hako.it;

import dev.hako.Container;
import dev.hako.linux.Kernel;
import dev.hako.linux.Libc;
import dev.hako.linux.linux_h;
import dev.hako.testing.KernelTest;
import dev.hako.testing.TestRootfs;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What a container's command may do: Docker's capabilities, no_new_privs, its user's ids
 * and groups, its resource limits, and the kernel refusing what those leave out. Each
 * refusal has a control that loosens the one setting and shows the same command working.
 */
@KernelTest
class ContainmentIT {

    /** Docker's 14, from the bindings' numbers, independently of the code under test. */
    private static final long DOCKER_MASK = bits(linux_h.CAP_CHOWN(), linux_h.CAP_DAC_OVERRIDE(), linux_h.CAP_FSETID(),
            linux_h.CAP_FOWNER(), linux_h.CAP_MKNOD(), linux_h.CAP_NET_RAW(), linux_h.CAP_SETGID(),
            linux_h.CAP_SETUID(), linux_h.CAP_SETFCAP(), linux_h.CAP_SETPCAP(), linux_h.CAP_NET_BIND_SERVICE(),
            linux_h.CAP_SYS_CHROOT(), linux_h.CAP_KILL(), linux_h.CAP_AUDIT_WRITE());

    private static final List<String> SETS = List.of("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb");

    private static long bits(int... caps) {
        long mask = 0;
        for (int cap : caps) {
            mask |= 1L << cap;
        }
        return mask;
    }

    /** The fields of /proc/self/status as the command sees them. */
    private static Map<String, String> status(Container.Builder b) throws Exception {
        String out = ok(b.command("cat", "/proc/self/status").run());
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).strip());
            }
        }
        return fields;
    }

    private static void assertSets(long expected, Map<String, String> status) {
        for (String set : SETS) {
            assertEquals(Long.toHexString(expected), Long.toHexString(Long.parseUnsignedLong(status.get(set), 16)),
                    set + " in " + status);
        }
    }

    /** Root's sets as Docker shows them: the bounding set permitted and effective, nothing inheritable or ambient. */
    private static void assertRootSets(long expected, Map<String, String> status) {
        for (String set : SETS) {
            long want = set.equals("CapInh") || set.equals("CapAmb") ? 0 : expected;
            assertEquals(Long.toHexString(want), Long.toHexString(Long.parseUnsignedLong(status.get(set), 16)),
                    set + " in " + status);
        }
    }

    @Test
    void defaultContainerHasDockersCapabilitiesNoNewPrivsASeccompFilterAndRootsIdsWithNoGroups() throws Exception {
        Map<String, String> status = status(builder());
        assertRootSets(DOCKER_MASK, status);
        assertEquals("1", status.get("NoNewPrivs"));
        assertEquals("2", status.get("Seccomp"), "a seccomp filter (mode 2): Docker's profile by default");
        assertEquals("", status.get("Groups"), "root keeps none of the JVM's supplementary groups");
        assertEquals("0\t0\t0\t0", status.get("Uid"));
        assertEquals("0\t0\t0\t0", status.get("Gid"));
    }

    @Test
    void capDropAllLeavesNone() throws Exception {
        assertRootSets(0, status(builder().capDrop("ALL")));
    }

    @Test
    void capAddAllGivesEveryCapabilityTheJvmHas() throws Exception {
        // Root on these machines lacks CAP_SYS_RESOURCE: ALL must still start, with the JVM's set.
        assertRootSets(Kernel.effectiveCapabilities(), status(builder().capAdd("ALL")));
    }

    @Test
    void capAddAndCapDropChangeTheSetByName() throws Exception {
        long expected = (DOCKER_MASK | bits(linux_h.CAP_SYS_ADMIN())) & ~bits(linux_h.CAP_NET_RAW(), linux_h.CAP_MKNOD());
        assertRootSets(expected, status(builder().capAdd("sys_admin").capDrop("CAP_NET_RAW", "mknod")));
    }

    @Test
    void nonRootUserKeepsAnAddedCapabilityThroughTheAmbientSet() throws Exception {
        Map<String, String> status = status(builder().user("1000:1000").capDrop("ALL").capAdd("NET_BIND_SERVICE"));
        assertSets(bits(linux_h.CAP_NET_BIND_SERVICE()), status);
        assertEquals("1000\t1000\t1000\t1000", status.get("Uid"));
        assertEquals("1000\t1000\t1000\t1000", status.get("Gid"));
        assertEquals("", status.get("Groups"));
    }

    @Test
    void aNonRootUserGivenNetBindServiceBindsPort80() throws Exception {
        assumeTrue(Files.isExecutable(TestRootfs.host("/bin/nc")) || Files.isExecutable(TestRootfs.host("/usr/bin/nc")),
                "the test rootfs has no nc (busybox-static brings one)");
        String script = "nc -l -p 80 </dev/null 2>&1 & p=$!; sleep 0.3;"
                + " if kill -0 $p 2>/dev/null; then kill $p; echo bound; else wait $p; echo refused; fi";
        assertTrue(ok(sh(builder().user("1000:1000").capDrop("ALL").capAdd("NET_BIND_SERVICE"), script)).endsWith("bound\n"));
        assertTrue(ok(sh(builder().user("1000:1000"), script)).endsWith("refused\n"),
                "control: without capAdd a non-root user cannot bind port 80");
    }

    @Test
    void nonRootUserKeepsOnlyWhatCapAddNamedWithDockersBoundingSet() throws Exception {
        Map<String, String> status = status(builder().user("1000:1000"));
        assertEquals(Long.toHexString(DOCKER_MASK), Long.toHexString(Long.parseUnsignedLong(status.get("CapBnd"), 16)));
        for (String set : List.of("CapInh", "CapPrm", "CapEff", "CapAmb")) {
            assertEquals(0, Long.parseUnsignedLong(status.get(set), 16), set + " in " + status);
        }
        Map<String, String> added = status(builder().user("1000:1000").capAdd("NET_ADMIN"));
        assertEquals(Long.toHexString(DOCKER_MASK | bits(linux_h.CAP_NET_ADMIN())),
                Long.toHexString(Long.parseUnsignedLong(added.get("CapBnd"), 16)));
        assertEquals(Long.toHexString(bits(linux_h.CAP_NET_ADMIN())),
                Long.toHexString(Long.parseUnsignedLong(added.get("CapEff"), 16)));
    }

    @Test
    void noNewPrivilegesCanBeTurnedOff() throws Exception {
        assertEquals("0", status(builder().noNewPrivileges(false)).get("NoNewPrivs"));
    }

    /** Uid, Gid, Groups, the capability sets and NoNewPrivs of every thread of this JVM. */
    private static Map<String, String> jvmThreads() throws Exception {
        Map<String, String> all = new java.util.TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String wanted = Files.readAllLines(task.resolve("status")).stream()
                            .filter(l -> l.matches("(Uid|Gid|Groups|Cap[A-Za-z]+|NoNewPrivs):.*"))
                            .reduce("", (a, b) -> a + b + "\n");
                    all.put(task.getFileName().toString(), wanted);
                } catch (java.nio.file.NoSuchFileException gone) {
                    // a thread that ended meanwhile
                }
            }
        }
        return all;
    }

    @Test
    void theJvmKeepsItsOwnIdsAndCapabilities() throws Exception {
        // the child shares the JVM's memory (CLONE_VM) but its credentials are its own
        Map<String, String> before = jvmThreads();
        ok(builder().user("1000:1000").capDrop("ALL").capAdd("NET_BIND_SERVICE").rlimit("NOFILE", 10, 10)
                .command("true").run());
        ok(builder().command("true").run());
        Map<String, String> after = jvmThreads();
        after.keySet().retainAll(before.keySet());
        for (Map.Entry<String, String> e : after.entrySet()) {
            assertEquals(before.get(e.getKey()), e.getValue(), "thread " + e.getKey() + " of the JVM changed");
        }
        assertTrue(after.size() > 1, "no thread of the JVM lived through both containers: " + after.keySet());
        long[] nofile = Libc.getrlimit(linux_h.RLIMIT_NOFILE());
        assertTrue(nofile[0] != 10 && nofile[1] != 10, "the JVM's own RLIMIT_NOFILE changed");
    }

    /** Runs {@code script} and returns its exit code with what it printed on stderr. */
    private static Container.Result sh(Container.Builder b, String script) throws Exception {
        return b.command("/bin/sh", "-c", script).run();
    }

    private static void assertRefused(Container.Result r, String what) {
        assertNotEquals(0, r.exitCode(), what + " worked: " + r);
        String err = r.stderr().toLowerCase(Locale.ROOT);
        assertTrue(err.contains("not permitted") || err.contains("permission denied") || err.contains("read-only"),
                what + " failed, but not with EPERM, EACCES or EROFS: " + r.stderr());
    }

    // mount, umount of a masked path, unshare, remounting a read-only root and
    // /proc/sysrq-trigger: EscapeIT, with the exact errno of each call.

    @Test
    void writingProcSysIsRefused() throws Exception {
        // /proc/sys is read-only (and kernel.hostname is the UTS namespace's own, should it ever go through)
        assertRefused(sh(builder(), "echo other > /proc/sys/kernel/hostname"), "writing /proc/sys/kernel/hostname");
    }

    @Test
    void mknodOfABlockDeviceNeedsMknod() throws Exception {
        // Docker's set has CAP_MKNOD, and mknod is allowed: it is opening the node that the
        // device policy refuses (DevicesIT). Without the capability the kernel refuses mknod too.
        assertRefused(sh(builder().capDrop("MKNOD"), "mknod /tmp/sda b 8 0"), "mknod of a block device");
        ok(sh(builder(), "mknod /tmp/sda-" + ProcessHandle.current().pid() + " b 8 0 && rm /tmp/sda-"
                + ProcessHandle.current().pid()));
    }

    @Test
    void ordinaryProgramsWork() throws Exception {
        String out = ok(sh(builder(), "ls / >/dev/null && cat /proc/self/status >/dev/null && ps >/dev/null"
                + " && sleep 0.1 && echo fine"));
        assertEquals("fine\n", out);
        assertEquals("fine\n", ok(sh(builder().user("1000:1000"), "ls / >/dev/null && ps >/dev/null && sleep 0.1 && echo fine")));
    }

    @Test
    void loweredRlimitIsSeenInside() throws Exception {
        assertEquals("100\n200\n", ok(sh(builder().rlimit("NOFILE", 100, 200), "ulimit -n; ulimit -Hn")));
        assertEquals("64\n", ok(sh(builder().rlimit("rlimit_nofile", 8, 8).rlimit("nofile", 64, 64), "ulimit -n")),
                "the last rlimit of a resource wins");
    }

    @Test
    void raisingAHardLimitAboveTheJvmsNamesCapSysResource() throws Exception {
        long jvmHard = Libc.getrlimit(linux_h.RLIMIT_NOFILE())[1];
        assumeTrue(jvmHard != -1, "the JVM's hard limit of open files is unlimited: nothing is above it");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder().rlimit("NOFILE", 1024, jvmHard + 1).command("true").build());
        assertTrue(e.getMessage().contains("CAP_SYS_RESOURCE") && e.getMessage().contains("rlimit"), e.getMessage());
    }
}
