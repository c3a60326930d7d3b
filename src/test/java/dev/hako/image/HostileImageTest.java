package dev.hako.image;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static dev.hako.image.TestImages.gzipped;
import static dev.hako.image.TestImages.plain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Archives that try to write outside their layer, lie about their digests, are cut short or
 * use what hako does not support: each is refused with a message saying why, and the
 * store is left exactly as it was, a layer already in it included.
 */
class HostileImageTest {
    @TempDir
    Path tmp;
    LayerStore store;
    /** A directory outside the store that the escapes aim at. */
    Path outside;
    Set<String> outsideBefore;

    @BeforeEach
    void setUp() throws IOException {
        store = LayerStore.open(tmp.resolve("store"));
        // one good layer in the store already: a failed import must not touch it either
        TestImages.Oci good = new TestImages.Oci(tmp.resolve("good"));
        good.tag(good.image(List.of(plain(new TarBuilder().file("good", "yes").build()))), null);
        store.importOciLayout(good.dir, null);
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("passwd"), "untouched");
        outsideBefore = TestImages.snapshot(tmp);
    }

    /** The layers of a hostile image: a harmless bottom layer that gets unpacked first, then {@code bad}. */
    private String refusedAsLayer(TestImages.Layer bad) throws IOException {
        TestImages.Oci oci = new TestImages.Oci(tmp.resolve("layout-" + System.nanoTime()));
        oci.tag(oci.image(List.of(plain(new TarBuilder().file("first", "fine").build()), bad)), null);
        String m = refused(() -> store.importOciLayout(oci.dir, null));
        assertTrue(m.contains("layer 2 of 2"), m);
        return m;
    }

    private String refusedAsLayer(byte[] tar) throws IOException {
        return refusedAsLayer(plain(tar));
    }

    private String refused(LayerStoreTest.Import importer) throws IOException {
        Set<String> before = TestImages.snapshot(store.root());
        ImageException e = assertThrows(ImageException.class, importer::run);
        assertEquals(before, TestImages.snapshot(store.root()), "the store changed: " + e.getMessage());
        assertEquals("untouched", Files.readString(outside.resolve("passwd")));
        Set<String> everything = TestImages.snapshot(tmp);
        everything.removeIf(p -> p.startsWith("layout-") || p.startsWith("archive-"));
        assertEquals(outsideBefore, everything, "something was written outside the store");
        return e.getMessage();
    }

    @Test
    void dotDotEscapesAreRefused() throws IOException {
        String m = refusedAsLayer(new TarBuilder().file("../../../outside/evil", "x").build());
        assertTrue(m.contains("tar entry '../../../outside/evil' (byte 0) climbs out with '..'"), m);
        m = refusedAsLayer(new TarBuilder().dir("a/", 0755).file("a/../../evil", "x").build());
        assertTrue(m.contains("'a/../../evil'") && m.contains("climbs out with '..'"), m);
        m = refusedAsLayer(new TarBuilder().pax(TarBuilder.records("path", "ok/../../evil")).file("harmless", "x").build());
        assertTrue(m.contains("'ok/../../evil'"), m);
    }

    @Test
    void absolutePathsAreRefused() throws IOException {
        String m = refusedAsLayer(new TarBuilder().file(outside.resolve("evil").toString(), "x").build());
        assertTrue(m.contains("has an absolute path: refused"), m);
        m = refusedAsLayer(new TarBuilder().gnu().gnuLong('L', "/etc/hako-evil").file("x", "x").build());
        assertTrue(m.contains("'/etc/hako-evil'") && m.contains("absolute path"), m);
    }

    @Test
    void pathsThroughASymlinkTheArchiveCreatedAreRefused() throws IOException {
        String m = refusedAsLayer(new TarBuilder().symlink("link", "/etc").file("link/passwd", "owned").build());
        assertTrue(m.contains("tar entry 'link/passwd' (byte 512) goes through the symbolic link 'link' -> '/etc'"
                + " that the archive created: refused"), m);

        m = refusedAsLayer(new TarBuilder().symlink("out", outside.toString()).file("out/passwd", "owned").build());
        assertTrue(m.contains("goes through the symbolic link 'out'"), m);

        m = refusedAsLayer(new TarBuilder().symlink("up", "..").file("up/up/up/evil", "x").build());
        assertTrue(m.contains("'up/up/up/evil'") && m.contains("symbolic link 'up' -> '..'"), m);

        // a chain: a -> ., b -> a/.., then through b
        m = refusedAsLayer(new TarBuilder().symlink("a", ".").symlink("b", "a/..").file("b/evil", "x").build());
        assertTrue(m.contains("'b/evil'") && m.contains("symbolic link 'b' -> 'a/..'"), m);

        // a directory replaced by a link later in the same layer
        m = refusedAsLayer(new TarBuilder().dir("d/", 0755).symlink("d", outside.toString()).file("d/x", "x").build());
        assertTrue(m.contains("'d/x'") && m.contains("symbolic link 'd'"), m);

        // a whiteout through a link
        m = refusedAsLayer(new TarBuilder().symlink("w", outside.toString()).file("w/.wh.passwd", "").build());
        assertTrue(m.contains("'w/.wh.passwd'") && m.contains("symbolic link 'w'"), m);
    }

    @Test
    void hardLinksOutsideOrToMissingEntriesAreRefused() throws IOException {
        String m = refusedAsLayer(new TarBuilder().file(".wh.first", "").hardlink("h", "first").build());
        assertTrue(m.contains("tar entry 'h'") && m.contains("which this layer made a whiteout"), m);

        m = refusedAsLayer(new TarBuilder().hardlink("h", "../../../outside/passwd").build());
        assertTrue(m.contains("tar entry 'h' (byte 0) is a hard link to '../../../outside/passwd', outside the layer"), m);

        m = refusedAsLayer(new TarBuilder().hardlink("h", outside.resolve("passwd").toString()).build());
        assertTrue(m.contains("is a hard link to '" + outside.resolve("passwd") + "', outside the layer"), m);

        m = refusedAsLayer(new TarBuilder().hardlink("h", "not/there").build());
        assertTrue(m.contains("is a hard link to 'not/there', which is not an earlier entry of this layer"), m);

        m = refusedAsLayer(new TarBuilder().hardlink("h", "later").file("later", "x").build());
        assertTrue(m.contains("not an earlier entry"), m);

        m = refusedAsLayer(new TarBuilder().symlink("etc", outside.toString()).hardlink("h", "etc/passwd").build());
        assertTrue(m.contains("the hard link 'h' (byte 512) to 'etc/passwd' goes through the symbolic link 'etc'"), m);
    }

    @Test
    void deviceNodesAndFifosNeedTheOption() throws IOException {
        String m = refusedAsLayer(new TarBuilder().charDevice("dev/null", 1, 3).build());
        assertTrue(m.contains("contains the character device 'dev/null' (1,3): refused")
                && m.contains("allowDeviceNodes(true)"), m);
        m = refusedAsLayer(new TarBuilder().fifo("run/pipe").build());
        assertTrue(m.contains("contains the fifo 'run/pipe': refused"), m);
        TarBuilder.Header block = new TarBuilder.Header("dev/sda", '4');
        block.devMajor = 8;
        m = refusedAsLayer(new TarBuilder().add(block).build());
        assertTrue(m.contains("block device 'dev/sda' (8,0)"), m);
    }

    @Test
    void layerDigestMismatchesAreRefused() throws IOException {
        // the blob is not what its name says: same size, one byte changed
        byte[] tar = new TarBuilder().file("f", "original").build();
        TestImages.Oci oci = new TestImages.Oci(tmp.resolve("layout-blob"));
        TestImages.Layer layer = plain(tar);
        oci.tag(oci.image(List.of(layer)), null);
        byte[] tampered = tar.clone();
        tampered[512] = 'X';
        Files.write(oci.blobPath(layer.blobDigest()), tampered);
        String m = refused(() -> store.importOciLayout(oci.dir, null));
        assertTrue(m.contains("layer 1 of 1") && m.contains("does not match its digest: " + layer.blobDigest()
                + " expected, the blob hashes to " + Digests.sha256(tampered)), m);

        // a gzip blob with a changed byte: the digest is what is reported, not the broken gzip
        TestImages.Layer gz = gzipped(tar);
        TestImages.Oci oci2 = new TestImages.Oci(tmp.resolve("layout-gzip"));
        oci2.tag(oci2.image(List.of(gz)), null);
        byte[] broken = gz.blob().clone();
        broken[broken.length / 2] ^= 0x55;
        Files.write(oci2.blobPath(gz.blobDigest()), broken);
        m = refused(() -> store.importOciLayout(oci2.dir, null));
        assertTrue(m.contains("does not match its digest: " + gz.blobDigest()), m);

        // the blob is right but the config's diff_id is not
        String wrong = Digests.sha256("something else".getBytes());
        TestImages.Oci oci3 = new TestImages.Oci(tmp.resolve("layout-diffid"));
        oci3.tag(oci3.image(List.of(gzipped(tar)), TestImages.bytes(TestImages.config(List.of(wrong)))), null);
        m = refused(() -> store.importOciLayout(oci3.dir, null));
        assertTrue(m.contains("the image config's rootfs.diff_ids says " + wrong + ", the unpacked tar hashes to "
                + Digests.sha256(tar)), m);

        // the blob is shorter than its descriptor says
        TestImages.Oci oci4 = new TestImages.Oci(tmp.resolve("layout-size"));
        ObjectNode manifest = oci4.image(List.of(layer));
        oci4.tag(manifest, null);
        Files.write(oci4.blobPath(layer.blobDigest()), Arrays.copyOf(tar, tar.length - 512));
        m = refused(() -> store.importOciLayout(oci4.dir, null));
        assertTrue(m.contains("is " + (tar.length - 512) + " bytes, but the image says " + tar.length), m);
    }

    @Test
    void configAndManifestDigestMismatchesAreRefused() throws IOException {
        TestImages.Layer layer = plain(new TarBuilder().file("f", "x").build());
        TestImages.Oci oci = new TestImages.Oci(tmp.resolve("layout-config"));
        byte[] config = TestImages.bytes(TestImages.config(List.of(layer.diffId())));
        oci.tag(oci.image(List.of(layer), config), null);
        String configDigest = Digests.sha256(config);
        byte[] evil = new String(config).replace("/bin/entry", "/bin/entrz").getBytes();
        Files.write(oci.blobPath(configDigest), evil);
        String m = refused(() -> store.importOciLayout(oci.dir, null));
        assertTrue(m.contains("image config " + Digests.shortForm(configDigest) + " in " + oci.dir
                + " does not match its digest: " + configDigest + " expected, the content hashes to "
                + Digests.sha256(evil)), m);

        TestImages.Oci oci2 = new TestImages.Oci(tmp.resolve("layout-manifest"));
        ObjectNode manifest = oci2.image(List.of(layer));
        oci2.tag(manifest, null);
        Path blob = oci2.blobPath(manifest.get("digest").asText());
        byte[] bytes = Files.readAllBytes(blob);
        bytes[bytes.length - 2] = ' ';
        Files.write(blob, bytes);
        m = refused(() -> store.importOciLayout(oci2.dir, null));
        assertTrue(m.contains("manifest " + Digests.shortForm(manifest.get("digest").asText()))
                && m.contains("does not match its digest"), m);

        // docker save: the config's file name is its digest
        byte[] archiveConfig = TestImages.bytes(TestImages.config(List.of(layer.diffId())));
        byte[] archive = TestImages.dockerArchive(List.of(layer), archiveConfig, List.of("x:1"), false);
        String name = Digests.hex(Digests.sha256(archiveConfig)) + ".json";
        byte[] tampered = new String(archive, java.nio.charset.StandardCharsets.ISO_8859_1)
                .replace("/bin/entry", "/bin/entrz").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        // the config's tar header checksum does not cover its data: only the digest catches this
        Path file = tmp.resolve("archive-config.tar");
        Files.write(file, tampered);
        m = refused(() -> store.importDockerArchive(file, null));
        assertTrue(m.contains("(" + name + " in " + file + ") does not match its digest"), m);
    }

    @Test
    void dockerSaveLayerDigestMismatchIsRefused() throws IOException {
        TestImages.Layer layer = plain(new TarBuilder().file("f", "x").build());
        String wrong = Digests.sha256("other".getBytes());
        byte[] config = TestImages.bytes(TestImages.config(List.of(wrong)));
        Path file = tmp.resolve("archive-layer.tar");
        Files.write(file, TestImages.dockerArchive(List.of(layer), config, List.of("x:1"), false));
        String m = refused(() -> store.importDockerArchive(file, "x:1"));
        assertTrue(m.contains("layer 1 of 1 (") && m.contains("/layer.tar in " + file + ")")
                && m.contains("rootfs.diff_ids says " + wrong), m);
    }

    @Test
    void truncatedLayersAreRefused() throws IOException {
        byte[] full = new TarBuilder().file("a", "x".repeat(3000)).file("b", "y").build();
        // digests describe the cut archive, so that what is refused is the truncation itself
        String m = refusedAsLayer(Arrays.copyOf(full, 512 + 3072 + 200));
        assertTrue(m.contains("tar archive ends in the middle of a header at byte 3584 (200 of 512 bytes)"), m);
        m = refusedAsLayer(Arrays.copyOf(full, 512 + 1000));
        assertTrue(m.contains("tar archive ends in the data of 'a' (byte 1000 of 3000): the archive is truncated"), m);
        m = refusedAsLayer(gzipped(Arrays.copyOf(full, 512 + 1000)));
        assertTrue(m.contains("ends in the data of 'a'"), m);

        byte[] gz = TarBuilder.gzip(full);
        byte[] cut = Arrays.copyOf(gz, gz.length / 2);
        m = refusedAsLayer(TestImages.raw(full, cut, TestImages.TAR_GZIP));
        assertTrue(m.contains("the compressed stream is truncated or corrupt"), m);
    }

    @Test
    void badTarChecksumIsRefused() throws IOException {
        byte[] tar = new TarBuilder().file("a", "x").build();
        tar[10] = 'Z';
        String m = refusedAsLayer(tar);
        assertTrue(m.contains("tar header at byte 0 has a bad checksum"), m);
    }

    @Test
    void zstdLayersAreRefusedByName() throws IOException {
        byte[] tar = new TarBuilder().file("a", "x").build();
        String m = refusedAsLayer(TestImages.raw(tar, tar, "application/vnd.oci.image.layer.v1.tar+zstd"));
        assertTrue(m.contains("is zstd-compressed (media type application/vnd.oci.image.layer.v1.tar+zstd),"
                + " which hako does not support"), m);

        byte[] zstdMagic = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0, 0, 0};
        m = refusedAsLayer(TestImages.raw(tar, zstdMagic, TestImages.TAR));
        assertTrue(m.contains("is zstd-compressed (media type application/vnd.oci.image.layer.v1.tar)"), m);

        m = refusedAsLayer(TestImages.raw(tar, tar, "application/vnd.example.unknown"));
        assertTrue(m.contains("has the media type application/vnd.example.unknown, which is not a layer"), m);
    }

    @Test
    void malformedLayoutsAreRefusedClearly() throws IOException {
        Path notLayout = Files.createDirectories(tmp.resolve("layout-empty"));
        assertTrue(refused(() -> store.importOciLayout(notLayout, null)).contains("has no oci-layout file"));

        TestImages.Oci oci = new TestImages.Oci(tmp.resolve("layout-sha512"));
        Files.writeString(oci.dir.resolve("index.json"),
                "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" + Descriptor.OCI_MANIFEST
                        + "\",\"digest\":\"sha512:abcd\",\"size\":1}]}");
        String m = refused(() -> store.importOciLayout(oci.dir, null));
        assertTrue(m.contains("uses the digest algorithm 'sha512', which hako does not support"), m);

        Files.writeString(oci.dir.resolve("index.json"),
                "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" + Descriptor.OCI_MANIFEST
                        + "\",\"digest\":\"sha256:../../../../etc/passwd\",\"size\":1}]}");
        m = refused(() -> store.importOciLayout(oci.dir, null));
        assertTrue(m.contains("malformed digest 'sha256:../../../../etc/passwd'"), m);

        Files.writeString(oci.dir.resolve("index.json"), "{\"manifests\":[], \"manifests\":[]}");
        m = refused(() -> store.importOciLayout(oci.dir, null));
        assertTrue(m.contains("is not valid JSON") && m.contains("Duplicate field 'manifests'"), m);

        Path notArchive = tmp.resolve("archive-garbage.tar");
        Files.write(notArchive, "this is not a tar archive at all".repeat(40).getBytes());
        m = refused(() -> store.importDockerArchive(notArchive, null));
        assertTrue(m.contains("is not a readable docker save archive") && m.contains("bad checksum"), m);
    }

    @Test
    void nothingOfAFailedImportStaysEvenWhenEarlierLayersWereFine() throws IOException {
        List<String> before = store.layers();
        refusedAsLayer(new TarBuilder().file("../evil", "x").build());
        assertEquals(before, store.layers(), "the good first layer of the failed image is not kept");
        assertFalse(store.hasLayer(Digests.sha256(new TarBuilder().file("first", "fine").build())));
    }
}
