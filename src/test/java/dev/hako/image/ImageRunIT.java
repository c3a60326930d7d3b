package dev.hako.image;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hako.Container;
import dev.hako.cli.MinimalRootfs;
import dev.hako.testing.KernelTest;
import dev.hako.testing.TestRootfs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Images built by the test (tar + json, no download), imported, and run: the layers become
 * the overlay rootfs and the config gives the defaults, as with {@code docker run}.
 */
@KernelTest
class ImageRunIT {
    private static Path work;
    private static LayerStore store;
    private static List<TestImages.Layer> layers;
    private static byte[] config;

    @BeforeAll
    static void buildImage() throws IOException {
        work = Files.createTempDirectory(Path.of(System.getProperty("basedir", ".")).resolve("target"), "image-run-it-");
        store = LayerStore.open(work.resolve("store"));
        TestImages.Layer base = TestImages.gzipped(TestImages.tarOf(TestRootfs.path()).build());
        // Deletes /bin/true where the base layer really has it: on a merged-/usr host /bin is
        // a link to usr/bin, and a layer's 'bin/.wh.true' would make /bin a directory of its
        // own holding nothing (see LowerLayerLinksIT), as `RUN rm /bin/true` never would.
        String binDir = realDirectory(TestRootfs.path(), "bin");
        TestImages.Layer app = TestImages.plain(new TarBuilder()
                .dir("app/", 0755)
                .file("app/run.sh", 0755, "echo \"args: $*\"; echo \"pwd: $(pwd)\"; echo \"uid: $(id -u)\";"
                        + " echo \"greeting: $GREETING\"; ls /bin/true 2>/dev/null || echo 'true: gone'\n")
                .dir("srv/", 0755)
                .file(binDir + "/.wh.true", 0644, "")
                .build());
        layers = List.of(base, app);
        ObjectNode cfg = TestImages.config(TestImages.diffIds(layers));
        ObjectNode c = (ObjectNode) cfg.get("config");
        c.putArray("Entrypoint").add("/bin/sh").add("/app/run.sh");
        c.putArray("Cmd").add("default-arg");
        c.putArray("Env").add("PATH=/usr/bin:/bin").add("GREETING=hello from the image");
        c.put("WorkingDir", "/srv");
        c.put("User", "nobody");
        config = TestImages.bytes(cfg);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        MinimalRootfs.delete(work);
    }

    /** Where {@code dir} of a rootfs really is, its links resolved inside the rootfs: "usr/bin" for a merged /bin. */
    static String realDirectory(Path rootfs, String dir) throws IOException {
        Path real = rootfs.resolve(dir).toRealPath();
        Path root = rootfs.toRealPath();
        if (!real.startsWith(root)) {
            throw new IOException(dir + " of the test rootfs leads out of it, to " + real);
        }
        return root.relativize(real).toString();
    }

    private static String expected(String args) {
        return "args: " + args + "\npwd: /srv\nuid: 65534\ngreeting: hello from the image\ntrue: gone\n";
    }

    @Test
    void ociLayoutImportsAndRunsWithTheConfigsDefaults() throws Exception {
        TestImages.Oci oci = new TestImages.Oci(work.resolve("oci-" + System.nanoTime()));
        oci.tag(oci.image(layers, config), "app:1");
        Image image = store.importOciLayout(oci.dir, "app:1");
        assertEquals(2, image.layers().size());
        assertEquals(expected("default-arg"), ok(Container.builder().image(image).run()));
        assertEquals(expected("given"), ok(Container.builder().image(image).command("given").run()),
                "command replaces the image's Cmd, not its Entrypoint");
        assertEquals("other\n", ok(Container.builder().image(image).entrypoint("/bin/echo").command("other").user("0").run()));
        assertEquals("/tmp 0\n", ok(Container.builder().image(image).entrypoint("/bin/sh", "-c", "echo $(pwd) $(id -u)")
                .workingDir("/tmp").user("root").run()));
    }

    @Test
    void dockerSaveArchiveImportsAndRuns() throws Exception {
        Path archive = work.resolve("saved-" + System.nanoTime() + ".tar");
        Files.write(archive, TestImages.dockerArchive(layers, config, List.of("app:2"), false));
        Image image = store.importDockerArchive(archive, "app:2");
        assertEquals(expected("default-arg"), ok(Container.builder().image(image).run()));
        assertTrue(store.hasLayer(layers.get(0).diffId()));
    }
}
