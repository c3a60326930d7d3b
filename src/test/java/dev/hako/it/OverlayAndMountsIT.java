package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerProcess;
import dev.hako.Mount;
import dev.hako.Rootfs;
import dev.hako.cli.MinimalRootfs;
import dev.hako.testing.JvmResources;
import dev.hako.testing.KernelTest;
import dev.hako.testing.TestRootfs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Overlay and host rootfs kinds, bind and tmpfs mounts, masked paths and /etc files, on the real kernel. */
@KernelTest
class OverlayAndMountsIT {
    private static Path work;
    private static Path base;
    private static Path middle;
    private static Path top;

    @BeforeAll
    static void layers() throws IOException {
        work = Files.createTempDirectory(Path.of(System.getProperty("basedir", ".")).resolve("target"), "overlay-it-");
        base = TestRootfs.path();
        middle = Files.createDirectories(work.resolve("middle"));
        top = Files.createDirectories(work.resolve("top"));
        Files.createDirectories(middle.resolve("layers"));
        Files.createDirectories(top.resolve("layers"));
        Files.writeString(middle.resolve("layers/middle"), "from middle\n");
        Files.writeString(middle.resolve("layers/shared"), "middle loses\n");
        Files.writeString(top.resolve("layers/top"), "from top\n");
        Files.writeString(top.resolve("layers/shared"), "top wins\n");
    }

    @AfterAll
    static void cleanUp() throws IOException {
        MinimalRootfs.delete(work);
    }

    private static Container.Builder onLayers(Rootfs rootfs) {
        return Container.builder().rootfs(rootfs);
    }

    @Test
    void overlayShowsEveryLayerTopFirstAndWritesOnlyTheUpper() throws Exception {
        Path upper = work.resolve("upper-" + System.nanoTime());
        Rootfs.Overlay rootfs = Rootfs.overlay(top, middle, base).persistent(upper);
        String out = ok(onLayers(rootfs).command("/bin/sh", "-c",
                "cat /layers/top /layers/middle /layers/shared; test -x /bin/sh && echo base-sh; echo new > /layers/written;"
                        + " echo changed > /layers/middle; rm /layers/top").run());
        assertEquals("from top\nfrom middle\ntop wins\nbase-sh\n", out);
        assertEquals("new\n", Files.readString(upper.resolve("layers/written")));
        assertEquals("changed\n", Files.readString(upper.resolve("layers/middle")), "copied up, then changed");
        assertEquals("from middle\n", Files.readString(middle.resolve("layers/middle")), "lower layers never change");
        assertEquals("from top\n", Files.readString(top.resolve("layers/top")));
        assertFalse(Files.exists(base.resolve("layers")));
        // overlayfs recorded the delete as a whiteout in the upper: a 0/0 character device.
        assertEquals("c", type(upper.resolve("layers/top")));

        // The kept upper, used as the top layer of the next container, hides the deleted file.
        String next = ok(onLayers(Rootfs.overlay(upper, top, middle, base)).command("/bin/sh", "-c",
                "ls /layers; cat /layers/middle").run());
        assertEquals("middle\nshared\nwritten\nchanged\n", next);
    }

    @Test
    void opaqueDirectoryHidesTheLowerOnesContents() throws Exception {
        Path upper = work.resolve("opaque-" + System.nanoTime());
        // Removing a directory and making it again leaves it opaque in the upper.
        ok(onLayers(Rootfs.overlay(top, middle, base).persistent(upper)).command("/bin/sh", "-c",
                "rm -r /layers && mkdir /layers && echo only > /layers/fresh").run());
        String next = ok(onLayers(Rootfs.overlay(upper, top, middle, base)).command("ls", "/layers").run());
        assertEquals("fresh\n", next);
    }

    @Test
    void ephemeralUpperVanishesPersistentIsKept() throws Exception {
        String first = ok(onLayers(Rootfs.overlay(top, base)).command("/bin/sh", "-c",
                "echo scratch > /layers/tmpfile; cat /layers/tmpfile").run());
        assertEquals("scratch\n", first);
        String second = ok(onLayers(Rootfs.overlay(top, base)).command("/bin/sh", "-c",
                "ls /layers").run());
        assertEquals("shared\ntop\n", second, "nothing of the first container's writes is left");
        assertFalse(Files.exists(top.resolve("layers/tmpfile")));
    }

