package dev.hako.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Removes what a network test made on the host: its bridges and links, and the bridges' lease directories. */
public final class TestBridges {
    private static final Path LEASES = Path.of("/run/hako/networks");

    private TestBridges() {
    }

    /**
     * Deletes each link (if there) and, for a bridge, its lease directory once it holds no
     * lease (only hako's lock and temporary files, whose names start with a dot).
     */
    public static void remove(List<String> links) throws IOException, InterruptedException {
        for (String link : links) {
            new ProcessBuilder("ip", "link", "del", link).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            Path dir = LEASES.resolve(link);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> s = Files.list(dir)) {
                List<Path> entries = s.toList();
                if (entries.stream().allMatch(p -> p.getFileName().toString().startsWith("."))) {
                    for (Path p : entries) {
                        Files.deleteIfExists(p);
                    }
                    Files.deleteIfExists(dir);
                }
            }
        }
    }
}
