package dev.hako.it;

import dev.hako.Container;
import dev.hako.testing.Containers;
import dev.hako.testing.KernelTest;
import dev.hako.testing.TestRootfs;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The container's root, /dev, /sys, /proc and working directory. */
@KernelTest
class FilesystemIT {

    @Test
    void readonlyRootfsRefusesWritesButDevShmIsWritable() throws Exception {
        String name = "ro-" + UUID.randomUUID();
        Container.Result r = builder().readonlyRootfs(true).command("/bin/sh", "-c",
                "touch /" + name + "; echo \"rc=$?\"; touch /tmp/" + name + "; echo \"rc=$?\";"
                        + " echo shm > /dev/shm/f && cat /dev/shm/f").run();
        assertEquals(List.of("rc=1", "rc=1", "shm"), r.stdout().lines().toList(), () -> "stderr: " + r.stderr());
        assertTrue(r.stderr().contains("Read-only file system"), r.stderr());
        assertFalse(Files.exists(TestRootfs.host("/" + name)));
        assertFalse(Files.exists(TestRootfs.host("/tmp/" + name)));
    }

    @Test
    void writableRootfsWritesIntoTheDirectory() throws Exception {
        String name = "rw-" + UUID.randomUUID();
        Path onHost = TestRootfs.host("/tmp/" + name);
        try {
            ok(Containers.sh("echo written > /tmp/" + name));
            assertEquals("written\n", Files.readString(onHost));
        } finally {
            Files.deleteIfExists(onHost);
        }
    }

    @Test
    void devHasTheStandardDevices() throws Exception {
        String out = ok(Containers.sh("stat -c '%n|%F|%t,%T' /dev/null /dev/zero /dev/full /dev/random"
                + " /dev/urandom /dev/tty /dev/pts/ptmx /dev/shm /dev/mqueue /dev/pts"));
        Map<String, String> types = new HashMap<>();
        out.lines().forEach(l -> types.put(l.substring(0, l.indexOf('|')), l.substring(l.indexOf('|') + 1)));
        String chr = "character special file|";
        assertEquals(chr + "1,3", types.get("/dev/null"));
        assertEquals(chr + "1,5", types.get("/dev/zero"));
        assertEquals(chr + "1,7", types.get("/dev/full"));
        assertEquals(chr + "1,8", types.get("/dev/random"));
        assertEquals(chr + "1,9", types.get("/dev/urandom"));
        assertEquals(chr + "5,0", types.get("/dev/tty"));
        assertEquals(chr + "5,2", types.get("/dev/pts/ptmx"));
        for (String dir : List.of("/dev/shm", "/dev/mqueue", "/dev/pts")) {
            assertTrue(types.get(dir).startsWith("directory|"), dir + ": " + types.get(dir));
        }

        String links = ok(Containers.sh("for f in fd stdin stdout stderr; do echo \"$f $(readlink /dev/$f)\"; done"));
        assertEquals(List.of("fd /proc/self/fd", "stdin /proc/self/fd/0", "stdout /proc/self/fd/1",
                "stderr /proc/self/fd/2"), links.lines().toList());

        String mounts = ok(Containers.run("cat", "/proc/mounts"));
        assertEquals("devpts", mountType(mounts, "/dev/pts"));
        assertEquals("tmpfs", mountType(mounts, "/dev/shm"));
        assertEquals("mqueue", mountType(mounts, "/dev/mqueue"));
        assertEquals("proc", mountType(mounts, "/proc"));
    }

    @Test
    void devHasNoHostDevices() throws Exception {
        Set<String> allowed = Set.of("null", "zero", "full", "random", "urandom", "tty", "ptmx", "pts", "shm",
                "mqueue", "fd", "stdin", "stdout", "stderr", "console", "core");
        List<String> entries = ok(Containers.run("ls", "/dev")).lines().toList();
        assertTrue(allowed.containsAll(entries), "unexpected entries in /dev: " + entries);
        assertEquals("", ok(Containers.run("find", "/dev", "-type", "b")), "block devices in /dev");
    }

    @Test
    void devicesBehave() throws Exception {
        // dd reports a failed write with strerror(errno), whichever dd it is; a shell's own
        // echo may not say which errno it got.
        Container.Result r = Containers.sh("head -c 5 /dev/zero | wc -c; echo x > /dev/null && echo null-ok;"
                + " head -c 16 /dev/urandom | wc -c; dd if=/dev/zero of=/dev/full bs=1 count=1; echo \"full-rc=$?\"");
        List<String> lines = r.stdout().lines().map(String::strip).toList();
        assertEquals(List.of("5", "null-ok", "16"), lines.subList(0, 3), () -> "stderr: " + r.stderr());
        assertTrue(lines.get(3).matches("full-rc=[1-9][0-9]*"), () -> lines.get(3) + ", stderr: " + r.stderr());
        assertTrue(r.stderr().contains("No space left on device"), "writing /dev/full must fail with ENOSPC: " + r.stderr());
    }

    @Test
    void sysIsReadOnly() throws Exception {
        Container.Result r = Containers.sh("mkdir /sys/hako-test; echo \"rc=$?\"; cat /proc/mounts");
        assertTrue(r.stdout().startsWith("rc=1\n"), r.stdout());
        assertTrue(r.stderr().contains("Read-only file system"), r.stderr());
        assertEquals("sysfs", mountType(r.stdout(), "/sys"));
        assertTrue(mountOptions(r.stdout(), "/sys").startsWith("ro"), "options of /sys: " + mountOptions(r.stdout(), "/sys"));
    }

    @Test
    void workingDirectoryIsApplied() throws Exception {
        assertEquals("/etc\n", ok(builder().workingDir("/etc").command("pwd").run()));
    }

    @Test
    void missingWorkingDirectoryIsCreated() throws Exception {
        String top = "/tmp/wd-" + UUID.randomUUID();
        String dir = top + "/a/b";
        try {
            assertEquals(dir + "\n", ok(builder().workingDir(dir).command("/bin/sh", "-c", "pwd").run()));
            assertTrue(Files.isDirectory(TestRootfs.host(dir)), "created in the rootfs");
        } finally {
            for (String d : List.of(dir, top + "/a", top)) {
                Files.deleteIfExists(TestRootfs.host(d));
            }
        }
    }

    /** The fields of the last /proc/mounts line mounted on {@code point}. */
    private static String[] mount(String procMounts, String point) {
        return procMounts.lines().map(l -> l.split(" ")).filter(f -> f.length > 3 && f[1].equals(point))
                .reduce((a, b) -> b).orElseThrow(() -> new AssertionError(point + " not mounted:\n" + procMounts));
    }

    private static String mountType(String procMounts, String point) {
        return mount(procMounts, point)[2];
    }

    private static String mountOptions(String procMounts, String point) {
        return mount(procMounts, point)[3];
    }
}
