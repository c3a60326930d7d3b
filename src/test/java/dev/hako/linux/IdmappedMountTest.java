package dev.hako.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What needs no root: a kernel too old is refused before any call; mountinfo's escapes. */
class IdmappedMountTest {

    @Test
    void aKernelOlderThan512IsRefusedBeforeAnyCallSayingWhatToDo(@TempDir Path tree) {
        IdmapUnsupportedException e = assertThrows(IdmapUnsupportedException.class,
                () -> IdmappedMount.of(tree, -1, true, "5.11.22-generic"));
        assertEquals("cannot make an idmapped mount of " + tree + ": idmapped mounts need Linux 5.12 or newer"
                + " (mount_setattr with MOUNT_ATTR_IDMAP), and this kernel is 5.11.22-generic. Upgrade the kernel,"
                + " or run the container without a user namespace", e.getMessage());
        assertEquals(tree, e.tree());
        assertNull(e.mountPoint());
        assertNull(e.filesystem());
    }

    @Test
    void aRefusingMountBelowTheTreeIsNamedAsSuch() {
        IdmapUnsupportedException e = IdmapUnsupportedException.filesystem(Path.of("/srv/root"),
                Path.of("/srv/root/proc"), "proc", "6.1.0");
        assertTrue(e.getMessage().startsWith("cannot make an idmapped mount of /srv/root: the mount at /srv/root/proc"
                + " below it is proc, which this kernel (Linux 6.1.0) cannot idmap. Idmapped mounts work on ext4"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith(", or leave that mount out of the tree"), e.getMessage());
    }

    @Test
    void mountinfoEscapesAreUndone() {
        assertEquals("/mnt/a b\tc\\d", IdmappedMount.unescape("/mnt/a\\040b\\011c\\134d"));
        assertEquals("/mnt/\\04", IdmappedMount.unescape("/mnt/\\04"));
    }
}
