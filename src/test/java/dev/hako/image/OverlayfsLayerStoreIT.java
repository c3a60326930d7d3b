package dev.hako.image;

import dev.hako.Container;
import dev.hako.ContainerException;
import dev.hako.Rootfs;
import dev.hako.cli.MinimalRootfs;
import dev.hako.linux.FileCalls;
import dev.hako.linux.Filesystems;
import dev.hako.linux.Overlayfs;
import dev.hako.testing.KernelTest;
import dev.hako.testing.TestRootfs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A machine whose own root is overlayfs, as a CI runner inside a container has: an overlay
 * mounted by the test stands in for it, and a layer store lives on it. There overlayfs
 * refuses to create the 0/0 character devices whiteouts usually are, so the store writes
 * overlayfs's xattr form (which overlayfs stores escaped and reads back as its own), and
 * the container's overlay, with the store's layers as lowers, hides what it should.
 */
@KernelTest
class OverlayfsLayerStoreIT {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static Path work;
    private static Path hostUpper;
    private static Path root;
    private static boolean mounted;
    private static LayerStore store;
    private static Image image;

    @BeforeAll
    static void mountAnOverlayRootAndImport() throws Exception {
        work = Files.createTempDirectory(Path.of(System.getProperty("basedir", ".")).resolve("target"), "ovl-store-it-");
        Path lower = Files.createDirectories(work.resolve("lower"));
        Files.writeString(lower.resolve("from-the-image"), "the machine's own image\n");
        hostUpper = Files.createDirectories(work.resolve("upper"));
        Path hostWork = Files.createDirectories(work.resolve("work"));
        root = Files.createDirectories(work.resolve("root"));
        run("mount", "-t", "overlay", "overlay", "-o",
                "lowerdir=" + lower + ",upperdir=" + hostUpper + ",workdir=" + hostWork, root.toString());
        mounted = true;
        assertTrue(Filesystems.isOverlayfs(Filesystems.type(root)));

        store = LayerStore.open(root.resolve("var/lib/hako"));
        assertEquals(Overlayfs.WhiteoutForm.XATTR, store.whiteoutForm());

        TestImages.Layer base = TestImages.gzipped(TestImages.tarOf(TestRootfs.path())
                .file("etc/gone", "deleted by the next layer\n")
                .file("etc/kept", "kept\n")
                .dir("srv/", 0755)
                .dir("srv/cache/", 0755)
                .file("srv/cache/old1", "1")
                .file("srv/cache/old2", "2")
                .dir("olddir/", 0755)
                .file("olddir/inside", "x")
                .build());
        TestImages.Layer top = TestImages.plain(new TarBuilder()
                .file("etc/.wh.gone", "")
                .file("srv/cache/.wh.old1", "")                 // before the opaque marker: dropped
                .file("srv/cache/.wh..wh..opq", "")
                .file("srv/cache/new", "new\n")
                .file(".wh.olddir", "")
                .file("etc/added", "added\n")
                .pax(TarBuilder.records("SCHILY.xattr." + Overlayfs.WHITEOUT_XATTR, "y"))
                .file("etc/forged", "")                          // hostile: an archive's own overlay xattr is dropped
                .build());
        TestImages.Oci oci = new TestImages.Oci(work.resolve("oci"));
        oci.tag(oci.image(List.of(base, top)), null);
        image = store.importOciLayout(oci.dir, null);
    }

    @AfterAll
    static void unmountAndDelete() throws Exception {
        if (mounted) {
            try {
                run("umount", root.toString());
            } catch (AssertionError busy) {
                run("umount", "-l", root.toString()); // detached now, gone when its last user is
            }
        }
        if (work != null) {
            MinimalRootfs.delete(work);
        }
    }

