package dev.hako.image;

import dev.hako.Container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A child JVM of {@link ShiftedOwnersIT}, run as an unprivileged user with subordinate ids;
 * prints {@code key value} lines.
 * <ul>
 * <li>{@code import <archive> <tag> <script> <hostile archive> <hostile tag>}: imports into
 *     the user's default store, runs the script in a container of the image, tries the
 *     hostile image.</li>
 * <li>{@code remove <archive> <tag>}: removes the image's layers from the default store.</li>
 * <li>{@code crash <store> <archive> <tag>}: imports into {@code store}, gives its layers the
 *     names an import and a removal of a dead process leave, and opens the store again.</li>
 * </ul>
 */
public final class ShiftedImport {
    private ShiftedImport() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "import" -> importAndRun(args);
            case "remove" -> remove(args);
            case "crash" -> crash(args);
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.exit(0);
    }

    private static void importAndRun(String[] args) throws IOException, InterruptedException {
        LayerStore store = LayerStore.open();
        Image image = store.importDockerArchive(Path.of(args[1]), args[2]);
        for (Path layer : image.layers()) {
            put("layer", layer.toString());
        }
        Container.Result r = Container.builder().image(image).entrypoint("/bin/sh", "-c", args[3])
                .user("0").workingDir("/").run();
        r.stdout().lines().forEach(l -> put("out", l));
        put("stderr", r.stderr().replace('\n', ' '));
        put("exit", Integer.toString(r.exitCode()));
        String before = listing(store);
        try {
            store.importDockerArchive(Path.of(args[4]), args[5]);
            put("refused", "(imported)");
        } catch (ImageException e) {
            put("refused", e.getMessage().replace('\n', ' '));
        }
        put("unchanged-by-refusal", Boolean.toString(before.equals(listing(store))));
    }

    private static void remove(String[] args) throws IOException {
        LayerStore store = LayerStore.open();
        Image image = store.importDockerArchive(Path.of(args[1]), args[2]); // there already: nothing unpacked
        for (String digest : image.layerDigests()) {
            put("removed", Boolean.toString(store.removeLayer(digest)));
        }
        put("after-remove", listing(store));
    }

    private static void crash(String[] args) throws IOException, InterruptedException {
        Path root = Path.of(args[1]);
        LayerStore store = LayerStore.open(root);
        Image image = store.importDockerArchive(Path.of(args[2]), args[3]);
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        long dead = gone.pid();
        String[] prefixes = {".tmp-", ".del-"};
        for (int i = 0; i < image.layers().size(); i++) {
            Path layer = image.layers().get(i);
            Path renamed = layer.resolveSibling(prefixes[i % 2] + dead + "-" + "0".repeat(12) + "-00000" + i);
            Path record = ShiftedOwners.of(layer);
            if (Files.exists(record)) {
                Files.move(record, ShiftedOwners.of(renamed));
            }
            Files.move(layer, renamed);
        }
        put("crashed", listing(store));
        put("swept", listing(LayerStore.open(root)));
    }

    private static String listing(LayerStore store) throws IOException {
        try (Stream<Path> s = Files.list(store.root().resolve("layers").resolve("sha256"))) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.joining(","));
        }
    }

    private static void put(String key, String value) {
        System.out.println(key + " " + value);
        System.out.flush();
    }

    static List<String> values(String out, String key) {
        return out.lines().filter(l -> l.startsWith(key + " ") || l.equals(key))
                .map(l -> l.length() > key.length() ? l.substring(key.length() + 1) : "").toList();
    }
}
