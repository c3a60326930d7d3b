package dev.hako.it;

import dev.hako.Rootfs;
import dev.hako.linux.Libc;
import dev.hako.linux.linux_h;
import dev.hako.testing.KernelTest;
import dev.hako.testing.TestRootfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The user a container's command runs as, resolved in the container's own /etc/passwd. */
@KernelTest
class UserIT {
    @Test
    void aNonRootUsersStartLeavesTheJvmDumpable() throws Exception {
        // The child shares the JVM's memory; its change of uid makes the kernel clear the
        // memory's dumpable flag, which hako must give back once the child has exec'd.
        assertEquals(1, Libc.prctl(linux_h.PR_GET_DUMPABLE(), 0), "the JVM is dumpable before");
        ok(builder().user("1234:5678").command("/bin/true").run());
        assertEquals(1, Libc.prctl(linux_h.PR_GET_DUMPABLE(), 0), "and after");
    }

    @Test
    void runsAsRootByDefault() throws Exception {
        assertEquals("0 0 /root\n", ok(builder().command("/bin/sh", "-c", "echo $(id -u) $(id -g) $HOME").run()));
    }

    @Test
    void runsAsANamedUserWithItsHome() throws Exception {
        assertEquals("65534 65534 /nonexistent\n",
                ok(builder().user("nobody").command("/bin/sh", "-c", "echo $(id -u) $(id -g) $HOME").run()));
    }

    @Test
    void runsAsNumericIdsAndCannotRegainRoot() throws Exception {
        String out = ok(builder().user("1234:5678").command("/bin/sh", "-c",
                "echo $(id -u) $(id -g) $(id -G); touch /root/x 2>/dev/null || echo denied").run());
        assertEquals("1234 5678 5678\ndenied\n", out);
    }

    @Test
    void anUnknownNameIsRefusedAtBuild() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder().user("nosuchuser").command("/bin/true").build());
        assertTrue(e.getMessage().contains("nosuchuser") && e.getMessage().contains("/etc/passwd"), e.getMessage());
    }

    @Test
    void anImagesLinkedPasswdIsReadInsideItsRootfsNeverTheHosts(@TempDir Path layer) throws Exception {
        // An image layer whose /etc/passwd and /etc/group are absolute links into the image
        // itself; the host has /etc/passwd (with daemon) but no /usr/lib/hako-passwd.
        Files.createDirectories(layer.resolve("usr/lib"));
        Files.createDirectories(layer.resolve("etc"));
        Files.writeString(layer.resolve("usr/lib/hako-passwd"), "app:x:4242:4343::/home/app:/bin/sh\n");
        Files.writeString(layer.resolve("usr/lib/hako-group"), "app:x:4343:\nextra:x:5000:app\n");
        Files.createSymbolicLink(layer.resolve("etc/passwd"), Path.of("/usr/lib/hako-passwd"));
        Files.createSymbolicLink(layer.resolve("etc/group"), Path.of("../../../../usr/lib/hako-group"));
        Rootfs image = Rootfs.overlay(layer, TestRootfs.path());
        assertEquals("4242 4343 4343 5000 /home/app\n", ok(builder().rootfs(image).user("app")
                .command("/bin/sh", "-c", "echo $(id -u) $(id -g) $(id -G) $HOME").run()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder().rootfs(image).user("daemon").command("/bin/true").build());
        assertTrue(e.getMessage().contains("'daemon' is not in the container's /etc/passwd"), e.getMessage());
    }
}
