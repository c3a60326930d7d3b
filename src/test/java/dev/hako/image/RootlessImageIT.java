package dev.hako.image;

import dev.hako.cli.MinimalRootfs;
import dev.hako.linux.FileCalls;
import dev.hako.linux.Overlayfs;
import dev.hako.linux.linux_h;
import dev.hako.testing.KernelTest;
import dev.hako.testing.TestUser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Image import without root, for real: a user made for the test runs a child JVM
 * ({@link RootlessImport}) that imports a docker save archive into its own default store
 * and tries hostile layouts; this JVM, as root, then looks at what is on disk, and mounts
 * the layers as that user inside a user namespace, as the launcher does rootless
 * ({@code unshare --user --map-root-user --mount}, {@code mount -t overlay -o userxattr}).
 */
@KernelTest
class RootlessImageIT {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final String TAG = "rootless:test";
    /** A version 2 file capability (cap_net_bind_service, permitted and effective). */
    private static final byte[] CAPABILITY = {1, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

    private static Path work;
    /** Root's own directory (a user's 0700 one is out of reach even of root inside a user namespace). */
    private static Path rootWork;
    private static TestUser user;
    private static Path outside;
    private static Set<String> outsideBefore;
    private static Map<String, String> facts;
    private static final Map<String, String> refusedAsUser = new TreeMap<>();
    private static final Map<String, String> refusedAsRoot = new TreeMap<>();
    private static List<Path> layers;
    private static Path archive;
    private static TestImages.Layer base;
    private static TestImages.Layer top;

    @BeforeAll
    static void importAsAPlainUser() throws Exception {
        work = Files.createTempDirectory("hako-rootless-image-");
        rootWork = Files.createTempDirectory("hako-root-image-");
        user = TestUser.create();
        // Where escapes aim: the user's own, so that only hako's checks can stop a write there.
        outside = Files.createDirectories(work.resolve("outside"));
        Files.writeString(outside.resolve("passwd"), "untouched");

        base = TestImages.gzipped(new TarBuilder()
                .dir("etc/", 0755)
                .file("etc/gone", "deleted by the next layer\n")
                .file("etc/kept", "kept\n")
                .dir("srv/", 0755)
                .dir("srv/cache/", 0755)
                .file("srv/cache/old1", "1")
                .file("srv/cache/old2", "2")
                .dir("olddir/", 0755)
                .file("olddir/inside", "x")
                .dir("bin/", 0755)
                .owned("bin/suid", 04755, 0, 0, "#!/bin/sh\n")
                .owned("bin/sgid", 02755, 0, 42, "#!/bin/sh\n")
                .pax(Map.of("SCHILY.xattr.security.capability", CAPABILITY))
                .file("bin/ping", 0755, "#!/bin/sh\n")
                .pax(TarBuilder.records("SCHILY.xattr.user.note", "kept"))
                .file("bin/noted", 0444, "read-only, with a user xattr\n")
                .dir("home/", 0755)
                .dir("home/app/", 0700)
                .owned("home/app/secret", 0600, 1000, 1000, "the app's\n")
                .owned("home/app/.profile", 0644, 1000, 1000, "")
                .dir("dev/", 0755)
                .charDevice("dev/null", 1, 3)
                .fifo("run/pipe")
                .dir("ro/", 0555)
                .build());
        top = TestImages.plain(new TarBuilder()
                .file("etc/.wh.gone", "")
                .file("srv/cache/.wh..wh..opq", "")
                .file("srv/cache/new", "new\n")
                .file(".wh.olddir", "")
                .file("etc/added", "added\n")
                .pax(TarBuilder.records("SCHILY.xattr." + Overlayfs.USER_WHITEOUT_XATTR, "y"))
                .file("etc/forged", "an archive's own overlay xattr is dropped\n")
                .pax(TarBuilder.records("SCHILY.xattr." + Overlayfs.USER_FORM_XATTR, "device"))
                .file("etc/forged-form", "so is hako's record\n")
                .build());
        archive = work.resolve("image.tar");
        Files.write(archive, TestImages.dockerArchive(List.of(base, top),
                TestImages.bytes(TestImages.config(TestImages.diffIds(List.of(base, top)))), List.of(TAG), true));

        Path hostile = Files.createDirectories(work.resolve("hostile"));
        writeHostileLayouts(hostile);
        run(List.of("chown", "-R", user.uid() + ":" + user.gid(), work.toString()));
        run(List.of("chmod", "0700", work.toString()));

        facts = importAsUser(null, hostile, refusedAsUser);
        layers = layersOf(facts);

        // The same hostile layouts as root, into a store of its own: the messages must be the same.
        LayerStore rootStore = LayerStore.open(rootWork.resolve("store"));
        try (Stream<Path> s = Files.list(hostile)) {
            for (Path layout : s.sorted().toList()) {
                try {
                    rootStore.importOciLayout(layout, null);
                    refusedAsRoot.put(layout.getFileName().toString(), "(imported)");
                } catch (ImageException e) {
                    refusedAsRoot.put(layout.getFileName().toString(), e.getMessage().replace('\n', ' '));
                }
            }
        }
    }

    /**
     * Runs {@link RootlessImport} as the user, in its login environment (HOME, and
     * XDG_DATA_HOME unless null); returns its facts, "layer" lines joined by ':' under "layers-found".
     */
    private static Map<String, String> importAsUser(Path xdgDataHome, Path hostile, Map<String, String> refused)
            throws IOException, InterruptedException {
        TestUser.Result r = user.runJava(TestUser.DEFAULT_TIMEOUT,
                xdgDataHome == null ? Map.of() : Map.of("XDG_DATA_HOME", xdgDataHome.toString()),
                RootlessImport.class, List.of(archive.toString(), TAG, hostile.toString()));
        assertEquals(0, r.exitCode(), r.describe());
        String out = r.stdout();
        Map<String, String> found = new LinkedHashMap<>();
        List<String> layerLines = new ArrayList<>();
        for (String line : out.split("\n")) {
            String[] kv = line.split(" ", 2);
            switch (kv[0]) {
                case "layer" -> layerLines.add(kv[1]);
                case "refused" -> refused.put(kv[1].split(" ", 2)[0], kv[1].split(" ", 2)[1]);
                case "imported" -> refused.put(kv[1], "(imported)");
                default -> found.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
        }
        assertEquals(2, layerLines.size(), r.describe());
        found.put("layers-found", String.join(":", layerLines));
        return found;
    }

    private static List<Path> layersOf(Map<String, String> facts) {
        return Stream.of(facts.get("layers-found").split(":")).map(Path::of).toList();
    }

    @AfterAll
    static void removeUserAndFiles() throws Exception {
        try {
            if (user != null) {
                user.close();
            }
        } finally {
            try {
                if (work != null) {
                    MinimalRootfs.delete(work);
                }
            } finally {
                if (rootWork != null) {
                    MinimalRootfs.delete(rootWork);
                }
            }
        }
    }

    @Test
    void theStoreIsTheUsersOwnUnderHome() throws IOException {
        assertEquals("true", facts.get("rootless"), "the child JVM has no CAP_SYS_ADMIN");
        Path root = user.home().resolve(".local/share/hako");
        assertEquals(root.toString(), facts.get("root"));
        assertEquals("USER_DEVICE", facts.get("form"));
        assertEquals(0700, mode(root));
        assertEquals(user.uid(), uid(root));
        for (Path layer : layers) {
            assertEquals(root.resolve("layers/sha256"), layer.getParent());
        }
        assertEquals("userxattr", facts.get("option"), "the layers need an overlay mounted with userxattr");
        assertEquals("userxattr", Overlayfs.mountOptionFor(layers), "root reads the user's record too");
    }

    @Test
    void everythingBelongsToTheUserAndSetuidBitsStay() throws IOException {
        try (Stream<Path> s = Stream.concat(Files.walk(layers.get(0)), Files.walk(layers.get(1)))) {
            for (Path p : s.toList()) {
                assertEquals(user.uid(), uid(p), p + ": the image's owner cannot be kept without root");
                assertEquals(user.gid(), (long) (Integer) Files.getAttribute(p, "unix:gid", NOFOLLOW), p.toString());
            }
        }
        Path lower = layers.get(1);
        assertEquals(04755, mode(lower.resolve("bin/suid")), "a user may keep setuid bits on their own files");
        assertEquals(02755, mode(lower.resolve("bin/sgid")), "and setgid bits, the group being the user's");
        assertEquals(0600, mode(lower.resolve("home/app/secret")));
        assertEquals(0700, mode(lower.resolve("home/app")));
        assertEquals(0555, mode(lower.resolve("ro")));
    }

    @Test
    void fileCapabilitiesAndDeviceNodesAreLeftOutFifosAndUserXattrsKept() throws IOException {
        Path lower = layers.get(1);
        Path ping = lower.resolve("bin/ping");
        assertTrue(Files.isRegularFile(ping, NOFOLLOW));
        assertTrue(FileCalls.lgetxattr(ping, "security.capability").isEmpty(), "no CAP_SETFCAP without root");
        assertFalse(Files.exists(lower.resolve("dev/null"), NOFOLLOW), "a device node cannot be made without root");
        assertTrue(Files.isDirectory(lower.resolve("dev"), NOFOLLOW));
        assertEquals("fifo", fileType(lower.resolve("run/pipe")), "any user may make a fifo");
        assertArrayEquals("kept".getBytes(StandardCharsets.UTF_8),
                FileCalls.lgetxattr(lower.resolve("bin/noted"), "user.note").orElseThrow(),
                "set before the file's read-only mode");
        assertEquals(0444, mode(lower.resolve("bin/noted")));
    }

    @Test
    void whiteoutsAreDevicesAndOpaqueDirectoriesUserXattrs() throws IOException {
        Path upper = layers.get(0);
        Path gone = upper.resolve("etc/gone");
        assertEquals("character device", fileType(gone), "a 0/0 device: any user may make one since Linux 5.8");
        assertEquals(0L, (long) (Long) Files.getAttribute(gone, "unix:rdev", NOFOLLOW));
        assertEquals("character device", fileType(upper.resolve("olddir")));
        assertArrayEquals(new byte[] {'y'}, FileCalls.lgetxattr(upper.resolve("srv/cache"), Overlayfs.USER_OPAQUE_XATTR)
                .orElseThrow());
        assertTrue(FileCalls.lgetxattr(upper.resolve("srv/cache"), Overlayfs.OPAQUE_XATTR).isEmpty());
        assertArrayEquals("user-device".getBytes(StandardCharsets.US_ASCII),
                FileCalls.lgetxattr(upper, Overlayfs.USER_FORM_XATTR).orElseThrow(), "the layer records its form");
        assertTrue(FileCalls.lgetxattr(upper, Overlayfs.FORM_XATTR).isEmpty());
        assertTrue(FileCalls.lgetxattr(layers.get(1), Overlayfs.USER_FORM_XATTR).isEmpty(),
                "a layer without markers fits any mount");
        assertTrue(FileCalls.lgetxattr(upper.resolve("etc/forged"), Overlayfs.USER_WHITEOUT_XATTR).isEmpty(),
                "an archive's own overlay xattr is dropped");
        assertTrue(FileCalls.lgetxattr(upper.resolve("etc/forged-form"), Overlayfs.USER_FORM_XATTR).isEmpty());
    }

    @Test
    void anOverlayMountedInAUserNamespaceWithUserxattrHidesWhatTheImageDeletes() throws Exception {
        String view = viewAsUser("userxattr,");
        assertEquals(List.of("etc: added forged forged-form kept", "cache: new", "olddir: hidden",
                "owner: 0 0", "suid: -rwsr-xr-x"), view.lines().toList(), view);
        // Control: without userxattr the opaque directory is not honoured (the device whiteouts are).
        String control = viewAsUser("");
        assertTrue(control.contains("cache: new old1 old2"), control);
        assertTrue(control.contains("olddir: hidden"), control);
    }

    @Test
    void aPlainUserImportsAnImageAndRunsAContainerFromIt() throws Exception {
        // A runnable image: the test rootfs, then a layer that deletes and adds.
        TestImages.Layer system = TestImages.gzipped(TestImages.tarOf(dev.hako.testing.TestRootfs.path())
                .file("etc/gone", "deleted by the next layer\n")
                .owned("etc/app.conf", 0640, 1000, 1000, "conf\n")
                .build());
        TestImages.Layer change = TestImages.plain(new TarBuilder()
                .file("etc/.wh.gone", "")
                .file("etc/added", "added\n")
                .build());
        Path runnable = work.resolve("runnable.tar");
        Files.write(runnable, TestImages.dockerArchive(List.of(system, change),
                TestImages.bytes(TestImages.config(TestImages.diffIds(List.of(system, change)))), List.of("run:1"), false));
        run(List.of("chown", user.uid() + ":" + user.gid(), runnable.toString()));
        String script = "[ -e /etc/gone ] && echo 'gone: present' || echo 'gone: hidden'; cat /etc/added;"
                + " stat -c '%u %g' /etc/app.conf; id -u";
        TestUser.Result r = user.runJava(TestUser.DEFAULT_TIMEOUT, Map.of(), RootlessRun.class,
                List.of(runnable.toString(), "run:1", script));
        assertEquals(0, r.exitCode(), r.describe());
        assertEquals(List.of("gone: hidden", "added", "0 0", "0"), r.stdout().lines().toList(),
                "the whiteout hides, and with one id mapped every file is the container root's: " + r.describe());
    }

    @Test
    void onOverlayfsAUsersStoreWritesWhiteoutsAsFilesWithUserXattrs() throws Exception {
        // A home on overlayfs (as inside a container whose root is overlayfs), mounted by root.
        Path ovl = Files.createDirectories(work.resolve("ovl"));
        Path lower = Files.createDirectories(ovl.resolve("lower"));
        Path upper = Files.createDirectories(ovl.resolve("upper"));
        Path ovlWork = Files.createDirectories(ovl.resolve("work"));
        Path root = Files.createDirectories(ovl.resolve("root"));
        run(List.of("mount", "-t", "overlay", "overlay", "-o",
                "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + ovlWork, root.toString()));
        try {
            run(List.of("chown", user.uid() + ":" + user.gid(), root.toString()));
            Path noHostile = Files.createDirectories(work.resolve("no-hostile"));
            run(List.of("chown", user.uid() + ":" + user.gid(), noHostile.toString()));
            Map<String, String> onOverlay = importAsUser(root.resolve("data"), noHostile, new TreeMap<>());
            assertEquals(root.resolve("data/hako").toString(), onOverlay.get("root"), "XDG_DATA_HOME first");
            assertEquals("USER_XATTR", onOverlay.get("form"), "overlayfs refuses to make 0/0 devices through itself");
            List<Path> ovlLayers = layersOf(onOverlay);
            Path top = ovlLayers.get(0);
            Path gone = top.resolve("etc/gone");
            assertTrue(Files.isRegularFile(gone, NOFOLLOW));
            assertEquals(0, Files.size(gone));
            assertTrue(FileCalls.lgetxattr(gone, Overlayfs.USER_WHITEOUT_XATTR).isPresent());
            assertArrayEquals(new byte[] {'x'}, FileCalls.lgetxattr(top.resolve("etc"), Overlayfs.USER_OPAQUE_XATTR)
                    .orElseThrow());
            assertArrayEquals("user-xattr".getBytes(StandardCharsets.US_ASCII),
                    FileCalls.lgetxattr(top, Overlayfs.USER_FORM_XATTR).orElseThrow());
            assertEquals("userxattr", onOverlay.get("option"));
            String view = viewAsUser("userxattr,", ovlLayers);
            assertEquals(List.of("etc: added forged forged-form kept", "cache: new", "olddir: hidden",
                    "owner: 0 0", "suid: -rwsr-xr-x"), view.lines().toList(), view);
        } finally {
            run(List.of("umount", root.toString()));
        }
    }

    @Test
    void aRootStoresLayersMirrorTheirMarkersSoThatAUserxattrMountReadsThemToo() throws Exception {
        Image rootImage = LayerStore.open(rootWork.resolve("store")).allowDeviceNodes(true)
                .importDockerArchive(archive, TAG);
        Path rootTop = rootImage.layers().getFirst();
        assertArrayEquals(new byte[] {'y'}, FileCalls.lgetxattr(rootTop.resolve("srv/cache"), Overlayfs.OPAQUE_XATTR)
                .orElseThrow());
        assertArrayEquals(new byte[] {'y'}, FileCalls.lgetxattr(rootTop.resolve("srv/cache"), Overlayfs.USER_OPAQUE_XATTR)
                .orElseThrow(), "mirrored for a mount with userxattr");
        assertArrayEquals("device".getBytes(StandardCharsets.US_ASCII),
                FileCalls.lgetxattr(rootTop, Overlayfs.FORM_XATTR).orElseThrow());
        assertArrayEquals("device".getBytes(StandardCharsets.US_ASCII),
                FileCalls.lgetxattr(rootTop, Overlayfs.USER_FORM_XATTR).orElseThrow());
        assertEquals(1000L, uid(rootImage.layers().getLast().resolve("home/app/secret")), "root keeps the image's owners");
        assertNull(Overlayfs.mountOptionFor(rootImage.layers()), "fits a default mount");
        assertEquals(List.of(), Overlayfs.missedByUserxattr(rootImage.layers()));
        assertEquals("userxattr", Overlayfs.mountOptionFor(List.of(layers.get(0), rootImage.layers().getLast())),
                "a user's layer over a root layer: one mount with userxattr reads both");

        // Root's container with a user namespace mounts its overlay inside it, where trusted.* cannot be read.
        String view = view(false, "userxattr,", rootImage.layers(), rootWork.resolve("mnt"));
        assertEquals(List.of("etc: added forged forged-form kept", "cache: new", "olddir: hidden",
                "owner: 0 0", "suid: -rwsr-xr-x"), view.lines().toList(), view);
        String control = view(false, "", rootImage.layers(), rootWork.resolve("mnt"));
        assertTrue(control.contains("cache: new old1 old2"), "without the mirror, the opaque directory leaks: " + control);

        // A root layer without the mirror (an older hako's, or on a filesystem without user xattrs)
        // does not mix with a user's layer.
        // user.* xattrs are what Java's user-defined attribute view sees, without the "user." prefix.
        java.nio.file.Files.getFileAttributeView(rootTop, java.nio.file.attribute.UserDefinedFileAttributeView.class)
                .delete(Overlayfs.USER_FORM_XATTR.substring("user.".length()));
        assertEquals(List.of(rootTop), Overlayfs.missedByUserxattr(rootImage.layers()));
        List<Path> mixed = List.of(layers.get(0), rootTop);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Overlayfs.mountOptionFor(mixed));
        assertTrue(e.getMessage().contains("mix whiteout forms") && e.getMessage().contains(rootTop.toString())
                && e.getMessage().contains(layers.get(0).toString()) && e.getMessage().contains("one layer store"),
                e.getMessage());
    }

    @Test
    void hostileLayoutsAreRefusedAsTheyAreForRoot() throws IOException {
        assertEquals(refusedAsRoot.keySet(), refusedAsUser.keySet());
        for (String name : refusedAsRoot.keySet()) {
            assertFalse(refusedAsUser.get(name).equals("(imported)"), name + " was imported without root");
            assertEquals(refusedAsRoot.get(name), refusedAsUser.get(name), name + ": another message without root");
        }
        assertTrue(refusedAsUser.get("dotdot").contains("climbs out with '..'"), refusedAsUser.toString());
        assertTrue(refusedAsUser.get("endless").contains("is not a regular file"), refusedAsUser.toString());
        assertTrue(refusedAsUser.get("fifo").contains("is not a regular file"), refusedAsUser.toString());
        assertTrue(refusedAsUser.get("huge").contains("ends in the data of 'huge'"), refusedAsUser.toString());
        assertTrue(refusedAsUser.get("longer").contains(" bytes, but the image says "), refusedAsUser.toString());
        assertEquals("untouched", Files.readString(outside.resolve("passwd")));
        assertEquals(Set.of("passwd"), TestImages.snapshot(outside).stream().filter(p -> !p.isEmpty())
                .collect(java.util.stream.Collectors.toSet()), "nothing was written outside the store");
        assertEquals(String.join(",", TestImages.diffIds(List.of(base, top)).stream().sorted().toList()),
                facts.get("layers"), "a refused import leaves no layer behind");
    }

    /** Hostile OCI layouts, each a harmless bottom layer under a bad one, as in {@link HostileImageTest}. */
    private static void writeHostileLayouts(Path dir) throws IOException {
        layout(dir, "dotdot", new TarBuilder().file("../../../outside/evil", "x").build());
        layout(dir, "absolute", new TarBuilder().file(outside.resolve("evil").toString(), "x").build());
        layout(dir, "symlink-out", new TarBuilder().symlink("out", outside.toString()).file("out/passwd", "owned").build());
        layout(dir, "symlink-up", new TarBuilder().symlink("up", "..").file("up/up/up/evil", "x").build());
        layout(dir, "whiteout-through-link",
                new TarBuilder().symlink("w", outside.toString()).file("w/.wh.passwd", "").build());
        layout(dir, "hardlink-out", new TarBuilder().hardlink("h", "../../../outside/passwd").build());
        layout(dir, "hardlink-absolute", new TarBuilder().hardlink("h", outside.resolve("passwd").toString()).build());
        layout(dir, "hardlink-through-link",
                new TarBuilder().symlink("etc", outside.toString()).hardlink("h", "etc/passwd").build());
        layout(dir, "device", new TarBuilder().charDevice("dev/sda", 8, 0).build());
        // An entry that claims a terabyte: the layer ends long before.
        TarBuilder.Header huge = new TarBuilder.Header("huge", '0');
        huge.sizeOverride = 1L << 40;
        huge.base256Size = true;
        huge.data = new byte[4096];
        layout(dir, "huge", new TarBuilder().add(huge).buildWithoutEnd());
        // A blob longer than its descriptor says: read no further than declared.
        byte[] small = new TarBuilder().file("f", "x").build();
        Path longer = layout(dir, "longer", small);
        Files.write(blobOf(longer, small), new byte[10 * 1024], java.nio.file.StandardOpenOption.APPEND);
        // Blobs that never end or block: a link to /dev/zero, a fifo.
        Path endless = layout(dir, "endless", small);
        Files.delete(blobOf(endless, small));
        Files.createSymbolicLink(blobOf(endless, small), Path.of("/dev/zero"));
        Path fifo = layout(dir, "fifo", small);
        Files.delete(blobOf(fifo, small));
        FileCalls.mknod(blobOf(fifo, small), linux_h.S_IFIFO() | 0644, 0);
    }

    private static Path layout(Path dir, String name, byte[] badTar) throws IOException {
        TestImages.Oci oci = new TestImages.Oci(dir.resolve(name));
        oci.tag(oci.image(List.of(TestImages.plain(new TarBuilder().file("first", "fine").build()),
                TestImages.plain(badTar))), null);
        return oci.dir;
    }

    private static Path blobOf(Path layout, byte[] tar) {
        return layout.resolve("blobs/sha256").resolve(Digests.hex(Digests.sha256(tar)));
    }

    /** What the user sees of the layers in an overlay mounted in a user namespace of its own. */
    private static String viewAsUser(String options) throws Exception {
        return viewAsUser(options, layers);
    }

    private static String viewAsUser(String options, List<Path> layers) throws Exception {
        Path mnt = work.resolve("mnt");
        if (!Files.isDirectory(mnt)) {
            Files.createDirectory(mnt);
            run(List.of("chown", user.uid() + ":" + user.gid(), mnt.toString()));
        }
        return view(true, options, layers, mnt);
    }

    /** What the user, or root, sees in an overlay mounted in a user namespace of its own. */
    private static String view(boolean asUser, String options, List<Path> layers, Path mnt) throws Exception {
        Files.createDirectories(mnt);
        String script = "mount -t overlay overlay -o " + options + "lowerdir=" + layers.get(0) + ":" + layers.get(1)
                + " " + mnt + " || exit 1; cd " + mnt + ";"
                + " echo \"etc: $(ls -A etc | tr '\\n' ' ' | sed 's/ $//')\";"
                + " echo \"cache: $(ls -A srv/cache | tr '\\n' ' ' | sed 's/ $//')\";"
                + " if [ -e olddir ]; then echo 'olddir: present'; else echo 'olddir: hidden'; fi;"
                + " echo \"owner: $(stat -c '%u %g' bin/suid)\"; echo \"suid: $(stat -c '%A' bin/suid)\"";
        // The mount lives in the namespace of that shell alone, and goes with it.
        List<String> command = List.of("unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script);
        if (!asUser) {
            return run(command);
        }
        TestUser.Result r = TestUser.waitFor(user.start(command, Map.of()), TestUser.DEFAULT_TIMEOUT);
        assertEquals(0, r.exitCode(), r.describe());
        return r.stdout();
    }

    /** Runs a command as root, returning its output; fails with the output when it exits non-zero. */
    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish: " + out);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", NOFOLLOW) & 07777;
    }

    private static long uid(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", NOFOLLOW);
    }

    private static String fileType(Path p) throws IOException {
        int type = (Integer) Files.getAttribute(p, "unix:mode", NOFOLLOW) & linux_h.S_IFMT();
        if (type == linux_h.S_IFCHR()) {
            return "character device";
        }
        if (type == linux_h.S_IFIFO()) {
            return "fifo";
        }
        return Integer.toOctalString(type);
    }
}
