package dev.hako.image;

import dev.hako.Container;
import dev.hako.cli.MinimalRootfs;
import dev.hako.testing.KernelTest;
import dev.hako.testing.TestRootfs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An entry of a layer below a symbolic link of a lower layer ({@code bin/x} over
 * {@code bin -> usr/bin}). Layers are applied as overlayfs joins them, each unpacked on its
 * own: the entry's parent becomes a real directory in the upper layer, which replaces the
 * lower link in the container (OCI image spec, "Changeset over existing files"; Docker's
 * overlay2 and containerd's overlayfs snapshotter do the same). So the entry never lands
 * where the link points, whether inside the image or, for a hostile image, on the host.
 */
@KernelTest
class LowerLayerLinksIT {
    private static Path work;
    private static Path victim;
    private static LayerStore store;
    private static Image image;

    @BeforeAll
    static void importImage() throws IOException {
        work = Files.createTempDirectory(Path.of(System.getProperty("basedir", ".")).resolve("target"), "lower-links-it-");
        victim = Files.createDirectories(work.resolve("host/victim"));
        Files.writeString(victim.resolve("file"), "untouched\n");
        store = LayerStore.open(work.resolve("store"));

        TestImages.Layer base = TestImages.gzipped(TestImages.tarOf(TestRootfs.path()).build());
        // From <store>/layers/sha256/<hex>/rel up to / (one more ".." would stay at /).
        String climbToRoot = "../".repeat(store.root().getNameCount() + 3);
        TestImages.Layer links = TestImages.plain(new TarBuilder()
                .dir("data/", 0755)
                .file("data/a", "a\n")
                .file("data/b", "b\n")
                .symlink("link", "data")                                // inside the image, like bin -> usr/bin
                .symlink("abs", victim.toString())                      // hostile: the host's directory, absolute
                .symlink("rel", climbToRoot + victim.toString().substring(1)) // and climbing out
                .build());
        TestImages.Layer top = TestImages.plain(new TarBuilder()
                .file("link/.wh.a", "")                                 // implicit parent 'link'
                .file("link/new", "new\n")
                .dir("abs/", 0755)                                      // explicit directory over the link
                .file("abs/pwned", "pwned\n")
                .file("abs/.wh.file", "")
                .file("rel/pwned", "pwned\n")
                .file("rel/.wh.file", "")
                .build());
        TestImages.Oci oci = new TestImages.Oci(work.resolve("oci"));
        oci.tag(oci.image(List.of(base, links, top)), null);
        image = store.importOciLayout(oci.dir, null);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (work != null) {
            MinimalRootfs.delete(work);
        }
    }

    @Test
    void aLayerNeverWritesThroughALowerLayersLinkOntoTheHost() throws IOException {
        assertEquals(List.of("file"), list(victim), "nothing written, nothing whited out on the host");
        assertEquals("untouched\n", Files.readString(victim.resolve("file")));
        Path topLayer = image.layers().getFirst();
        for (String dir : List.of("link", "abs", "rel")) {
            assertTrue(Files.isDirectory(topLayer.resolve(dir), LinkOption.NOFOLLOW_LINKS),
                    dir + " is a directory of the top layer itself");
        }
    }

    @Test
    void theUpperLayersDirectoryReplacesTheLowerLink() throws Exception {
        // What resolves, not what readdir lists: overlayfs lists a whiteout that sits in a
        // directory of one layer only (here the top layer's, over a lower link), though no
        // name finds it; coreutils' ls shows such entries, busybox's skips them.
        String script = "for p in /link /abs /rel; do if [ -L $p ]; then echo \"$p is a link\";"
                + " else printf '%s:' $p; for f in $p/* $p/.[!.]*; do [ -e \"$f\" ] && printf ' %s' \"${f##*/}\"; done; echo;"
                + " fi; done; for n in /link/a /abs/file /rel/file; do [ -e $n ] && echo \"$n found\"; done; cat /data/a /data/b";
        String out = ok(Container.builder().image(image).entrypoint("/bin/sh", "-c", script)
                .user("0").workingDir("/").run());
        assertEquals("/link: new\n/abs: pwned\n/rel: pwned\na\nb\n", out,
                "each name is the top layer's directory, and the whiteouts in it did not reach data/a or the host");
        assertEquals(List.of("file"), list(victim));
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
