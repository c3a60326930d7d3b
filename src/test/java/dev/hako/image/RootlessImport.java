package dev.hako.image;

import dev.hako.linux.Kernel;
import dev.hako.linux.Overlayfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The child JVM of {@link RootlessImageIT}, run as an unprivileged user: imports a docker
 * save archive into the user's default store, then tries each hostile OCI layout of a
 * directory, and prints what happened, one fact a line ({@code key value}).
 */
public final class RootlessImport {
    private RootlessImport() {
    }

    /** {@code <docker archive> <its tag> <directory of hostile OCI layouts>}. */
    public static void main(String[] args) throws IOException {
        System.out.println("rootless " + Kernel.rootless());
        System.out.println("root " + LayerStore.defaultRoot());
        LayerStore store = LayerStore.open().allowDeviceNodes(true);
        System.out.println("form " + store.whiteoutForm());
        Image image = store.importDockerArchive(Path.of(args[0]), args[1]);
        for (Path layer : image.layers()) {
            System.out.println("layer " + layer);
        }
        System.out.println("option " + Overlayfs.mountOptionFor(image.layers()));

        LayerStore plain = LayerStore.open(); // device nodes refused, as by default
        List<Path> hostile;
        try (Stream<Path> s = Files.list(Path.of(args[2]))) {
            hostile = s.sorted().toList();
        }
        for (Path layout : hostile) {
            String name = layout.getFileName().toString();
            try {
                plain.importOciLayout(layout, null);
                System.out.println("imported " + name);
            } catch (ImageException e) {
                System.out.println("refused " + name + " " + e.getMessage().replace('\n', ' '));
            }
        }
        System.out.println("layers " + String.join(",", plain.layers()));
    }
}