    @Test
    void whiteoutsAreZeroSizeFilesWithTheXattrAndOpaqueDirectoriesKeepTheirMarker() throws IOException {
        Path top = image.layers().getFirst();
        Path gone = top.resolve("etc/gone");
        assertTrue(Files.isRegularFile(gone, NOFOLLOW), "no 0/0 device can be made on overlayfs");
        assertEquals(0, Files.size(gone));
        assertTrue(FileCalls.lgetxattr(gone, Overlayfs.WHITEOUT_XATTR).isPresent());
        assertArrayEquals(new byte[] {'x'}, FileCalls.lgetxattr(top.resolve("etc"), Overlayfs.OPAQUE_XATTR).orElseThrow(),
                "a directory with such whiteouts is marked for overlayfs");
        assertArrayEquals(new byte[] {'y'}, FileCalls.lgetxattr(top.resolve("srv/cache"), Overlayfs.OPAQUE_XATTR).orElseThrow());
        assertFalse(Files.exists(top.resolve("srv/cache/old1"), NOFOLLOW), "a whiteout in an opaque directory is dropped");
        assertTrue(Files.isRegularFile(top.resolve("olddir"), NOFOLLOW));
        assertArrayEquals(new byte[] {'x'}, FileCalls.lgetxattr(top, Overlayfs.OPAQUE_XATTR).orElseThrow());
        assertArrayEquals("xattr".getBytes(StandardCharsets.US_ASCII),
                FileCalls.lgetxattr(top, Overlayfs.FORM_XATTR).orElseThrow(), "the layer records its form");
        assertTrue(FileCalls.lgetxattr(image.layers().getLast(), Overlayfs.FORM_XATTR).isEmpty(),
                "a layer without whiteouts needs no particular kernel");

        // Beneath the stand-in root, overlayfs keeps them escaped, so that it does not take them as its own.
        Path stored = hostUpper.resolve(root.relativize(gone));
        assertTrue(FileCalls.lgetxattr(stored, "trusted.overlay.overlay.whiteout").isPresent());
        assertTrue(FileCalls.lgetxattr(stored, Overlayfs.WHITEOUT_XATTR).isEmpty());
    }

    @Test
    void aContainerFromTheStoreSeesWhatTheImageSays() throws Exception {
        String script = "ls -A /etc | tr '\\n' ' '; echo; [ -e /etc/gone ] || echo 'gone: hidden';"
                + " cat /etc/kept /etc/added; echo \"cache: $(ls -A /srv/cache | tr '\\n' ' ')\";"
                + " [ -e /olddir ] || echo 'olddir: hidden'; ls -A / | grep -c olddir; echo $(id -u)";
        String out = ok(Container.builder().image(image).entrypoint("/bin/sh", "-c", script)
                .user("0").workingDir("/").run());
        List<String> lines = out.lines().toList();
        Set<String> etc = Set.of(lines.getFirst().trim().split(" "));
        assertTrue(etc.containsAll(Set.of("passwd", "group", "kept", "added", "forged")), out);
        assertFalse(etc.contains("gone"), "the whiteout is neither listed nor found: " + out);
        assertEquals(List.of("gone: hidden", "kept", "added", "cache: new ", "olddir: hidden", "0", "0"),
                lines.subList(1, lines.size()), out);
    }

    @Test
    void aPersistentUpperOnOverlayfsFailsBeforeAnythingIsCreated() throws Exception {
        Path upper = root.resolve("srv/box1/upper");
        Set<Long> children = children();
        List<String> mountsBefore = mounts();
        ContainerException e = assertThrows(ContainerException.class, () -> Container.builder().image(image)
                .rootfs(Rootfs.overlay(image.layers()).persistent(upper))
                .entrypoint("/bin/true").user("0").workingDir("/").run());
        String m = e.getMessage();
        assertTrue(m.contains(upper.toString()) && m.contains("is on overlayfs") && m.contains("ext4, xfs, btrfs or tmpfs")
                && m.contains("persistent(...)"), m);
        assertFalse(Files.exists(root.resolve("srv/box1"), NOFOLLOW), "neither the upper nor its work directory is made");
        assertEquals(mountsBefore, mounts(), "nothing mounted");
        assertEquals(children, children(), "no process started");
    }

    private static Set<Long> children() {
        return ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    private static List<String> mounts() throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
            return lines.map(l -> l.split(" ")[4]).filter(p -> p.startsWith(work.toString())).sorted().toList();
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        assertTrue(code == 0, () -> String.join(" ", command) + " exited " + code + ": " + out);
    }
}
