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

    /** The names of the host's hierarchies in which a container of {@code id} has a directory of its own. */
    private static TreeSet<String> ownHierarchies(String id) throws Exception {
        TreeSet<String> names = new TreeSet<>();
        for (CgroupLayout.MountedHierarchy h : CgroupLayout.detect().mountedHierarchies()) {
            if (Files.isDirectory(h.mountPoint().resolve(TestCgroups.parent().substring(1)).resolve(id))) {
                names.add(h.mountPoint().getFileName().toString());
            }
        }
        return names;
    }

    @Test
    void theContainerSeesItsOwnCgroupAsTheRootOfEachOfItsHierarchiesReadOnly() throws Exception {
        String id = "cgview-own-" + ProcessHandle.current().pid();
        String script = "ls /sys/fs/cgroup; echo --; cat /proc/self/cgroup; echo --;"
                + " cat /sys/fs/cgroup/memory/memory.limit_in_bytes; echo --;"
                + " grep ' /sys/fs/cgroup' /proc/self/mountinfo; echo --; read _; true";
        try (Container c = builder().id(id).memoryLimit(LIMIT).command("/bin/sh", "-c", script).build()) {
            ContainerProcess p = c.start();
            BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            List<List<String>> parts = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                List<String> part = new ArrayList<>();
                for (String line = lines.readLine(); line != null && !line.equals("--"); line = lines.readLine()) {
                    part.add(line);
                }
                parts.add(part);
            }
            TreeSet<String> own = ownHierarchies(id); // while it runs
            p.getOutputStream().close();
            assertEquals(0, p.waitFor());
            assertTrue(own.containsAll(List.of("memory", "pids", "unified")), own.toString());
            assertEquals(own, new TreeSet<>(parts.get(0)), "each hierarchy it has a cgroup of its own in, at its name");
            for (String line : parts.get(1)) {
                String[] f = line.split(":", 3);
                if (f[1].isEmpty() || own.contains(f[1]) || own.contains(f[1].replace("name=", ""))) {
                    assertEquals("/", f[2], "its own cgroup is the namespace's root: " + parts.get(1));
                }
            }
            assertEquals(List.of(Long.toString(LIMIT)), parts.get(2), "its own limit, at the root of its view");
            List<String> mounts = parts.get(3);
            assertEquals(own.size() + 1, mounts.size(), "the tmpfs and one mount per hierarchy: " + mounts);
            for (String m : mounts) {
                String[] f = m.split(" ");
                assertTrue(f[5].startsWith("ro,"), "read-only mount: " + m);
                if (!f[4].equals("/sys/fs/cgroup")) {
                    assertEquals("/", f[3], "each hierarchy shows the container's cgroup as its root: " + m);
                }
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
    void withoutACgroupNamespaceAV1HierarchyShowsItsOwnCgroupReadOnly() throws Exception {
        // As runc binds it on v1: the container's own directory at /sys/fs/cgroup/memory, where
        // tools read their limit, and still nothing can be written.
        String id = "cgview-nons-" + ProcessHandle.current().pid();
        String own = "/sys/fs/cgroup/memory";
        String out = ok(builder().id(id).memoryLimit(LIMIT).namespaces(allBut(Namespace.CGROUP))
                .mount(Probe.mount()).command("/bin/sh", "-c", "grep memory /proc/self/cgroup; cat " + own
                        + "/memory.limit_in_bytes; " + Probe.PATH + " write " + own + "/memory.limit_in_bytes 1073741824")
                .run());
        String[] lines = out.split("\n");
        assertTrue(lines[0].endsWith(":memory:" + TestCgroups.parent() + "/" + id), out);
        assertEquals(Long.toString(LIMIT), lines[1]);
        Probe.assertErrno(linux_h.EROFS(), lines[2], "writing its limit through its view");
    }

    private static EnumSet<Namespace> allBut(Namespace left) {
        EnumSet<Namespace> ns = EnumSet.copyOf(Namespace.all());
        ns.remove(left);
        return ns;
    }
}
