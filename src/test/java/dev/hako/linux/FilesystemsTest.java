package dev.hako.linux;

import dev.hako.linux.Overlayfs.WhiteoutForm;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which filesystem, which whiteout form, which kernel: the pure part of choosing how to store layers. */
class FilesystemsTest {
    private static long magic(int m) {
        return Integer.toUnsignedLong(m);
    }

    @Test
    void namesFilesystemsByTheirMagicNumber() {
        assertEquals("overlayfs", Filesystems.name(magic(linux_h.OVERLAYFS_SUPER_MAGIC())));
        assertEquals("ext4", Filesystems.name(magic(linux_h.EXT4_SUPER_MAGIC())));
        assertEquals("cifs", Filesystems.name(magic(linux_h.CIFS_SUPER_MAGIC())), "magics above 2^31 too");
        assertEquals("a filesystem of type 0x12345", Filesystems.name(0x12345));
    }

    @Test
    void overlayNetworkFuseAndReadOnlyFilesystemsCannotHoldAnUpperLayer() {
        for (int m : new int[] {linux_h.OVERLAYFS_SUPER_MAGIC(), linux_h.NFS_SUPER_MAGIC(), linux_h.FUSE_SUPER_MAGIC(),
                linux_h.SMB2_SUPER_MAGIC(), linux_h.V9FS_MAGIC(), linux_h.SQUASHFS_MAGIC()}) {
            assertNotNull(Filesystems.whyNotOverlayUpper(magic(m)), Filesystems.name(magic(m)));
        }
        for (int m : new int[] {linux_h.EXT4_SUPER_MAGIC(), linux_h.XFS_SUPER_MAGIC(), linux_h.BTRFS_SUPER_MAGIC(),
                linux_h.TMPFS_MAGIC(), linux_h.F2FS_SUPER_MAGIC()}) {
            assertNull(Filesystems.whyNotOverlayUpper(magic(m)), Filesystems.name(magic(m)));
        }
        assertNull(Filesystems.whyNotOverlayUpper(0x12345), "unknown filesystems are left to the kernel to judge");
    }

    @Test
    void aStoreOnOverlayfsWritesTheXattrFormWhichNeedsLinux68() {
        assertEquals(WhiteoutForm.XATTR, Overlayfs.formFor(magic(linux_h.OVERLAYFS_SUPER_MAGIC())));
        assertEquals(WhiteoutForm.DEVICE, Overlayfs.formFor(magic(linux_h.EXT4_SUPER_MAGIC())));
        assertEquals(WhiteoutForm.DEVICE, Overlayfs.formFor(magic(linux_h.TMPFS_MAGIC())));

        assertTrue(Overlayfs.readable(WhiteoutForm.DEVICE, "5.10.0-23-amd64"));
        assertFalse(Overlayfs.readable(WhiteoutForm.XATTR, "6.1.0-13-amd64"));
        assertFalse(Overlayfs.readable(WhiteoutForm.XATTR, "6.7.12-amd64"), "6.7.0 used another directory marker");
        assertTrue(Overlayfs.readable(WhiteoutForm.XATTR, "6.8.0-31-generic"));
        assertTrue(Overlayfs.readable(WhiteoutForm.XATTR, "7.0"));
    }

    @Test
    void aStoreWithoutRootWritesTheUserFormsWhichNeedUserxattr() {
        assertEquals(WhiteoutForm.USER_DEVICE, Overlayfs.formFor(magic(linux_h.EXT4_SUPER_MAGIC()), true));
        assertEquals(WhiteoutForm.USER_DEVICE, Overlayfs.formFor(magic(linux_h.TMPFS_MAGIC()), true));
        assertEquals(WhiteoutForm.USER_XATTR, Overlayfs.formFor(magic(linux_h.OVERLAYFS_SUPER_MAGIC()), true));
        assertEquals(WhiteoutForm.DEVICE, Overlayfs.formFor(magic(linux_h.EXT4_SUPER_MAGIC()), false));

        assertEquals("userxattr", WhiteoutForm.USER_DEVICE.mountOption());
        assertEquals("userxattr", WhiteoutForm.USER_XATTR.mountOption());
        assertNull(WhiteoutForm.DEVICE.mountOption());
        assertNull(WhiteoutForm.XATTR.mountOption());
        assertEquals("user.overlay.opaque", WhiteoutForm.USER_DEVICE.opaqueXattr());
        assertEquals("user.overlay.whiteout", WhiteoutForm.USER_XATTR.whiteoutXattr());
        assertEquals("user.hako.whiteouts", WhiteoutForm.USER_XATTR.formXattr());
        assertEquals("trusted.overlay.opaque", WhiteoutForm.DEVICE.opaqueXattr());
        assertEquals("trusted.hako.whiteouts", WhiteoutForm.XATTR.formXattr());

        assertFalse(Overlayfs.readable(WhiteoutForm.USER_DEVICE, "5.10.0-23-amd64"), "userxattr came with 5.11");
        assertTrue(Overlayfs.readable(WhiteoutForm.USER_DEVICE, "5.11.0"));
        assertFalse(Overlayfs.readable(WhiteoutForm.USER_XATTR, "6.7.12-amd64"));
        assertTrue(Overlayfs.readable(WhiteoutForm.USER_XATTR, "6.8.0-31-generic"));
    }

    @Test
    void theRecordedFormRoundTrips() {
        for (WhiteoutForm f : WhiteoutForm.values()) {
            assertEquals(f, WhiteoutForm.ofRecorded(f.recorded()));
        }
        assertEquals("xattr", WhiteoutForm.XATTR.recorded(), "as layers unpacked before the user forms say");
        assertEquals("user-device", WhiteoutForm.USER_DEVICE.recorded());
        assertNull(WhiteoutForm.ofRecorded("something-newer"));
    }

    @Test
    void statfsOfAPathNotYetCreatedIsThatOfItsNearestAncestor() throws SyscallException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        assertEquals(Filesystems.type(tmp), Filesystems.typeOfNearest(tmp.resolve("not/yet/made")));
    }
}
