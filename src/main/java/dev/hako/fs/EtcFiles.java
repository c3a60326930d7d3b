package dev.hako.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The /etc/hostname, /etc/hosts and /etc/resolv.conf a container gets, as Docker gives
 * them: written on the host under {@code /run/hako/<id>}, bind-mounted over the image's own,
 * and removed when the container is closed.
 */
public final class EtcFiles {
    /** A generated file and where it goes in the container. */
    public record Entry(Path source, String target) {
    }

    private final Path dir;
    private final List<Entry> entries;

    private EtcFiles(Path dir, List<Entry> entries) {
        this.dir = dir;
        this.entries = entries;
    }

    /**
     * Writes the files for container {@code id}. With a network namespace, nameservers on
     * the host's loopback are left out of resolv.conf: the container cannot reach them.
     */
    public static EtcFiles write(String id, String hostname, boolean ownNetwork) throws IOException {
        Path dir = RootfsSetup.STAGING.resolve(id);
        Files.createDirectories(dir);
        List<Entry> entries = new ArrayList<>();
        try {
            if (hostname != null) {
                entries.add(file(dir, "hostname", hostname + "\n"));
            }
            String self = hostname != null ? "127.0.1.1\t" + hostname + "\n" : "";
            entries.add(file(dir, "hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" + self));
            entries.add(file(dir, "resolv.conf", resolvConf(ownNetwork)));
        } catch (IOException e) {
            delete(dir);
            throw e;
        }
        return new EtcFiles(dir, List.copyOf(entries));
    }

    private static Entry file(Path dir, String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        return new Entry(f, "/etc/" + name);
    }

    private static String resolvConf(boolean ownNetwork) throws IOException {
        Path host = Path.of("/etc/resolv.conf");
        if (!Files.isReadable(host)) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (String line : Files.readAllLines(host)) {
            String[] words = line.trim().split("\\s+");
            boolean loopback = words.length > 1 && words[0].equals("nameserver")
                    && (words[1].startsWith("127.") || words[1].equals("::1"));
            if (!(ownNetwork && loopback)) {
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }

    public List<Entry> entries() {
        return entries;
    }

    /** Removes the files. */
    public void delete() throws IOException {
        delete(dir);
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
