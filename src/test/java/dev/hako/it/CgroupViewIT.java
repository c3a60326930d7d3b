package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerProcess;
import dev.hako.Namespace;
import dev.hako.cgroup.CgroupLayout;
import dev.hako.cgroup.Controller;
import dev.hako.linux.linux_h;
import dev.hako.testing.KernelTest;
import dev.hako.testing.Probe;
import dev.hako.testing.TestCgroups;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.TreeSet;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * /sys/fs/cgroup as a container sees it: its own cgroups (cgroup namespace), every
 * hierarchy the host has, read-only, so that no process inside can change its own limits.
 * This machine is hybrid: v1 controllers and a v2 mount at /sys/fs/cgroup/unified.
 */
@KernelTest
class CgroupViewIT {
    private static final long LIMIT = 64L << 20;

    /** The hierarchies' directory names under the host's /sys/fs/cgroup. */
    private static TreeSet<String> hostHierarchies() throws Exception {
        TreeSet<String> names = new TreeSet<>();
        for (CgroupLayout.MountedHierarchy h : CgroupLayout.detect().mountedHierarchies()) {
            names.add(h.mountPoint().getFileName().toString());
        }
        return names;
    }

    @Test
    void theContainerSeesItsOwnCgroupAsTheRootOfEveryHierarchyReadOnly() throws Exception {
        String out = ok(builder().memoryLimit(LIMIT).command("/bin/sh", "-c",
                "ls /sys/fs/cgroup; echo --; cat /proc/self/cgroup; echo --;"
                        + " cat /sys/fs/cgroup/memory/memory.limit_in_bytes; echo --;"
                        + " grep ' /sys/fs/cgroup' /proc/self/mountinfo").run());
        String[] parts = out.split("--\n");
        assertEquals(hostHierarchies(), new TreeSet<>(List.of(parts[0].split("\n"))),
                "every hierarchy of the host, at its name");
        for (String line : parts[1].split("\n")) {
            assertTrue(line.endsWith(":/"), "the container's own cgroup is the namespace's root: " + parts[1]);
        }
        assertEquals(LIMIT + "\n", parts[2], "its own limit, at the root of its view");
        List<String> mounts = List.of(parts[3].split("\n"));
        assertEquals(hostHierarchies().size() + 1, mounts.size(), "the tmpfs and one mount per hierarchy: " + mounts);
        for (String m : mounts) {
            String[] f = m.split(" ");
            assertTrue(f[5].startsWith("ro,"), "read-only mount: " + m);
            if (!f[4].equals("/sys/fs/cgroup")) {
                assertEquals("/", f[3], "each hierarchy shows the container's cgroup as its root: " + m);
            }
        }
    }

    @Test
    void theUnifiedHierarchyShowsTheContainersOwnProcesses() throws Exception {
        String out = ok(builder().command("/bin/sh", "-c",
                "cat /sys/fs/cgroup/unified/cgroup.procs; echo --; cat /sys/fs/cgroup/pids/cgroup.procs").run());
        String[] parts = out.split("--\n");
        for (String part : parts) {
            List<String> pids = List.of(part.split("\n"));
            assertTrue(pids.contains("1"), "PID 1 (the shell) is in its own v2 and v1 cgroups: " + out);
            for (String pid : pids) {
                assertTrue(Long.parseLong(pid) < 100, "only the container's processes, by their pids inside: " + out);
            }
        }
    }

