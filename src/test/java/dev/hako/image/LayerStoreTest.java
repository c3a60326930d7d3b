package dev.hako.image;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.hako.image.TestImages.gzipped;
import static dev.hako.image.TestImages.plain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Importing OCI layouts and docker-save archives into a store, without needing root. */
class LayerStoreTest {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    @TempDir
    Path tmp;
    LayerStore store;

    @BeforeEach
    void openStore() throws IOException {
        store = LayerStore.open(tmp.resolve("store"));
    }

    @Test
    void aUsersStoreIsUnderXdgDataHomeElseHome() {
        assertEquals(Path.of("/data/u/hako"), LayerStore.userRoot("/data/u", "/home/u", "/home/u"));
        assertEquals(Path.of("/home/u/.local/share/hako"), LayerStore.userRoot(null, "/home/u", "/ignored"));
        assertEquals(Path.of("/home/u/.local/share/hako"), LayerStore.userRoot("", "/home/u", "/ignored"));
        assertEquals(Path.of("/home/u/.local/share/hako"), LayerStore.userRoot("relative/data", "/home/u", "/ignored"),
                "the XDG base directory specification ignores a relative path");
        assertEquals(Path.of("/home/p/.local/share/hako"), LayerStore.userRoot(null, null, "/home/p"));
        String m = assertThrows(IllegalStateException.class, () -> LayerStore.userRoot(null, null, "?")).getMessage();
        assertTrue(m.contains("set XDG_DATA_HOME") && m.contains("LayerStore.open(path)"), m);
        assertEquals(dev.hako.linux.Kernel.rootless()
                ? LayerStore.userRoot(System.getenv("XDG_DATA_HOME"), System.getenv("HOME"), System.getProperty("user.home"))
                : LayerStore.DEFAULT_ROOT, LayerStore.defaultRoot());
    }

    /** Bottom layer: files, modes, links, a PAX xattr and a long name. */
    static TestImages.Layer base() {
        String longDir = "usr/share/" + "l".repeat(120);
        return gzipped(new TarBuilder()
                .dir("./", 0755)
                .dir("etc/", 0755)
                .file("etc/passwd", 0644, "root:x:0:0:root:/root:/bin/sh\n")
                .dir("bin/", 0755)
                .file("bin/tool", 04755, "#!tool\n")
                .file("bin/group-tool", 02711, "#!group\n")
                .symlink("bin/sh", "tool")
                .hardlink("bin/tool-again", "bin/tool")
                .dir("tmp/", 01777)
                .pax(TarBuilder.records("SCHILY.xattr.user.origin", "base", "path", longDir + "/file"))
                .file("ignored", 0600, "long")
                .file("data/old.txt", "old\n")
                .build());
    }

    /** Middle layer, uncompressed: a changed file, a new one in a directory tar did not list. */
    static TestImages.Layer middle() {
        return plain(new TarBuilder()
                .file("etc/passwd", 0600, "root:x:0:0:root:/root:/bin/ash\n")
                .file("srv/www/index.html", "<html/>")
                .build());
    }

    /** Top layer: GNU long name, a directory with a mode and time of its own. */
    static TestImages.Layer top() {
        return gzipped(new TarBuilder().gnu()
                .gnuLong('L', "opt/" + "g".repeat(150))
                .file("short", 0755, "gnu\n")
                .dir("srv/", 0750)
                .build());
    }