    @Test
    void twentyContainersShareLayersWithoutCrossTalk() throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int n = i;
                results.add(pool.submit(() -> ok(onLayers(Rootfs.overlay(top, middle, base)).command("/bin/sh", "-c",
                        "echo " + n + " > /layers/mine-" + n + "; sleep 0.2; ls /layers | grep -c mine-; cat /layers/mine-" + n)
                        .run())));
            }
            for (int i = 0; i < 20; i++) {
                assertEquals("1\n" + i + "\n", results.get(i).get(), "container " + i + " saw another's file");
            }
        }
        assertFalse(Files.list(top.resolve("layers")).anyMatch(p -> p.getFileName().toString().startsWith("mine-")));
    }

    @Test
    void hundredOverlayContainersLeaveNoMountOnTheHost() throws Exception {
        ok(onLayers(Rootfs.overlay(top, base)).command("/bin/true").run());
        List<String> before = Files.readAllLines(Path.of("/proc/1/mountinfo"));
        int jvmMounts = JvmResources.mountCount();
        for (int i = 0; i < 100; i++) {
            ok(onLayers(Rootfs.overlay(top, middle, base)).mount(Mount.tmpfs("/scratch"))
                    .mount(Mount.bind(work, "/work").readOnly()).command("/bin/true").run());
        }
        assertEquals(before, Files.readAllLines(Path.of("/proc/1/mountinfo")));
        assertEquals(jvmMounts, JvmResources.mountCount());
        assertTrue(Files.readString(Path.of("/proc/self/mountinfo")).lines().noneMatch(l -> l.contains("overlay")
                && l.contains(top.toString())));
    }

    @Test
    void bindMountsReadWriteReadOnlyAndFile() throws Exception {
        Path shared = Files.createDirectories(work.resolve("shared-" + System.nanoTime()));
        Path file = Files.writeString(work.resolve("config-" + System.nanoTime()), "setting=1\n");
        String out = ok(Container.builder().rootfs(TestRootfs.path())
                .mount(Mount.bind(shared, "/mnt/rw"))
                .mount(Mount.bind(shared, "/mnt/ro").readOnly())
                .mount(Mount.bind(file, "/etc/app.conf").readOnly())
                .mount(Mount.tmpfs("/mnt/small").size("1m").mode(0700))
                .command("/bin/sh", "-c", "echo hi > /mnt/rw/from-container; cat /mnt/ro/from-container;"
                        + " echo no > /mnt/ro/x 2>/dev/null || echo refused; cat /etc/app.conf;"
                        + " stat -c %a /mnt/small; dd if=/dev/zero of=/mnt/small/big bs=1k count=2048 2>/dev/null || echo full")
                .run());
        assertEquals("hi\nrefused\nsetting=1\n700\nfull\n", out);
        assertEquals("hi\n", Files.readString(shared.resolve("from-container")));
        assertFalse(Files.exists(TestRootfs.path().resolve("mnt/rw/from-container")), "the bind covers the rootfs dir");
    }

    /** A rootfs whose every mount point is a link pointing out of it: relative, absolute, through "..". */
    private static Path hostileRootfs(Path escape) throws IOException {
        Path rootfs = MinimalRootfs.build(work.resolve("hostile-" + System.nanoTime()));
        for (String dir : List.of("proc", "sys", "dev", "etc")) {
            MinimalRootfs.delete(rootfs.resolve(dir));
        }
        String up = "../".repeat(20);
        String escapeRel = escape.toString().substring(1);
        Files.createSymbolicLink(rootfs.resolve("proc"), Path.of(up + escapeRel + "/proc"));
        Files.createSymbolicLink(rootfs.resolve("sys"), escape.resolve("sys"));
        Files.createSymbolicLink(rootfs.resolve("dev"), Path.of(up + "tmp/../" + escapeRel + "/dev"));
        Files.createSymbolicLink(rootfs.resolve("etc"), escape.resolve("etc"));
        Files.createSymbolicLink(rootfs.resolve("data"), escape.resolve("data"));
        for (String dir : List.of("proc", "sys", "dev", "etc", "data")) {
            Files.createDirectories(escape.resolve(dir)); // the tempting targets on the host
        }
        return rootfs;
    }

    private static void assertNothingOutside(Path escape, List<String> hostMounts) throws IOException {
        assertEquals(hostMounts, Files.readAllLines(Path.of("/proc/1/mountinfo")));
        for (String dir : List.of("proc", "sys", "dev", "etc", "data")) {
            try (var left = Files.list(escape.resolve(dir))) {
                assertEquals(List.of(), left.toList(), "something landed outside the rootfs in " + escape.resolve(dir));
            }
        }
    }

    @Test
    void hostileSymlinksResolveInsideTheRootfs() throws Exception {
        Path escape = Files.createDirectories(work.resolve("escape-" + System.nanoTime()));
        Path rootfs = hostileRootfs(escape);
        Path inside = rootfs.resolve(escape.toString().substring(1));
        for (String dir : List.of("proc", "sys", "dev", "etc", "data")) {
            Files.createDirectories(inside.resolve(dir)); // where the links lead when resolved in the container
        }
        List<String> hostMounts = Files.readAllLines(Path.of("/proc/1/mountinfo"));
        Container.Result r = Container.builder().rootfs(rootfs).mount(Mount.tmpfs("/data"))
                .command("/bin/sh", "-c", "ls /proc/1/ >/dev/null && echo proc-ok; touch /data/x && echo data-ok;"
                        + " cat /etc/hosts | grep -c localhost").run();
        assertEquals(0, r.exitCode(), r.status() + " " + r.stderr());
        assertEquals("proc-ok\ndata-ok\n2\n", r.stdout());
        assertNothingOutside(escape, hostMounts);
    }

    @Test
    void hostileSymlinksToNowhereInsideRefuseToStart() throws Exception {
        Path escape = Files.createDirectories(work.resolve("escape-" + System.nanoTime()));
        Path rootfs = hostileRootfs(escape);
        List<String> hostMounts = Files.readAllLines(Path.of("/proc/1/mountinfo"));
        dev.hako.ContainerException e = org.junit.jupiter.api.Assertions.assertThrows(dev.hako.ContainerException.class,
                () -> Container.builder().rootfs(rootfs).command("/bin/true").run());
        assertTrue(e.getMessage().contains("mount(\"proc\", \"/proc\"") && e.getMessage().contains("ENOENT"), e.getMessage());
        assertNothingOutside(escape, hostMounts);
    }

    @Test
    void maskedAndReadOnlyPathsBehaveAsInDocker() throws Exception {
        String out = ok(Container.builder().rootfs(TestRootfs.path()).command("/bin/sh", "-c",
                "wc -c < /proc/keys; cat /proc/kcore 2>/dev/null | wc -c; ls /sys/firmware | wc -l;"
                        + " echo x 2>/dev/null > /proc/sys/kernel/domainname || echo ro-sys;"
                        + " echo x 2>/dev/null > /proc/sysrq-trigger || echo ro-sysrq").run());
        assertEquals("0\n0\n0\nro-sys\nro-sysrq\n", out);
        String unmasked = ok(Container.builder().rootfs(TestRootfs.path()).maskedPaths(List.of()).readonlyPaths(List.of())
                .command("/bin/sh", "-c", "ls /sys/firmware | wc -l").run());
        assertNotEquals("0\n", unmasked, "with the masks switched off the paths show through");
    }

    @Test
    void etcFilesCarryTheHostnameAndTheHostsResolvers() throws Exception {
        String out = ok(Container.builder().rootfs(TestRootfs.path()).hostname("web1").command("/bin/sh", "-c",
                "cat /etc/hostname; grep web1 /etc/hosts; grep -c localhost /etc/hosts; test -f /etc/resolv.conf && echo resolv").run());
        assertEquals("web1\n127.0.1.1\tweb1\n2\nresolv\n", out);
        assertFalse(Files.exists(Path.of("/run/hako").resolve("web1")));
        String off = ok(Container.builder().rootfs(TestRootfs.path()).hostname("noetc").etcFiles(false)
                .command("/bin/sh", "-c", "grep -s noetc /etc/hostname /etc/hosts || echo absent").run());
        assertEquals("absent\n", off);
    }

    @Test
    void hostRootfsRunsHostProgramsReadOnly() throws Exception {
        Path marker = work.resolve("host-marker");
        Container.Result r = Container.builder().rootfs(Rootfs.host("/tmp", "/scratch"))
                .command("/bin/sh", "-c", "ls /usr/bin/env >/dev/null && echo host-bin; touch /usr/x 2>/dev/null || echo ro-usr;"
                        + " echo hi > /tmp/x && cat /tmp/x; ls " + work + " 2>/dev/null || echo no-work-dir;"
                        + " cd && echo \"home $(pwd)\" && touch .profile && echo home-writable").run();
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("host-bin\nro-usr\nhi\nno-work-dir\nhome /root\nhome-writable\n", r.stdout());
        assertFalse(Files.exists(Path.of("/usr/x")));
        assertFalse(Files.exists(marker));
    }

    private static String type(Path p) throws IOException {
        int mode = (Integer) Files.getAttribute(p, "unix:mode");
        long rdev = (Long) Files.getAttribute(p, "unix:rdev");
        return (mode & 0170000) == 0020000 && rdev == 0 ? "c" : "mode " + Integer.toOctalString(mode) + " rdev " + rdev;
    }

    @Test
    void overlayRootfsCanBeReadOnly() throws Exception {
        Container.Result r = onLayers(Rootfs.overlay(top, base)).readonlyRootfs(true)
                .command("/bin/sh", "-c", "touch /layers/x").run();
        assertNotEquals(0, r.exitCode());
        assertTrue(r.stderr().contains("Read-only file system"), r.stderr());
    }

    @Test
    void containerProcessOnOverlayCanBeWatched() throws Exception {
        try (Container c = onLayers(Rootfs.overlay(top, base)).command("/bin/sh", "-c", "cat /layers/top; read x").build()) {
            ContainerProcess p = c.start();
            assertEquals("from top\n", new String(p.getInputStream().readNBytes(9)));
            p.destroyForcibly();
            assertEquals(137, p.waitFor());
        }
    }

    @Test
    void recursiveNonRecursiveAndSlaveBinds() throws Exception {
        Path source = Files.createDirectories(work.resolve("bindsrc-" + System.nanoTime()));
        Path sub = Files.createDirectories(source.resolve("sub"));
        Path later = Files.createDirectories(source.resolve("later"));
        // Propagation needs a shared mount on the host side; this machine's / is private.
        run("mount", "--bind", source.toString(), source.toString());
        run("mount", "--make-shared", source.toString());
        run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", sub.toString());
        try {
            Files.writeString(sub.resolve("inner"), "on the submount\n");
            try (Container c = Container.builder().rootfs(TestRootfs.path())
                    .mount(Mount.bind(source, "/rec"))
                    .mount(Mount.bind(source, "/flat").nonRecursive())
                    .mount(Mount.bind(source, "/follow").propagation(Mount.Propagation.SLAVE))
                    .command("/bin/sh", "-c", "cat /rec/sub/inner; ls /flat/sub | wc -l; read x; ls /follow/later; ls /rec/later | wc -l")
                    .build()) {
                var p = c.start();
                byte[] first = p.getInputStream().readNBytes("on the submount\n0\n".length());
                assertEquals("on the submount\n0\n", new String(first), "recursive binds carry submounts, flat ones do not");
                // A mount made on the host now reaches only the slave bind.
                run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", later.toString());
                try {
                    Files.writeString(later.resolve("news"), "x");
                    p.getOutputStream().write('\n');
                    p.getOutputStream().close();
                    assertEquals("news\n0\n", new String(p.getInputStream().readAllBytes()));
                    assertEquals(0, p.waitFor());
                } finally {
                    run("umount", later.toString());
                }
            }
        } finally {
            run("umount", sub.toString());
            run("umount", source.toString());
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).inheritIO().start();
        assertEquals(0, p.waitFor(), String.join(" ", command));
    }
}
