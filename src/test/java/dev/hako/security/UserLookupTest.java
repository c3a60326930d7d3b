package dev.hako.security;

import dev.hako.Rootfs;
import dev.hako.linux.FileCalls;
import dev.hako.linux.Overlayfs;
import dev.hako.linux.linux_h;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Names are looked up in the container's own /etc/passwd and /etc/group, never the host's:
 * hostile images whose files are links out of the rootfs, FIFOs, devices, directories or
 * huge files. "daemon" is in the host's /etc/passwd (Debian's base-passwd has it) and never
 * in these images', so finding it would mean the lookup left the rootfs.
 */
@Timeout(20)
class UserLookupTest {
    private static final String IMAGE_PASSWD = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n";

    @TempDir
    Path root;

    private Path etc() throws Exception {
        return Files.createDirectories(root.resolve("etc"));
    }

    private static void assumeHostHasDaemon() throws Exception {
        assumeTrue(Files.readString(Path.of("/etc/passwd")).contains("\ndaemon:"), "the host's /etc/passwd has daemon");
    }

    private static boolean isRoot() {
        return linux_h.geteuid() == 0;
    }

    @Test
    void anAbsoluteLinkToTheImagesOwnFileIsResolvedInsideTheRootfs() throws Exception {
        assumeHostHasDaemon();
        Files.createDirectories(root.resolve("usr/lib"));
        Files.writeString(root.resolve("usr/lib/passwd"), IMAGE_PASSWD);
        Files.createSymbolicLink(etc().resolve("passwd"), Path.of("/usr/lib/passwd"));
        assertEquals(1000, User.resolve("app", Rootfs.directory(root)).uid());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> User.resolve("daemon", Rootfs.directory(root)));
        assertTrue(e.getMessage().contains("'daemon' is not in the container's /etc/passwd"), e.getMessage());
    }

    @Test
    void aRelativeLinkClimbingOutIsResolvedInsideTheRootfs() throws Exception {
        assumeHostHasDaemon();
        Files.createDirectories(root.resolve("usr/lib"));
        Files.writeString(root.resolve("usr/lib/passwd"), IMAGE_PASSWD);
        Files.createSymbolicLink(etc().resolve("passwd"), Path.of("../../../../../../../usr/lib/passwd"));
        assertEquals(1000, User.resolve("app", Rootfs.directory(root)).uid());
        assertThrows(IllegalArgumentException.class, () -> User.resolve("daemon", Rootfs.directory(root)));
    }

    @Test
    void linksToTheHostsPasswdNeverFindTheHostsUsers() throws Exception {
        assumeHostHasDaemon();
        for (String target : List.of("/etc/passwd", "../../../../etc/passwd")) {
            Path link = etc().resolve("passwd");
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, Path.of(target));
            // Inside the rootfs both name the link itself: a loop, or nothing; never the host's file.
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> User.resolve("daemon", Rootfs.directory(root)), target);
            assertTrue(e.getMessage().contains("daemon") && e.getMessage().contains("/etc/passwd"), e.getMessage());
            // Numbers still work when the file leads nowhere inside the rootfs, as for a missing one.
            Files.delete(link);
            Files.createSymbolicLink(link, Path.of(target.replace("passwd", "nothing-here")));
            assertEquals(1, User.resolve("1", Rootfs.directory(root)).uid());
            assertThrows(IllegalArgumentException.class, () -> User.resolve("daemon", Rootfs.directory(root)));
        }
    }

    @Test
    void aFifoIsRefusedWithoutBlocking() throws Exception {
        FileCalls.mknod(etc().resolve("passwd"), linux_h.S_IFIFO() | 0644, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> User.resolve("app", Rootfs.directory(root)));
        assertTrue(e.getMessage().contains("user 'app'") && e.getMessage().contains("a FIFO")
                && e.getMessage().contains(root.resolve("etc/passwd").toString()), e.getMessage());
    }

    @Test
    void aDirectoryIsRefused() throws Exception {
        Files.createDirectories(etc().resolve("passwd"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> User.resolve("app", Rootfs.directory(root)));
        assertTrue(e.getMessage().contains("a directory"), e.getMessage());
    }

    @Test
    void aHugeFileIsRefusedUnread() throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(etc().resolve("passwd").toFile(), "rw")) {
            f.setLength(10L << 20);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> User.resolve("app", Rootfs.directory(root)));
        assertTrue(e.getMessage().contains(String.valueOf(10L << 20)) && e.getMessage().contains("4 MiB"), e.getMessage());
    }

    @Test
    void aLinkToDevZeroIsResolvedInsideAndADeviceThereIsRefused() throws Exception {
        Files.createSymbolicLink(etc().resolve("passwd"), Path.of("/dev/zero"));
        // The rootfs has no /dev/zero: as if there were no passwd at all.
        assertThrows(IllegalArgumentException.class, () -> User.resolve("app", Rootfs.directory(root)));
        assertEquals(0, User.resolve("0", Rootfs.directory(root)).uid());
        assumeTrue(isRoot(), "making a device node needs root");
        Files.createDirectories(root.resolve("dev"));
        FileCalls.mknod(root.resolve("dev/zero"), linux_h.S_IFCHR() | 0666, FileCalls.makedev(1, 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> User.resolve("app", Rootfs.directory(root)));
        assertTrue(e.getMessage().contains("a character device"), e.getMessage());
    }

    @Test
    void groupFilesAreLookedUpTheSameWay() throws Exception {
        Files.writeString(etc().resolve("passwd"), IMAGE_PASSWD);
        FileCalls.mknod(etc().resolve("group"), linux_h.S_IFIFO() | 0644, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> User.resolve("app", Rootfs.directory(root)));
        assertTrue(e.getMessage().contains("/etc/group") && e.getMessage().contains("a FIFO"), e.getMessage());
    }

    @Test
    void overlayLayersAreSearchedTopFirst() throws Exception {
        Path top = Files.createDirectories(root.resolve("top/etc"));
        Path base = Files.createDirectories(root.resolve("base/etc"));
        Files.writeString(base.resolve("passwd"), IMAGE_PASSWD);
        Files.writeString(base.resolve("group"), "app:x:1000:\n");
        Rootfs overlay = Rootfs.overlay(root.resolve("top"), root.resolve("base"));
        assertEquals(1000, User.resolve("app", overlay).uid());
        Files.writeString(top.resolve("passwd"), "app:x:2000:2000::/home/app:/bin/sh\n");
        assertEquals(2000, User.resolve("app", overlay).uid());
    }

    @Test
    void aWhiteoutInAnUpperLayerMeansThereIsNoPasswd() throws Exception {
        assumeTrue(isRoot(), "whiteouts (0/0 devices, trusted.* xattrs) need root");
        Path top = Files.createDirectories(root.resolve("top/etc"));
        Path base = Files.createDirectories(root.resolve("base/etc"));
        Files.writeString(base.resolve("passwd"), IMAGE_PASSWD);
        Rootfs overlay = Rootfs.overlay(root.resolve("top"), root.resolve("base"));
        FileCalls.mknod(top.resolve("passwd"), linux_h.S_IFCHR(), FileCalls.makedev(0, 0));
        assertThrows(IllegalArgumentException.class, () -> User.resolve("app", overlay));
        // the same 0/0 device in a plain directory rootfs is a device, refused
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> User.resolve("app", Rootfs.directory(root.resolve("top"))));
        assertTrue(e.getMessage().contains("a character device"), e.getMessage());

        Files.delete(top.resolve("passwd"));
        Files.writeString(top.resolve("passwd"), "");
        FileCalls.lsetxattr(top.resolve("passwd"), Overlayfs.WHITEOUT_XATTR, "y".getBytes(StandardCharsets.US_ASCII), 0);
        assertThrows(IllegalArgumentException.class, () -> User.resolve("app", overlay));

        Files.delete(top.resolve("passwd"));
        assertEquals(1000, User.resolve("app", overlay).uid());
        FileCalls.lsetxattr(top, Overlayfs.OPAQUE_XATTR, new byte[] {Overlayfs.OPAQUE}, 0);
        assertThrows(IllegalArgumentException.class, () -> User.resolve("app", overlay),
                "an opaque etc in the upper layer hides the lower passwd");
        assertFalse(Files.exists(top.resolve("passwd")));
    }
}