    @Test
    void importsAnOciLayoutWithThreeLayers() throws IOException {
        List<TestImages.Layer> layers = List.of(base(), middle(), top());
        TestImages.Oci oci = new TestImages.Oci(tmp.resolve("layout"));
        oci.tag(oci.image(layers), "latest");

        Image image = store.importOciLayout(oci.dir, "latest");

        List<String> topFirst = TestImages.diffIds(layers).reversed();
        assertEquals(topFirst, image.layerDigests());
        assertEquals(topFirst.stream().map(store::layerDir).toList(), image.layers());
        assertEquals(Digests.sha256(TestImages.bytes(TestImages.config(TestImages.diffIds(layers)))), image.digest());
        assertEquals(List.copyOf(new java.util.TreeSet<>(topFirst)), store.layers());

        ImageConfig c = image.config();
        assertEquals(List.of("/bin/entry"), c.entrypoint());
        assertEquals(List.of("--serve", "8080"), c.cmd());
        assertEquals(List.of("/bin/entry", "--serve", "8080"), c.command());
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/bin:/usr/bin");
        env.put("GREETING", "a=b");
        env.put("EMPTY", "");
        assertEquals(env, c.env());
        assertEquals("/srv", c.workingDir());
        assertEquals("1000:1000", c.user());

        Path b = image.layers().get(2);
        assertEquals("root:x:0:0:root:/root:/bin/sh\n", Files.readString(b.resolve("etc/passwd")));
        assertEquals(0644, mode(b.resolve("etc/passwd")));
        assertEquals(04755, mode(b.resolve("bin/tool")), "setuid kept");
        assertEquals(02711, mode(b.resolve("bin/group-tool")), "setgid kept");
        assertEquals(01777, mode(b.resolve("tmp")), "sticky kept");
        assertEquals(0755, mode(b));
        assertEquals(Path.of("tool"), Files.readSymbolicLink(b.resolve("bin/sh")));
        assertEquals(Files.getAttribute(b.resolve("bin/tool"), "unix:ino"),
                Files.getAttribute(b.resolve("bin/tool-again"), "unix:ino"), "hard link shares the inode");
        assertEquals(2, Files.getAttribute(b.resolve("bin/tool"), "unix:nlink"));
        Path longFile = b.resolve("usr/share/" + "l".repeat(120) + "/file");
        assertEquals("long", Files.readString(longFile));
        assertFalse(Files.exists(b.resolve("ignored")), "PAX path replaces the header name");
        assertEquals("base", xattr(longFile, "origin"));
        FileTime mtime = FileTime.fromMillis(TarBuilder.MTIME * 1000);
        assertEquals(mtime, Files.getLastModifiedTime(b.resolve("etc/passwd")));
        assertEquals(mtime, Files.getLastModifiedTime(b.resolve("bin/sh"), NOFOLLOW), "symlink's own time");
        assertEquals(mtime, Files.getLastModifiedTime(b.resolve("bin")), "directory time set after its entries");

        Path m = image.layers().get(1);
        assertEquals("root:x:0:0:root:/root:/bin/ash\n", Files.readString(m.resolve("etc/passwd")));
        assertEquals(0600, mode(m.resolve("etc/passwd")));
        assertEquals("<html/>", Files.readString(m.resolve("srv/www/index.html")));
        assertEquals(0755, mode(m.resolve("srv/www")), "a directory tar did not list gets 0755");
        assertFalse(Files.exists(m.resolve("bin")), "a layer holds only its own entries");

        Path t = image.layers().get(0);
        assertEquals("gnu\n", Files.readString(t.resolve("opt/" + "g".repeat(150))));
        assertEquals(0750, mode(t.resolve("srv")));
        assertEquals(mtime, Files.getLastModifiedTime(t.resolve("srv")));

        assertEquals(List.of("layers"), List.of(tmp.resolve("store").toFile().list()));
        assertNoTemporaryDirectories();
    }

    @Test
    void aLayerSharedByTwoImagesIsUnpackedOnce() throws IOException {
        TestImages.Layer shared = base();
        TestImages.Oci first = new TestImages.Oci(tmp.resolve("first"));
        first.tag(first.image(List.of(shared, middle())), null);
        Image one = store.importOciLayout(first.dir, null);
        Path sharedDir = store.layerDir(shared.diffId());
        Object inode = Files.getAttribute(sharedDir, "unix:ino");
        FileTime changed = (FileTime) Files.getAttribute(sharedDir, "unix:ctime");
        Object fileInode = Files.getAttribute(sharedDir.resolve("etc/passwd"), "unix:ino");

        TestImages.Oci second = new TestImages.Oci(tmp.resolve("second"));
        second.tag(second.image(List.of(shared, top())), null);
        // The shared layer's blob is not even there: a layer in the store is not read again.
        Files.delete(second.blobPath(shared.blobDigest()));
        Image two = store.importOciLayout(second.dir, null);

        assertEquals(one.layers().getLast(), two.layers().getLast());
        assertEquals(inode, Files.getAttribute(sharedDir, "unix:ino"));
        assertEquals(changed, Files.getAttribute(sharedDir, "unix:ctime"));
        assertEquals(fileInode, Files.getAttribute(sharedDir.resolve("etc/passwd"), "unix:ino"));
        assertEquals(3, store.layers().size());

        // importing the same image again changes nothing either
        assertEquals(two, store.importOciLayout(second.dir, null));
        assertEquals(inode, Files.getAttribute(sharedDir, "unix:ino"));
    }

    @Test
    void repeatedLayerInOneImageIsUnpackedOnce() throws IOException {
        TestImages.Layer empty = plain(new TarBuilder().build());
        TestImages.Oci oci = new TestImages.Oci(tmp.resolve("layout"));
        oci.tag(oci.image(List.of(empty, middle(), empty)), null);
        Image image = store.importOciLayout(oci.dir, null);
        assertEquals(3, image.layers().size());
        assertEquals(image.layers().get(0), image.layers().get(2));
        assertEquals(2, store.layers().size());
    }

