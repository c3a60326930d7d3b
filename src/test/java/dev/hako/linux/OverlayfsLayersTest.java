package dev.hako.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which mount option a set of layers needs, from the forms they record in user.* xattrs
 * (which need no root); a mix with a root layer's trusted record is in RootlessImageIT.
 */
class OverlayfsLayersTest {
    @TempDir
    Path tmp;

    private Path layer(String name, String userForm) throws IOException {
        Path dir = Files.createDirectory(tmp.resolve(name));
        if (userForm != null) {
            FileCalls.lsetxattr(dir, Overlayfs.USER_FORM_XATTR, userForm.getBytes(StandardCharsets.US_ASCII), 0);
        }
        return dir;
    }

    @Test
    void layersWithoutARecordNeedNoOption() throws IOException {
        assertNull(Overlayfs.mountOptionFor(List.of(layer("a", null), layer("b", null))));
        assertEquals(new Overlayfs.LayerRecord(null, true, true), Overlayfs.recordOf(tmp.resolve("a")));
    }

    @Test
    void aLayerInAUserFormNeedsUserxattr() throws IOException {
        Path user = layer("user", "user-device");
        assertEquals(new Overlayfs.LayerRecord(Overlayfs.WhiteoutForm.USER_DEVICE, false, true), Overlayfs.recordOf(user));
        assertEquals("userxattr", Overlayfs.mountOptionFor(List.of(layer("plain", null), user)));
        assertEquals("userxattr", Overlayfs.mountOptionFor(List.of(user, layer("xattr", "user-xattr"))),
                "both user forms are read by one mount (this kernel is 6.8+)");
    }

    @Test
    void anUnknownOrMisplacedRecordIsRefused() throws IOException {
        Path newer = layer("newer", "user-something-newer");
        String m = assertThrows(IllegalArgumentException.class, () -> Overlayfs.mountOptionFor(List.of(newer)))
                .getMessage();
        assertTrue(m.contains(newer.toString()) && m.contains("'user-something-newer'")
                && m.contains("import the image again"), m);
    }

    @Test
    void aRootFormInTheUserRecordIsARootLayersMirrorThatFitsEitherMount() throws IOException {
        // What a process without CAP_SYS_ADMIN sees of a root layer: the trusted record is hidden from it.
        Path mirrored = layer("mirrored", "device");
        assertEquals(new Overlayfs.LayerRecord(Overlayfs.WhiteoutForm.DEVICE, true, true), Overlayfs.recordOf(mirrored));
        assertNull(Overlayfs.mountOptionFor(List.of(mirrored)));
        assertEquals("userxattr", Overlayfs.mountOptionFor(List.of(mirrored, layer("user", "user-device"))));
        assertEquals(List.of(), Overlayfs.missedByUserxattr(List.of(mirrored)));
    }
}
