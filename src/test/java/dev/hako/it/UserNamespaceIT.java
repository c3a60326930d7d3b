package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerException;
import dev.hako.ContainerProcess;
import dev.hako.Mount;
import dev.hako.Namespace;
import dev.hako.cli.MinimalRootfs;
import dev.hako.testing.KernelTest;
import dev.hako.testing.TestCgroups;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A container with a user namespace, started by a root JVM: root inside, an unprivileged id
 * outside.
 */
@KernelTest
class UserNamespaceIT {
    /** Host ids of the tests' maps: far from any id of this machine. */
    private static final long BASE = 1_200_000;

    @TempDir
    static Path dir;
    private static Path rootfs;

    @BeforeAll
    static void rootfs() throws Exception {
        // Readable by others on the way down: the container's root is host uid BASE, for which
        // the host's root-owned files are "other" (no DAC override across the map).
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        rootfs = MinimalRootfs.build(dir.resolve("rootfs"));
        for (String f : List.of("hostname", "hosts", "resolv.conf")) {
            // The generated files are bound onto these; the mapped root cannot create them in
            // a directory the host's root owns.
            Files.writeString(rootfs.resolve("etc").resolve(f), "");
        }
    }

    private static Container.Builder mapped() {
        return Container.builder().rootfs(rootfs).cgroupParent(TestCgroups.parent()).uidMap(0, BASE, 65536);
    }

    @Test
    void rootInsideIsTheMappedIdOutside() throws Exception {
        String out = ok(mapped().command("/bin/sh", "-c",
                "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; grep -E '^(CapEff|NoNewPrivs)' /proc/self/status")
                .run());
        String[] lines = out.split("\n");
        assertEquals("0", lines[0]);
        assertEquals("0", lines[1]);
        assertEquals(List.of("0", Long.toString(BASE), "65536"), List.of(lines[2].trim().split("\\s+")), out);
        assertEquals(List.of("0", Long.toString(BASE), "65536"), List.of(lines[3].trim().split("\\s+")), out);
        assertTrue(out.contains("CapEff:\t00000000a80425fb") && out.contains("NoNewPrivs:\t1"),
                "Docker's capabilities and no_new_privs, inside the namespace: " + out);
    }

