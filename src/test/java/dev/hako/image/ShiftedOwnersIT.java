package dev.hako.image;

import dev.hako.cli.MinimalRootfs;
import dev.hako.testing.KernelTest;
import dev.hako.testing.TestRootfs;
import dev.hako.testing.TestUser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rootless import that keeps the image's owners: a user made for the test, with 65536
 * subordinate uids and gids, imports into its own store from a child JVM
 * ({@link ShiftedImport}); this JVM, as root, looks at the owners on disk (container id N
 * is the user's own uid for N = 0 and subordinate id start + N - 1 otherwise, podman's
 * default map), the container run by the user sees the image's own owners, and the
 * user's removal, a refused import and the sweep after a crash leave nothing behind,
 * although a user cannot delete what its subordinate ids own.
 */
@KernelTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShiftedOwnersIT {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final String TAG = "shifted:1";
    private static final String HOSTILE_TAG = "toolarge:1";
    private static final String SCRIPT = "stat -c '%u:%g:%a:%n' /srv /srv/index.html /srv/hard /srv/link /var/lib/db"
            + " /var/lib/db/data /usr/local/bin/suid-tool /etc/shadowish /home/nobody-file /srv/top; id -u;"
            + " cat /var/lib/db/data";

    private static Path work;
    private static TestUser user;
    private static long subStart;
    private static Path archive;
    private static String importOut;
    private static List<Path> layers;

    @BeforeAll
    static void importAsAUserWithSubordinateIds() throws Exception {
        work = Files.createTempDirectory("hako-shifted-");
        Files.createDirectories(outsideDir());
        Files.writeString(outsideDir().resolve("f"), "the user's own\n");
        user = TestUser.builder().subordinateIds(65536).create();
        subStart = user.subuids().getFirst().start();
        assertEquals(subStart, user.subgids().getFirst().start());

        TestImages.Layer system = TestImages.gzipped(TestImages.tarOf(TestRootfs.path())
                .ownedDir("srv/", 0755, 33, 33)
                .owned("srv/index.html", 0640, 33, 33, "www\n")
                .hardlink("srv/hard", "srv/index.html")
                .ownedSymlink("srv/link", "index.html", 33, 33)
                .ownedDir("var/lib/db/", 0700, 999, 999)
                .owned("var/lib/db/data", 0600, 999, 999, "rows\n")
                .owned("usr/local/bin/suid-tool", 04755, 1000, 1000, "#!/bin/sh\n")
                .owned("etc/shadowish", 0640, 0, 42, "x\n")
                .owned("home/nobody-file", 0644, 65534, 65534, "n\n")
                // An owned tree that a later entry replaces with a link to the user's own files: the
                // pass must not chown through the link what the tree's entries once were.
                .ownedDir("swap/", 0755, 33, 33)
                .owned("swap/f", 0644, 33, 33, "replaced\n")
                .ownedSymlink("swap", outsideDir().toString(), 0, 0)
                .build());
        TestImages.Layer top = TestImages.plain(new TarBuilder()
                .ownedDir("srv/", 0755, 33, 33) // without it, the top layer's own srv would be root's, as in Docker
                .owned("srv/top", 0644, 1000, 1000, "top\n").build());
        archive = work.resolve("image.tar");
        Files.write(archive, TestImages.dockerArchive(List.of(system, top),
                TestImages.bytes(TestImages.config(TestImages.diffIds(List.of(system, top)))), List.of(TAG), false));

        TestImages.Layer tooLarge = TestImages.plain(new TarBuilder()
                .file("ok", "fine\n")
                .owned("beyond", 0644, 70000, 70000, "no subordinate id for this\n").build());
        Path hostile = work.resolve("hostile.tar");
        Files.write(hostile, TestImages.dockerArchive(List.of(tooLarge),
                TestImages.bytes(TestImages.config(TestImages.diffIds(List.of(tooLarge)))), List.of(HOSTILE_TAG), false));
        run(List.of("chown", "-R", user.uid() + ":" + user.gid(), work.toString()));

        TestUser.Result r = user.runJava(TestUser.DEFAULT_TIMEOUT, Map.of(), ShiftedImport.class,
                List.of("import", archive.toString(), TAG, SCRIPT, hostile.toString(), HOSTILE_TAG));
        assertEquals(0, r.exitCode(), r.describe());
        importOut = r.stdout();
        layers = ShiftedImport.values(importOut, "layer").stream().map(Path::of).toList();
        assertEquals(2, layers.size(), r.describe());
    }

    private static Path outsideDir() {
        return work.resolve("outside");
    }

    @AfterAll
    static void removeUserAndFiles() throws Exception {
        try {
            if (user != null) {
                user.close();
            }
        } finally {
            if (work != null) {
                MinimalRootfs.delete(work);
            }
        }
    }

    @Test
    void onDiskTheImagesIdsAreTheUsersSubordinateIds() throws IOException {
        Path base = layers.get(1); // top layer first
        assertOwner(base.resolve("srv"), subStart + 32, subStart + 32);
        assertOwner(base.resolve("srv/index.html"), subStart + 32, subStart + 32);
        assertOwner(base.resolve("srv/link"), subStart + 32, subStart + 32);
        assertOwner(base.resolve("var/lib/db"), subStart + 998, subStart + 998);
        assertOwner(base.resolve("usr/local/bin/suid-tool"), subStart + 999, subStart + 999);
        assertOwner(base.resolve("etc/shadowish"), user.uid(), subStart + 41);
        assertOwner(base.resolve("home/nobody-file"), subStart + 65533, subStart + 65533);
        assertOwner(base.resolve("bin"), user.uid(), user.gid());
        assertOwner(layers.get(0).resolve("srv/top"), subStart + 999, subStart + 999);
        assertEquals(04755, mode(base.resolve("usr/local/bin/suid-tool")), "the chown cleared setuid; it is set again");
        assertEquals(0700, mode(base.resolve("var/lib/db")));
        assertTrue(Files.isRegularFile(ShiftedOwners.of(base), NOFOLLOW), "the record of what was given away");
        assertTrue(Files.isSymbolicLink(base.resolve("swap")));
        assertOwner(base.resolve("swap"), user.uid(), user.gid());
        assertOwner(outsideDir().resolve("f"), user.uid(), user.gid()); // nothing chowned through the link
        assertOwner(outsideDir(), user.uid(), user.gid());
    }

    @Test
    void theContainerWithTheDefaultMapSeesTheImagesOwners() {
        assertEquals(List.of("0"), ShiftedImport.values(importOut, "exit"), importOut);
        assertEquals(List.of(
                "33:33:755:/srv",
                "33:33:640:/srv/index.html",
                "33:33:640:/srv/hard",
                "33:33:777:/srv/link",
                "999:999:700:/var/lib/db",
                "999:999:600:/var/lib/db/data",
                "1000:1000:4755:/usr/local/bin/suid-tool",
                "0:42:640:/etc/shadowish",
                "65534:65534:644:/home/nobody-file",
                "1000:1000:644:/srv/top",
                "0",
                "rows"), ShiftedImport.values(importOut, "out"), importOut);
    }

    @Test
    void anOwnerBeyondTheSubordinateRangesIsRefusedAndLeavesNothing() {
        String refused = ShiftedImport.values(importOut, "refused").getFirst();
        assertTrue(refused.contains("'beyond'") && refused.contains("70000:70000")
                && refused.contains("uids 0-65536") && refused.contains("/etc/subuid"), refused);
        assertEquals(List.of("true"), ShiftedImport.values(importOut, "unchanged-by-refusal"), importOut);
    }

    @Test
    @Order(Integer.MAX_VALUE) // the others look at the layers this removes
    void theUserRemovesTheLayersAndTheSweepCleansUpAfterACrash() throws Exception {
        Path crashStore = Files.createDirectories(user.home().resolve("crash-store"));
        run(List.of("chown", user.uid() + ":" + user.gid(), crashStore.toString()));
        TestUser.Result crash = user.runJava(TestUser.DEFAULT_TIMEOUT, Map.of(), ShiftedImport.class,
                List.of("crash", crashStore.toString(), archive.toString(), TAG));
        assertEquals(0, crash.exitCode(), crash.describe());
        String crashed = ShiftedImport.values(crash.stdout(), "crashed").getFirst();
        assertTrue(crashed.contains(".tmp-") && crashed.contains(".del-") && crashed.contains(ShiftedOwners.SUFFIX),
                crash.describe());
        assertEquals(List.of(""), ShiftedImport.values(crash.stdout(), "swept"), crash.describe());

        TestUser.Result removed = user.runJava(TestUser.DEFAULT_TIMEOUT, Map.of(), ShiftedImport.class,
                List.of("remove", archive.toString(), TAG));
        assertEquals(0, removed.exitCode(), removed.describe());
        assertEquals(List.of("true", "true"), ShiftedImport.values(removed.stdout(), "removed"), removed.describe());
        assertEquals(List.of(""), ShiftedImport.values(removed.stdout(), "after-remove"), removed.describe());
    }

    private static void assertOwner(Path p, long uid, long gid) throws IOException {
        assertEquals(uid, ((Number) Files.getAttribute(p, "unix:uid", NOFOLLOW)).longValue(), "owner of " + p);
        assertEquals(gid, ((Number) Files.getAttribute(p, "unix:gid", NOFOLLOW)).longValue(), "group of " + p);
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", NOFOLLOW) & 07777;
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).inheritIO().start();
        assertEquals(0, p.waitFor(), String.join(" ", command));
    }
}