    @Test
    void concurrentImportsOfTheSameImageShareOneCopy() throws Exception {
        TestImages.Oci oci = new TestImages.Oci(tmp.resolve("layout"));
        oci.tag(oci.image(List.of(base(), middle(), top())), null);
        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Image>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int i = 0; i < threads; i++) {
                // separate store objects on one root, as separate callers would have
                LayerStore own = LayerStore.open(tmp.resolve("store"));
                Callable<Image> job = () -> {
                    start.await();
                    return own.importOciLayout(oci.dir, null);
                };
                results.add(pool.submit(job));
            }
            start.countDown();
            Image first = results.getFirst().get();
            for (Future<Image> f : results) {
                assertEquals(first, f.get());
            }
        }
        assertEquals(3, store.layers().size());
        assertNoTemporaryDirectories();
    }

    @Test
    void picksThePlatformOfThisMachineFromAMultiArchIndex() throws IOException {
        TestImages.Oci oci = new TestImages.Oci(tmp.resolve("layout"));
        String host = Platform.host().architecture();
        String other = host.equals("amd64") ? "arm64" : "amd64";
        TestImages.Layer mine = plain(new TarBuilder().file("arch", host).build());
        TestImages.Layer theirs = plain(new TarBuilder().file("arch", other).build());
        ObjectNode index = oci.imageIndex(List.of(
                TestImages.withPlatform(oci.image(List.of(theirs)), "linux", other, other.equals("arm64") ? "v8" : null),
                TestImages.withPlatform(oci.image(List.of(plain(new TarBuilder().build()))), "linux", "arm", "v7"),
                TestImages.withPlatform(oci.image(List.of(mine)), "linux", host, null),
                TestImages.withPlatform(oci.image(List.of(plain(new TarBuilder().build()))), "unknown", "unknown", null)));
        oci.tag(index, "multi");

        Image image = store.importOciLayout(oci.dir, "multi");
        assertEquals(host, Files.readString(image.layers().getFirst().resolve("arch")));

        TestImages.Oci foreign = new TestImages.Oci(tmp.resolve("foreign"));
        foreign.tag(foreign.imageIndex(List.of(
                TestImages.withPlatform(foreign.image(List.of(theirs)), "linux", other, null),
                TestImages.withPlatform(foreign.image(List.of(theirs)), "linux", "s390x", null))), null);
        String m = refusedLeavingStoreUnchanged(() -> store.importOciLayout(foreign.dir, null));
        assertTrue(m.contains("has no image for linux/" + host), m);
        assertTrue(m.contains("it has: linux/" + other + ", linux/s390x"), m);
    }

    @Test
    void selectsByReference() throws IOException {
        TestImages.Oci oci = new TestImages.Oci(tmp.resolve("layout"));
        oci.tag(oci.image(List.of(plain(new TarBuilder().file("which", "one").build()))), "one");
        ObjectNode two = oci.image(List.of(plain(new TarBuilder().file("which", "two").build())));
        ObjectNode named = two.deepCopy();
        ObjectNode annotations = named.putObject("annotations");
        annotations.put(Descriptor.REF_NAME, "two");
        annotations.put(Descriptor.CONTAINERD_NAME, "docker.io/library/app:two");
        oci.index.add(named);
        oci.writeIndex();

        assertEquals("one", Files.readString(store.importOciLayout(oci.dir, "one").layers().getFirst().resolve("which")));
        assertEquals("two", Files.readString(store.importOciLayout(oci.dir, "app:two").layers().getFirst().resolve("which")));
        assertEquals("two", Files.readString(store.importOciLayout(oci.dir, two.get("digest").asText()).layers()
                .getFirst().resolve("which")));

        String ambiguous = assertThrows(ImageException.class, () -> store.importOciLayout(oci.dir, null)).getMessage();
        assertTrue(ambiguous.contains("holds 2 images (one, docker.io/library/app:two)"), ambiguous);
        String missing = assertThrows(ImageException.class, () -> store.importOciLayout(oci.dir, "three")).getMessage();
        assertTrue(missing.contains("no image named 'three'") && missing.contains("it has: one, docker.io/library/app:two"),
                missing);
    }

    @Test
    void importsAClassicDockerSaveArchive() throws IOException {
        TestImages.Layer a = plain(new TarBuilder().file("a", "first").symlink("link", "a").build());
        TestImages.Layer b = plain(new TarBuilder().file("b", "second").build());
        List<TestImages.Layer> layers = List.of(a, b, a); // a repeated layer, stored once as a symlink
        byte[] config = TestImages.bytes(TestImages.config(TestImages.diffIds(layers)));
        Path archive = tmp.resolve("saved.tar");
        Files.write(archive, TestImages.dockerArchive(layers, config, List.of("test/app:1.0", "test/app:latest"), false));

        Image image = store.importDockerArchive(archive, "test/app:1.0");
        assertEquals(Digests.sha256(config), image.digest());
        assertEquals(List.of(a.diffId(), b.diffId(), a.diffId()), image.layerDigests());
        assertEquals("first", Files.readString(image.layers().getFirst().resolve("a")));
        assertEquals(Path.of("a"), Files.readSymbolicLink(image.layers().getFirst().resolve("link")));
        assertEquals("second", Files.readString(image.layers().get(1).resolve("b")));
        assertEquals(List.of("/bin/entry", "--serve", "8080"), image.config().command());
        assertEquals(image, store.importDockerArchive(archive, "test/app"));
        assertEquals(image, store.importDockerArchive(archive, null));

        String m = assertThrows(ImageException.class, () -> store.importDockerArchive(archive, "other")).getMessage();
        assertTrue(m.contains("no image tagged 'other'") && m.contains("it has: test/app:1.0, test/app:latest"), m);
    }

    @Test
    void importsADocker25ArchiveWithBlobs() throws IOException {
        TestImages.Layer a = plain(new TarBuilder().dir("etc/", 0755).file("etc/os-release", "ID=test\n").build());
        TestImages.Layer b = gzipped(new TarBuilder().file("etc/motd", "hi\n").build());
        List<TestImages.Layer> layers = List.of(a, b);
        byte[] config = TestImages.bytes(TestImages.config(TestImages.diffIds(layers)));
        Path archive = tmp.resolve("saved.tar");
        Files.write(archive, TestImages.dockerArchive(layers, config, List.of("alpine:latest"), true));

        Image image = store.importDockerArchive(archive, "docker.io/library/alpine:latest");
        assertEquals("hi\n", Files.readString(image.layers().getFirst().resolve("etc/motd")));
        assertEquals("ID=test\n", Files.readString(image.layers().getLast().resolve("etc/os-release")));
    }

    @Test
    void removedLayersAreUnpackedAgainOnTheNextImport() throws IOException {
        TestImages.Layer layer = middle();
        TestImages.Oci oci = new TestImages.Oci(tmp.resolve("layout"));
        oci.tag(oci.image(List.of(layer)), null);
        store.importOciLayout(oci.dir, null);
        assertTrue(store.hasLayer(layer.diffId()));

        assertTrue(store.removeLayer(layer.diffId()));
        assertFalse(store.hasLayer(layer.diffId()));
        assertFalse(store.removeLayer(layer.diffId()));
        assertEquals(List.of(), store.layers());
        assertNoTemporaryDirectories();

        Image again = store.importOciLayout(oci.dir, null);
        assertEquals("<html/>", Files.readString(again.layers().getFirst().resolve("srv/www/index.html")));
        String m = assertThrows(IllegalArgumentException.class, () -> store.layerDir("sha256:../../etc")).getMessage();
        assertTrue(m.contains("malformed digest"), m);
    }

    @Test
    void openRemovesTemporaryDirectoriesOfDeadProcessesOnly() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path layers = store.root().resolve("layers/sha256");
        Path dead = Files.createDirectories(layers.resolve(".tmp-" + gone.pid() + "-0123456789ab-000000000000/etc"));
        Path doomed = Files.createDirectories(layers.resolve(".del-" + gone.pid() + "-0123456789ab-000000000001"));
        Path alive = Files.createDirectories(layers.resolve(".tmp-" + ProcessHandle.current().pid()
                + "-0123456789ab-000000000002"));

        LayerStore.open(store.root());

        assertFalse(Files.exists(dead.getParent()));
        assertFalse(Files.exists(doomed));
        assertTrue(Files.exists(alive), "an import in progress in a live process is left alone");
        Files.delete(alive);
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", NOFOLLOW) & 07777;
    }

    private static String xattr(Path p, String name) throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
        ByteBuffer buf = ByteBuffer.allocate(view.size(name));
        view.read(name, buf);
        return new String(buf.array(), StandardCharsets.UTF_8);
    }

    private void assertNoTemporaryDirectories() throws IOException {
        for (String name : TestImages.snapshot(store.root().resolve("layers/sha256"))) {
            assertFalse(name.startsWith(".") && !name.isEmpty(), "left behind: " + name);
        }
    }

    interface Import {
        Image run() throws IOException;
    }

    /** Runs an import that must fail; checks that the store is exactly as before and returns the message. */
    String refusedLeavingStoreUnchanged(Import importer) throws IOException {
        var before = TestImages.snapshot(store.root());
        ImageException e = assertThrows(ImageException.class, importer::run);
        assertEquals(before, TestImages.snapshot(store.root()), "the store changed: " + e.getMessage());
        return e.getMessage();
    }
}