    @Test
    void theContainersProcessIsTheMappedIdOnTheHost() throws Exception {
        try (Container c = mapped().command("/bin/sh", "-c", "echo up; exec sleep 60").build()) {
            ContainerProcess p = c.start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("up", out.readLine());
            String status = Files.readString(Path.of("/proc", Long.toString(p.pid()), "status"));
            assertTrue(status.contains("\nUid:\t" + BASE + "\t" + BASE + "\t" + BASE + "\t" + BASE + "\n"), status);
            assertTrue(status.contains("\nGid:\t" + BASE + "\t" + BASE + "\t" + BASE + "\t" + BASE + "\n"), status);
            // What an escaped process would be outside: an id that owns nothing of the host.
            assertNotEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/user")),
                    Files.readSymbolicLink(Path.of("/proc", Long.toString(p.pid()), "ns", "user")), "a user namespace of its own");
        }
    }

    @Test
    void aFileCreatedInABindIsOwnedByTheMappedIdOnTheHost() throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        ok(mapped().mount(Mount.bind(shared, "/tmp/data")).command("/bin/sh", "-c", "echo hi > /tmp/data/f; mkdir /tmp/data/d")
                .run());
        assertEquals((int) BASE, Files.getAttribute(shared.resolve("f"), "unix:uid"));
        assertEquals((int) BASE, Files.getAttribute(shared.resolve("f"), "unix:gid"));
        assertEquals((int) BASE, Files.getAttribute(shared.resolve("d"), "unix:uid"));
    }

    @Test
    void aNonRootUserInsideIsItsMappedIdOutside() throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared-user"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        String out = ok(mapped().user("1000:1000").mount(Mount.bind(shared, "/tmp/data"))
                .command("/bin/sh", "-c", "id -u; touch /tmp/data/f").run());
        assertEquals("1000\n", out);
        assertEquals((int) (BASE + 1000), Files.getAttribute(shared.resolve("f"), "unix:uid"));
    }

    @Test
    void theHostsFilesShowAsNobodyAndRootInsideCannotChangeThem() throws Exception {
        // Without an idmapped rootfs, files owned by the host's root belong to no id of the
        // namespace: root inside has no capability over them.
        String out = ok(mapped().command("/bin/sh", "-c",
                "stat -c '%u %g' /bin; touch /bin/new 2>/dev/null && echo wrote || echo refused").run());
        assertEquals("65534 65534\nrefused\n", out);
        assertTrue(Files.notExists(rootfs.resolve("bin/new")));
    }

    @Test
    void theMasksAndTheReadOnlyCgroupViewHoldInside() throws Exception {
        String out = ok(mapped().command("/bin/sh", "-c", "cat /proc/kcore | wc -c; ls /sys/firmware | wc -l;"
                + " echo 1 > /sys/fs/cgroup/pids/pids.max 2>/dev/null || echo ro; umount /proc/kcore 2>/dev/null || echo kept")
                .run());
        assertEquals("0\n0\nro\nkept\n", out);
    }

    @Test
    void withoutANetworkNamespaceSysIsTheHostsReadOnly() throws Exception {
        java.util.Set<Namespace> ns = java.util.EnumSet.copyOf(Namespace.all());
        ns.remove(Namespace.NETWORK);
        String out = ok(mapped().namespaces(ns).command("/bin/sh", "-c",
                "ls /sys/class/net | grep -c . ; touch /sys/x 2>/dev/null || echo ro").run());
        assertEquals(Files.list(Path.of("/sys/class/net")).count() + "\nro\n", out,
                "the host's interfaces: a new sysfs would need a network namespace");
    }

    @Test
    void execJoinsTheUserNamespace() throws Exception {
        try (Container c = mapped().command("/bin/sleep", "60").build()) {
            c.start();
            ContainerProcess p = c.exec("/bin/sh", "-c", "id -u; cat /proc/self/uid_map");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), out);
            assertTrue(out.startsWith("0\n") && out.contains(Long.toString(BASE)), out);
        }
    }

    @Test
    void mapsTheKernelWouldRefuseAreRefusedAtBuild() {
        IllegalArgumentException overlap = assertThrows(IllegalArgumentException.class,
                () -> mapped().uidMap(100, BASE + 70000, 10).command("/bin/true").build());
        assertTrue(overlap.getMessage().contains("overlap inside"), overlap.getMessage());
        IllegalArgumentException noRoot = assertThrows(IllegalArgumentException.class,
                () -> Container.builder().rootfs(rootfs).uidMap(1, BASE, 10).command("/bin/true").build());
        assertTrue(noRoot.getMessage().contains("container id 0 is not mapped"), noRoot.getMessage());
        IllegalArgumentException user = assertThrows(IllegalArgumentException.class,
                () -> Container.builder().rootfs(rootfs).uidMap(0, BASE, 100).user("1000").command("/bin/true").build());
        assertTrue(user.getMessage().contains("uid 1000 is not mapped"), user.getMessage());
    }

    @Test
    void aRootfsTheMappedRootCannotReachFailsClearly() throws Exception {
        Path closed = Files.createDirectory(dir.resolve("closed"));
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
        Path inner = MinimalRootfs.build(closed.resolve("rootfs"));
        ContainerException e = assertThrows(ContainerException.class, () -> Container.builder().rootfs(inner)
                .cgroupParent(TestCgroups.parent()).uidMap(0, BASE, 65536).command("/bin/true").run());
        assertTrue(e.getMessage().contains(closed.toString()) && e.getMessage().contains("uid " + BASE),
                e.getMessage());
    }

    @Test
    void autoGivesEachRunningContainerItsOwnRangeAndTakesItBackAtClose() throws Exception {
        Container.Builder auto = Container.builder().rootfs(rootfs).cgroupParent(TestCgroups.parent())
                .userNamespace(dev.hako.UserNamespace.auto());
        try (Container a = auto.command("/bin/sleep", "60").build(); Container b = auto.command("/bin/sleep", "60").build()) {
            long hostA = firstHostId(a.start().pid());
            long hostB = firstHostId(b.start().pid());
            assertTrue(hostA >= 65536 && hostB >= 65536, "above the host's first 65536 ids: " + hostA + ", " + hostB);
            assertTrue(Math.abs(hostA - hostB) >= 65536, "ranges apart: " + hostA + ", " + hostB);
            a.close();
            try (Container c = auto.command("/bin/sleep", "60").build()) {
                assertEquals(hostA, firstHostId(c.start().pid()), "the lowest free range again, once a has closed");
            }
        }
    }

    /** The host id that container id 0 of process {@code pid} is, from its uid_map, which must map 65536 ids. */
    private static long firstHostId(long pid) throws Exception {
        String[] line = Files.readString(Path.of("/proc", Long.toString(pid), "uid_map")).trim().split("\\s+");
        assertEquals("0", line[0]);
        assertEquals("65536", line[2]);
        return Long.parseLong(line[1]);
    }

    @Test
    void anOverlaysLayersAreIdmappedSoTheImagesFilesShowTheirOwnOwners() throws Exception {
        Path layer = Files.createDirectory(dir.resolve("layer-owners"));
        Path mine = Files.writeString(layer.resolve("of-1000"), "x\n");
        Files.setAttribute(mine, "unix:uid", 1000);
        Files.setAttribute(mine, "unix:gid", 1000);
        Files.writeString(rootfs.resolve("etc/whited-out"), "lower\n");
        Path whiteout = layer.resolve("etc");
        Files.createDirectory(whiteout);
        new ProcessBuilder("mknod", whiteout.resolve("whited-out").toString(), "c", "0", "0").inheritIO().start().waitFor();
        Path upper = dir.resolve("upper-owners");
        String out = ok(mapped().rootfs(dev.hako.Rootfs.overlay(layer, rootfs).persistent(upper))
                .command("/bin/sh", "-c", "stat -c '%u %g' /bin /of-1000; cat /etc/whited-out 2>/dev/null || echo hidden;"
                        + " echo new > /bin/new && echo wrote")
                .run());
        assertEquals("0 0\n1000 1000\nhidden\nwrote\n", out, "the image's own owners, its whiteout, and a write");
        assertEquals((int) BASE, Files.getAttribute(upper.resolve("bin/new"), "unix:uid"),
                "the write is the container's root on the host, not the host's root");
        assertTrue(Files.notExists(rootfs.resolve("bin/new")), "the lower layer is untouched");
        assertEquals(1000, Files.getAttribute(mine, "unix:uid"), "nothing chowned on disk");
        Files.delete(rootfs.resolve("etc/whited-out"));
    }
}
