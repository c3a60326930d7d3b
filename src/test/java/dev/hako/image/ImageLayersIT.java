package dev.hako.image;

import dev.hako.linux.FileCalls;
import dev.hako.linux.linux_h;
import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.hako.image.TestImages.gzipped;
import static dev.hako.image.TestImages.plain;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Layers unpacked as root, checked on disk and then through the kernel's overlayfs: its
 * whiteouts and opaque directories are what overlayfs itself understands.
 */
@KernelTest
class ImageLayersIT {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    @TempDir
    Path tmp;
    LayerStore store;

    @BeforeEach
    void openStore() throws IOException {
        store = LayerStore.open(tmp.resolve("store"));
    }

    static TestImages.Layer bottom() {
        return gzipped(new TarBuilder()
                .dir("etc/", 0755)
                .file("etc/passwd", "bottom passwd\n")
                .file("etc/shadow", 0640, "secret\n")
                .dir("var/cache/", 0755)
                .file("var/cache/a", "a")
                .file("var/cache/b", "b")
                .owned("home/user/notes", 0640, 1234, 5678, "mine")
                .owned("bin/su", 04755, 0, 0, "su")
                .owned("bin/wall", 02755, 0, 5, "wall")
                .dir("tmp/", 01777)
                .build());
    }

    static TestImages.Layer middle() {
        return plain(new TarBuilder()
                .file("etc/.wh.shadow", "")
                .file("var/cache/.wh.a", "")               // hides nothing the opaque directory does not
                .file("var/cache/.wh..wh..opq", "")
                .file("var/cache/c", "c")
                .file("etc/motd", "middle\n")
                .build());
    }

    static TestImages.Layer top() {
        return gzipped(new TarBuilder()
                .file("etc/passwd", "top passwd\n")
                .pax(TarBuilder.records("SCHILY.xattr.trusted.overlay.opaque", "y", "SCHILY.xattr.trusted.hako", "kept"))
                .dir("sneaky/", 0755)
                .build());
    }

    @Test
    void whiteoutsOpaqueDirectoriesOwnersAndModesAreWhatTheKernelExpects() throws IOException {
        Image image = import3();
        Path bottom = image.layers().get(2);
        Path middle = image.layers().get(1);
        Path top = image.layers().get(0);

        Path whiteout = middle.resolve("etc/shadow");
        int mode = (Integer) Files.getAttribute(whiteout, "unix:mode", NOFOLLOW);
        assertEquals(linux_h.S_IFCHR(), mode & linux_h.S_IFMT(), "a whiteout is a character device");
        assertEquals(0L, Files.getAttribute(whiteout, "unix:rdev", NOFOLLOW), "with device number 0/0");
        assertFalse(Files.exists(middle.resolve("etc/.wh.shadow"), NOFOLLOW));

        assertArrayEquals("y".getBytes(StandardCharsets.UTF_8),
                FileCalls.lgetxattr(middle.resolve("var/cache"), "trusted.overlay.opaque").orElseThrow());
        assertFalse(Files.exists(middle.resolve("var/cache/.wh..wh..opq"), NOFOLLOW));
        assertFalse(Files.exists(middle.resolve("var/cache/a"), NOFOLLOW), "no whiteout in an opaque directory");
        assertArrayEquals("device".getBytes(StandardCharsets.US_ASCII),
                FileCalls.lgetxattr(middle, "trusted.hako.whiteouts").orElseThrow(),
                "an opaque directory is a trusted.* xattr, which a mount with userxattr would not read: recorded");
        assertEquals(Optional.empty(), FileCalls.lgetxattr(top, "trusted.hako.whiteouts"), "no markers, no record");
        assertEquals(Optional.empty(), FileCalls.lgetxattr(bottom.resolve("var/cache"), "trusted.overlay.opaque"));

        Path notes = bottom.resolve("home/user/notes");
        assertEquals(1234, Files.getAttribute(notes, "unix:uid"));
        assertEquals(5678, Files.getAttribute(notes, "unix:gid"));
        assertEquals(0640, (Integer) Files.getAttribute(notes, "unix:mode") & 07777);
        assertEquals(04755, (Integer) Files.getAttribute(bottom.resolve("bin/su"), "unix:mode") & 07777);
        assertEquals(02755, (Integer) Files.getAttribute(bottom.resolve("bin/wall"), "unix:mode") & 07777);
        assertEquals(5, Files.getAttribute(bottom.resolve("bin/wall"), "unix:gid"));
        assertEquals(01777, (Integer) Files.getAttribute(bottom.resolve("tmp"), "unix:mode") & 07777);

        // overlay metadata comes only from whiteout files; other trusted xattrs are kept as root
        assertEquals(Optional.empty(), FileCalls.lgetxattr(top.resolve("sneaky"), "trusted.overlay.opaque"));
        assertArrayEquals("kept".getBytes(StandardCharsets.UTF_8),
                FileCalls.lgetxattr(top.resolve("sneaky"), "trusted.hako").orElseThrow());
    }