    @Test
    void noProcessInsideCanChangeItsOwnLimitsOnV1OrV2() throws Exception {
        String id = "cgview-" + ProcessHandle.current().pid();
        String script = Probe.PATH + " write /sys/fs/cgroup/memory/memory.limit_in_bytes 1073741824;"
                + Probe.PATH + " write /sys/fs/cgroup/pids/pids.max 100000;"
                + Probe.PATH + " write /sys/fs/cgroup/unified/cgroup.procs 1;"
                + Probe.PATH + " mount cgroup /tmp cgroup 0 memory;"
                + Probe.PATH + " mount - /sys/fs/cgroup/memory - 'MS_REMOUNT|MS_BIND|MS_NOSUID|MS_NODEV|MS_NOEXEC' -;"
                + " echo written; read _; true";
        try (Container c = builder().id(id).memoryLimit(LIMIT).pidsLimit(50).mount(Probe.mount())
                .command("/bin/sh", "-c", script).build()) {
            ContainerProcess p = c.start();
            BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            List<String> got = new ArrayList<>();
            for (String line = lines.readLine(); line != null && !line.equals("written"); line = lines.readLine()) {
                got.add(line);
            }
            assertEquals(5, got.size(), "one line per attempt: " + got);
            Probe.assertErrno(linux_h.EROFS(), got.get(0), "writing memory.limit_in_bytes");
            Probe.assertErrno(linux_h.EROFS(), got.get(1), "writing pids.max");
            Probe.assertErrno(linux_h.EROFS(), got.get(2), "writing the v2 cgroup.procs");
            Probe.assertErrno(linux_h.EPERM(), got.get(3), "mounting the memory hierarchy anew");
            Probe.assertErrno(linux_h.EPERM(), got.get(4), "remounting the view read-write");
            // read on the host, while the container still runs
            assertEquals(Long.toString(LIMIT), Files.readString(TestCgroups.containerDir(Controller.MEMORY, id)
                    .resolve("memory.limit_in_bytes")).strip());
            assertEquals("50", Files.readString(TestCgroups.containerDir(Controller.PIDS, id).resolve("pids.max")).strip());
            p.getOutputStream().close();
            assertEquals(0, p.waitFor());
        }
    }

    @Test
    void withSysAdminTheSameRemountGoesThroughSoTheTestCanFail() throws Exception {
        // The control: a container given CAP_SYS_ADMIN may bind-remount its view read-write and
        // then raise its own limit (of its own cgroup; the host's stay as they are).
        String id = "cgview-admin-" + ProcessHandle.current().pid();
        String script = Probe.PATH + " mount - /sys/fs/cgroup/memory - 'MS_REMOUNT|MS_BIND|MS_NOSUID|MS_NODEV|MS_NOEXEC' -;"
                + Probe.PATH + " write /sys/fs/cgroup/memory/memory.limit_in_bytes 134217728;"
                + " cat /sys/fs/cgroup/memory/memory.limit_in_bytes";
        String out = ok(builder().id(id).memoryLimit(LIMIT).capAdd("SYS_ADMIN").mount(Probe.mount())
                .command("/bin/sh", "-c", script).run());
        String[] lines = out.split("\n");
        Probe.assertOk(lines[0], "remount with CAP_SYS_ADMIN");
        Probe.assertOk(lines[1], "writing the limit once the mount is read-write");
        assertEquals(Long.toString(128L << 20), lines[2]);
    }

    @Test
    void withoutACgroupNamespaceTheHostsHierarchiesAreShownReadOnly() throws Exception {
        // As runc does on cgroup v2 (a fresh cgroup2 mount, read-only): the whole hierarchy,
        // so the container's own cgroup is below its path, and still nothing can be written.
        String id = "cgview-nons-" + ProcessHandle.current().pid();
        String own = "/sys/fs/cgroup/memory" + TestCgroups.parent() + "/" + id;
        String out = ok(builder().id(id).memoryLimit(LIMIT).namespaces(EnumSet.complementOf(EnumSet.of(Namespace.CGROUP)))
                .mount(Probe.mount()).command("/bin/sh", "-c", "grep memory /proc/self/cgroup; cat " + own
                        + "/memory.limit_in_bytes; " + Probe.PATH + " write " + own + "/memory.limit_in_bytes 1073741824")
                .run());
        String[] lines = out.split("\n");
        assertTrue(lines[0].endsWith(":memory:" + TestCgroups.parent() + "/" + id), out);
        assertEquals(Long.toString(LIMIT), lines[1]);
        Probe.assertErrno(linux_h.EROFS(), lines[2], "writing its limit through the host's hierarchy");
        assertTrue(Files.isDirectory(Path.of("/sys/fs/cgroup/memory").resolve(TestCgroups.parent().substring(1))));
    }
}
