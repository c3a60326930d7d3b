package dev.hako.net;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Who holds a local port, for the message when a port cannot be reserved: the socket's
 * inode from {@code /proc/net/tcp} (or udp, and their IPv6 tables), then the process with
 * a descriptor of {@code socket:[inode]}. Best effort: processes of other users are
 * visible only to root, and the tables and /proc are read only so far.
 */
final class PortUsers {
    private static final int MAX_LINES = 100_000;
    private static final int MAX_PROCESSES = 100_000;
    private static final String TCP_LISTEN = "0A";

    private PortUsers() {
    }

    /** "pid 123 (nginx)", or empty when nobody is found. */
    static Optional<String> describe(Protocol protocol, int port) {
        try {
            Set<String> inodes = new HashSet<>();
            for (String table : List.of(protocol.text(), protocol.text() + "6")) {
                inodes.addAll(socketInodes(Path.of("/proc/net", table), protocol, port));
            }
            return inodes.isEmpty() ? Optional.empty() : holder(inodes);
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // only an embellishment of a message
        }
    }

    /** The inodes of the table's sockets bound to {@code port} (TCP: listening ones). */
    static Set<String> socketInodes(Path table, Protocol protocol, int port) throws IOException {
        Set<String> inodes = new HashSet<>();
        if (!Files.isReadable(table)) {
            return inodes;
        }
        String hexPort = String.format(":%04X", port);
        try (BufferedReader in = Files.newBufferedReader(table, StandardCharsets.ISO_8859_1)) {
            in.readLine(); // the header
            String line;
            for (int n = 0; n < MAX_LINES && (line = in.readLine()) != null; n++) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[1].endsWith(hexPort) && (protocol == Protocol.UDP || f[3].equals(TCP_LISTEN))) {
                    inodes.add(f[9]);
                }
            }
        }
        return inodes;
    }

    private static Optional<String> holder(Set<String> inodes) throws IOException {
        Set<String> links = new HashSet<>();
        inodes.forEach(i -> links.add("socket:[" + i + "]"));
        int seen = 0;
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                if (++seen > MAX_PROCESSES) {
                    break;
                }
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fd"))) {
                    for (Path fd : fds) {
                        if (links.contains(Files.readSymbolicLink(fd).toString())) {
                            String comm = Files.readString(process.resolve("comm"), StandardCharsets.ISO_8859_1).strip();
                            return Optional.of("pid " + process.getFileName() + " (" + comm + ")");
                        }
                    }
                } catch (IOException gone) {
                    // exited, or another user's
                }
            }
        }
        return Optional.empty();
    }
}