    @Test
    void deviceNodesAndFifosWithTheOption() throws IOException {
        TarBuilder.Header block = new TarBuilder.Header("dev/sda", '4');
        block.devMajor = 8;
        block.devMinor = 1;
        block.mode = 0660;
        block.gid = 6;
        TestImages.Layer devices = plain(new TarBuilder().charDevice("dev/null", 1, 3).add(block).fifo("run/fifo").build());
        TestImages.Oci oci = new TestImages.Oci(tmp.resolve("devices"));
        oci.tag(oci.image(List.of(devices)), null);

        Path layer = store.allowDeviceNodes(true).importOciLayout(oci.dir, null).layers().getFirst();

        Path dev = layer.resolve("dev/null");
        assertEquals(linux_h.S_IFCHR() | 0666, Files.getAttribute(dev, "unix:mode"));
        assertEquals(FileCalls.makedev(1, 3), Files.getAttribute(dev, "unix:rdev"));
        Path sda = layer.resolve("dev/sda");
        assertEquals(linux_h.S_IFBLK() | 0660, Files.getAttribute(sda, "unix:mode"));
        assertEquals(FileCalls.makedev(8, 1), Files.getAttribute(sda, "unix:rdev"));
        assertEquals(6, Files.getAttribute(sda, "unix:gid"));
        assertEquals(linux_h.S_IFIFO() | 0600, Files.getAttribute(layer.resolve("run/fifo"), "unix:mode"));
    }

    @Test
    void anOverlayOfTheUnpackedLayersHidesWhatWhiteoutsAndOpaqueDirectoriesHide() throws Exception {
        Image image = import3();
        String lowerdir = image.layers().stream().map(Path::toString).collect(Collectors.joining(":"));
        Path mnt = Files.createDirectory(tmp.resolve("mnt"));
        run("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + lowerdir, mnt.toString());
        try {
            assertEquals("top passwd\n", Files.readString(mnt.resolve("etc/passwd")));
            assertEquals("middle\n", Files.readString(mnt.resolve("etc/motd")));
            assertFalse(Files.exists(mnt.resolve("etc/shadow"), NOFOLLOW), "the whiteout hides the lower file");
            assertEquals(List.of("motd", "passwd"), list(mnt.resolve("etc")));
            assertEquals(List.of("c"), list(mnt.resolve("var/cache")), "the opaque directory hides the lower content");
            assertEquals(1234, Files.getAttribute(mnt.resolve("home/user/notes"), "unix:uid"));
            assertEquals(04755, (Integer) Files.getAttribute(mnt.resolve("bin/su"), "unix:mode") & 07777);
            assertEquals(List.of(), list(mnt.resolve("sneaky")));
        } finally {
            run("umount", mnt.toString());
        }
    }

    private Image import3() throws IOException {
        TestImages.Oci oci = new TestImages.Oci(tmp.resolve("layout"));
        oci.tag(oci.image(List.of(bottom(), middle(), top())), null);
        return store.importOciLayout(oci.dir, null);
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        assertTrue(code == 0, () -> String.join(" ", command) + " exited " + code + ": " + out);
    }
}
