package dev.hako;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Device} values, Docker's {@code --device} syntax, and what build() checks of them: no root needed. */
class DeviceTest {
    @TempDir
    Path tmp;

    private static void assertRefused(String spec, String... parts) {
        var e = assertThrows(IllegalArgumentException.class, () -> Device.parse(spec));
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "should mention '" + part + "': " + e.getMessage());
        }
        assertTrue(e.getMessage().startsWith("device "), e.getMessage());
    }

    @Test
    void dockersSyntax() {
        assertEquals(new Device("/dev/sdc", "/dev/sdc", "rwm"), Device.parse("/dev/sdc"));
        assertEquals(new Device("/dev/sdc", "/dev/xvdc", "rwm"), Device.parse("/dev/sdc:/dev/xvdc"));
        assertEquals(new Device("/dev/sdc", "/dev/xvdc", "r"), Device.parse("/dev/sdc:/dev/xvdc:r"));
        assertEquals(new Device("/dev/sdc", "/dev/sdc", "rw"), Device.parse("/dev/sdc:wr"), "letters in r, w, m order");
        assertEquals(Device.parse("/dev/sdc:/dev/xvdc:r"), Device.of("/dev/sdc").at("/dev/xvdc").permissions("r"));
        assertEquals("/dev/sdc:/dev/xvdc:rm", Device.parse("/dev/sdc:/dev/xvdc:mr").toString());
        assertEquals("/dev/thing", Device.of("/srv/thing").containerPath(), "outside /dev: by its name in /dev");
    }

    @Test
    void badSyntaxNamesTheOption() {
        assertRefused("/dev/sdc:/dev/xvdc:rwx", "'rwx'", "r (read)");
        assertRefused("/dev/sdc:/dev/xvdc:", "''");
        assertRefused("dev/sdc", "absolute");
        assertRefused("/dev/sdc:/mnt/sdc", "below /dev");
        assertRefused("/dev/sdc:/dev/../etc/sdc", "plain path");
        assertRefused("/dev/sdc:/dev/pts/9", "/dev/pts");
        assertRefused("/dev/sdc:/dev/null", "already in every container");
        assertRefused("/dev/a:/dev/b:r:x", "HOST[:CONTAINER][:PERMISSIONS]");
    }

    @Test
    void buildChecksTheHostPath() throws Exception {
        Container.Builder b = Container.builder().rootfs(tmp).command("true");
        assertDoesNotThrow(() -> b.device("/dev/null:/dev/null2:r").build().close());

        Path file = Files.writeString(tmp.resolve("regular"), "x");
        var regular = assertThrows(IllegalArgumentException.class,
                () -> Container.builder().rootfs(tmp).command("true").device(Device.of(file.toString())).build());
        assertTrue(regular.getMessage().startsWith("device " + file) && regular.getMessage()
                .contains("is not a character or block device"), regular.getMessage());

        var missing = assertThrows(IllegalArgumentException.class,
                () -> Container.builder().rootfs(tmp).command("true").device("/dev/no-such-hako").build());
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());

        Path loop = tmp.resolve("loop");
        Files.createSymbolicLink(loop, loop);
        var looped = assertThrows(IllegalArgumentException.class,
                () -> Container.builder().rootfs(tmp).command("true").device(Device.of(loop.toString())).build());
        assertTrue(looped.getMessage().contains("symbolic links"), looped.getMessage());

        Path link = tmp.resolve("null-link");
        Files.createSymbolicLink(link, Path.of("/dev/null"));
        assertDoesNotThrow(() -> Container.builder().rootfs(tmp).command("true").device(Device.of(link.toString()))
                .build().close(), "a link to a device is followed, as open would");
    }
}
