package dev.hako.linux;

import dev.hako.testing.JvmResources;
import dev.hako.testing.KernelTest;
import dev.hako.testing.MappedUserNamespace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Idmapped copies made by the JVM through another process's user namespace (map
 * {@code 0 100000 65536}), attached on the host so that the host's stat shows what the
 * mapping does; the tree on disk stays as it was. And the refusals: a filesystem that
 * cannot be idmapped (procfs, at the tree or mounted below it), a descriptor that is no
 * user namespace, the JVM's own namespace. Nothing is left open or mounted afterwards.
 */
@KernelTest
class IdmappedMountIT {
    private static final int BASE = 100_000;

    @TempDir
    Path tmp;

    private final List<Path> mounted = new ArrayList<>();

    @AfterEach
    void unmount() throws Exception {
        for (Path p : mounted.reversed()) {
            run("umount", p.toString());
        }
    }

    /** A tree with a file and a directory of root's, a file of 1000's, and one of an id outside the map. */
    private Path tree() throws IOException, InterruptedException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("root-file"), "root's\n");
        Files.createDirectory(src.resolve("root-dir"));
        Files.writeString(src.resolve("user-file"), "1000's\n");
        Files.writeString(src.resolve("unmapped-file"), "70000's\n");
        run("chown", "1000:1000", src.resolve("user-file").toString());
        run("chown", "70000:70000", src.resolve("unmapped-file").toString());
        return src;
    }

    /** uid:gid of every entry, not following links. */
    private static Map<String, String> owners(Path dir) throws IOException {
        Map<String, String> owners = new TreeMap<>();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                owners.put(p.getFileName().toString(), Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS) + ":"
                        + Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS));
            }
        }
        return owners;
    }

    private void attach(IdmappedMount m, Path target) throws IOException {
        Files.createDirectories(target);
        Libc.moveMount(m.fd(), target.toString());
        mounted.add(target);
    }

    @Test
    void theCopyShowsTheOwnersMappedAndTheTreeOnDiskIsUnchanged() throws Exception {
        Path src = tree();
        Map<String, String> ownersBefore = owners(src);
        assertEquals(Map.of("root-file", "0:0", "root-dir", "0:0", "user-file", "1000:1000",
                "unmapped-file", "70000:70000"), ownersBefore);
        run("true"); // warm-up: the JDK's process reaper thread belongs to "before"
        JvmResources before = JvmResources.snapshot();
        Path target = tmp.resolve("mapped");
        try (MappedUserNamespace ns = MappedUserNamespace.start(0, BASE, 65536)) {
            int userns = ns.openUserNamespace();
            try (IdmappedMount m = IdmappedMount.of(src, userns, true)) {
                assertEquals(src, m.tree());
                attach(m, target);
            } finally {
                Libc.close(userns);
            }
        }
        assertEquals(Map.of("root-file", BASE + ":" + BASE, "root-dir", BASE + ":" + BASE,
                "user-file", (BASE + 1000) + ":" + (BASE + 1000), "unmapped-file", "65534:65534"), owners(target),
                "0 -> 100000, 1000 -> 101000; an id outside the map is the overflow id");
        assertEquals("1000's\n", Files.readString(target.resolve("user-file")), "the same files");
        assertEquals(ownersBefore, owners(src), "nothing chowned on disk");
        run("umount", target.toString());
        mounted.remove(target);
        JvmResources.assertNoLeakSince(before);
    }

    @Test
    void withoutRecursionTheMountsBelowStayOut() throws Exception {
        Path src = tree();
        Path sub = Files.createDirectories(src.resolve("root-dir/sub"));
        run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", sub.toString());
        mounted.add(sub);
        Files.writeString(sub.resolve("on-tmpfs"), "x");
        Path target = tmp.resolve("mapped");
        try (MappedUserNamespace ns = MappedUserNamespace.start(0, BASE, 65536)) {
            int userns = ns.openUserNamespace();
            try (IdmappedMount m = IdmappedMount.of(src, userns, false)) {
                attach(m, target);
            } finally {
                Libc.close(userns);
            }
        }
        assertTrue(Files.exists(target.resolve("root-file")));
        assertFalse(Files.exists(target.resolve("root-dir/sub/on-tmpfs")), "the tmpfs is not in the copy");
    }

    @Test
    void procfsIsRefusedNamingTheTreeItsFilesystemAndWhatWorks() throws Exception {
        run("true"); // warm-up: the JDK's process reaper thread belongs to "before"
        JvmResources before = JvmResources.snapshot();
        try (MappedUserNamespace ns = MappedUserNamespace.start(0, BASE, 65536)) {
            int userns = ns.openUserNamespace();
            try {
                IdmapUnsupportedException e = assertThrows(IdmapUnsupportedException.class,
                        () -> IdmappedMount.of(Path.of("/proc"), userns, false));
                assertEquals("cannot make an idmapped mount of /proc: it is on proc, which this kernel (Linux "
                        + Kernel.release() + ") cannot idmap. Idmapped mounts work on ext4, xfs, btrfs, f2fs and vfat,"
                        + " on tmpfs from Linux 6.3 and on overlayfs from Linux 5.19: put the files on one of those,"
                        + " or run the container without a user namespace", e.getMessage());
                assertEquals(Path.of("/proc"), e.mountPoint());
                assertEquals("proc", e.filesystem());
                assertEquals(linux_h.EINVAL(), ((SyscallException) e.getCause()).errno(), "the kernel's own word");
            } finally {
                Libc.close(userns);
            }
        }
        JvmResources.assertNoLeakSince(before); // no copy left open by the refusal or its diagnosis
    }

    @Test
    void aRefusingMountBelowARecursiveTreeIsTheOneNamed() throws Exception {
        Path src = tree();
        Path proc = Files.createDirectories(src.resolve("root-dir/proc"));
        run("mount", "-t", "proc", "proc", proc.toString());
        mounted.add(proc);
        try (MappedUserNamespace ns = MappedUserNamespace.start(0, BASE, 65536)) {
            int userns = ns.openUserNamespace();
            try {
                IdmapUnsupportedException e = assertThrows(IdmapUnsupportedException.class,
                        () -> IdmappedMount.of(src, userns, true));
                assertEquals(proc, e.mountPoint());
                assertEquals("proc", e.filesystem());
                assertTrue(e.getMessage().startsWith("cannot make an idmapped mount of " + src + ": the mount at "
                        + proc + " below it is proc, which this kernel"), e.getMessage());
                assertTrue(e.getMessage().endsWith("or leave that mount out of the tree"), e.getMessage());
                IdmappedMount.of(src, userns, false).close(); // the tree's own ext4 (or tmpfs) is fine alone
            } finally {
                Libc.close(userns);
            }
        }
    }

    @Test
    void aDescriptorThatIsNoUserNamespaceIsRefused() throws Exception {
        Path src = tree();
        int net = Libc.openat2(linux_h.AT_FDCWD(), "/proc/self/ns/net", linux_h.O_RDONLY() | linux_h.O_CLOEXEC(), 0);
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> IdmappedMount.of(src, net, true));
            assertTrue(e.getMessage().startsWith("descriptor " + net + " (net:["), e.getMessage());
            assertTrue(e.getMessage().contains("is not a user namespace"), e.getMessage());
        } finally {
            Libc.close(net);
        }
    }

    @Test
    void theJvmsOwnUserNamespaceIsRefusedSayingWhy() throws Exception {
        Path src = tree();
        int own = Libc.openat2(linux_h.AT_FDCWD(), "/proc/self/ns/user", linux_h.O_RDONLY() | linux_h.O_CLOEXEC(), 0);
        try {
            SyscallException e = assertThrows(SyscallException.class, () -> IdmappedMount.of(src, own, true));
            assertEquals(linux_h.EPERM(), e.errno());
            assertTrue(e.getMessage().contains("mount_setattr(") && e.getMessage().contains(src.toString())
                    && e.getMessage().contains("MOUNT_ATTR_IDMAP, userns_fd=" + own), e.getMessage());
            assertTrue(e.getMessage().contains("the user namespace given is the JVM's own, which cannot idmap"),
                    e.getMessage());
        } finally {
            Libc.close(own);
        }
    }

    @Test
    void aMissingTreeIsTheCallsOwnError() throws Exception {
        try (MappedUserNamespace ns = MappedUserNamespace.start(0, BASE, 65536)) {
            int userns = ns.openUserNamespace();
            try {
                SyscallException e = assertThrows(SyscallException.class,
                        () -> IdmappedMount.of(tmp.resolve("missing"), userns, true));
                assertEquals(linux_h.ENOENT(), e.errno());
                assertTrue(e.getMessage().startsWith("open_tree(AT_FDCWD, " + tmp.resolve("missing")
                        + ", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_RECURSIVE)"), e.getMessage());
            } finally {
                Libc.close(userns);
            }
        }
    }

    @Test
    void aNamespaceOfAProcessThatExitedIsNotOpenedByItsPid() throws Exception {
        // Still running when the pidfd is opened (the JVM reaps a process that exits at once
        // before the test could open one), then ended and reaped.
        Process p = new ProcessBuilder("sleep", "60").start();
        int pidfd = Libc.pidfdOpen(p.pid());
        try {
            p.destroyForcibly();
            p.waitFor(); // reaped: the pid may name another process now
            SyscallException e = assertThrows(SyscallException.class, () -> Namespaces.open(p.pid(), pidfd, "user"));
            assertTrue(e.getMessage().startsWith("opening /proc/" + p.pid() + "/ns/user") || e.errno() == linux_h.ENOENT(),
                    e.getMessage());
        } finally {
            Libc.close(pidfd);
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        assertTrue(code == 0, () -> String.join(" ", command) + " exited " + code + ": " + out);
    }
}
