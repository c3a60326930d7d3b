package dev.hako.it;

import dev.hako.ContainerException;
import dev.hako.Rootfs;
import dev.hako.fs.MaskedPaths;
import dev.hako.testing.KernelTest;
import dev.hako.testing.TestRootfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Masked and read-only paths are decided inside the container, on the paths as the image
 * has them, not by looking at the host; a mask that fails for another reason than the path
 * not being there fails the start.
 */
@KernelTest
class MaskedPathsIT {
    private static final String SHOW = "cat /etc/secret; ls /opt/secretdir; echo x 2>/dev/null > /opt/secretdir/new || echo ro-dir;"
            + " echo x 2>/dev/null >> /etc/notes || echo ro-notes";

    @TempDir
    Path layer;

    /** The test rootfs with a layer on top holding paths the host does not have. */
    private Rootfs imageWithSecrets() throws Exception {
        Files.createDirectories(layer.resolve("etc"));
        Files.writeString(layer.resolve("etc/secret"), "s3cret\n");
        Files.writeString(layer.resolve("etc/notes"), "notes\n");
        Files.createDirectories(layer.resolve("opt/secretdir"));
        Files.writeString(layer.resolve("opt/secretdir/key"), "k\n");
        for (String p : List.of("/etc/secret", "/etc/notes", "/opt/secretdir")) {
            assertFalse(Files.exists(Path.of(p)), "the host must not have " + p + " for this test to mean anything");
        }
        return Rootfs.overlay(layer, TestRootfs.path());
    }

    @Test
    void pathsThatExistOnlyInTheImageAreMaskedAndMadeReadOnly() throws Exception {
        Rootfs rootfs = imageWithSecrets();
        String unmasked = ok(builder().rootfs(rootfs).command("/bin/sh", "-c", SHOW).run());
        assertEquals("s3cret\nkey\n", unmasked, "control: without masks the image's paths show and are writable");

        String masked = ok(builder().rootfs(rootfs)
                .maskedPaths(List.of("/etc/secret", "/opt/secretdir", "/no/such/path"))
                .readonlyPaths(List.of("/etc/notes", "/no/such/file"))
                .command("/bin/sh", "-c", SHOW + "; cat /etc/notes").run());
        assertEquals("ro-dir\nro-notes\nnotes\n", masked, "the file is empty, the directory empty and read-only,"
                + " the read-only file unchanged; missing paths are skipped");
    }

    @Test
    void theDefaultMasksStillCoverProcAndSys() throws Exception {
        String out = ok(builder().command("/bin/sh", "-c",
                "cat /proc/kcore | wc -c; ls /sys/firmware | wc -l; echo 1 2>/dev/null > /proc/sysrq-trigger || echo ro").run());
        assertEquals("0\n0\nro\n", out);
    }

    @Test
    void aMaskThatFailsForAnotherReasonThanAMissingPathFailsTheStart() {
        // /proc/self/ns/net exists, but is a file of the kernel's nsfs, in no mount of this
        // namespace: nothing can be mounted onto it (EINVAL), and that is not "missing".
        ContainerException e = assertThrows(ContainerException.class, () -> builder()
                .maskedPaths(List.of("/proc/self/ns/net")).command("/bin/true").run());
        assertTrue(e.getMessage().contains("masked path /proc/self/ns/net (maskedPaths)"), e.getMessage());

        ContainerException ro = assertThrows(ContainerException.class, () -> builder()
                .readonlyPaths(List.of("/proc/self/ns/net")).command("/bin/true").run());
        assertTrue(ro.getMessage().contains("read-only path /proc/self/ns/net (readonlyPaths)"), ro.getMessage());
    }

    @Test
    void onlyENOENTCountsAsMissing() {
        // The first step of a path skips the rest only on ENOENT: below a file, the lookup
        // fails with ENOTDIR, which no mask can cover, so the start fails (as in runc).
        ContainerException e = assertThrows(ContainerException.class, () -> builder()
                .maskedPaths(List.of("/bin/sh/x")).command("/bin/true").run());
        assertTrue(e.getMessage().contains("masked path /bin/sh/x (maskedPaths)")
                && e.getMessage().contains("ENOTDIR"), e.getMessage());
    }

    @Test
    void aDirectoryHoldingTheProbesNameFailsTheStartInsteadOfStayingVisible() throws Exception {
        // The child tells a directory by a lookup inside it failing with ENOENT. An image
        // that puts an entry of that name into a directory to be masked makes the lookup
        // succeed: the file's mask is tried, fails with ENOTDIR, and so does the start.
        Rootfs rootfs = imageWithSecrets();
        Files.writeString(layer.resolve("opt/secretdir").resolve(MaskedPaths.NOT_INSIDE), "gotcha\n");
        ContainerException e = assertThrows(ContainerException.class, () -> builder().rootfs(rootfs)
                .maskedPaths(List.of("/opt/secretdir")).command("/bin/cat", "/opt/secretdir/key").run());
        assertTrue(e.getMessage().contains("masked path /opt/secretdir (maskedPaths)")
                && e.getMessage().contains("ENOTDIR"), e.getMessage());
    }
}
