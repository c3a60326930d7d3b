package dev.hako.image;

import dev.hako.userns.MappedChown;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The record, next to a layer's tree in a user's store, of the files given to the ids of
 * the user's namespace ({@link MappedChown}): {@code <tree>.owners}. The user cannot delete
 * a directory owned by one of its subordinate ids, so every deletion of a tree first gives
 * the recorded files back ({@link MappedChown#restore}); the record is written, and synced,
 * before the first file is given away, so that a tree a crash left half made can still be
 * removed by the next sweep.
 *
 * <p>Format: a header line, then each path relative to the tree, each ended by a NUL (a
 * name cannot hold one); the tree itself is the empty path. Only this JVM's user writes
 * it, in a 0700 store; still, a record that is not one is refused, not guessed at.
 */
final class ShiftedOwners {
    static final String SUFFIX = ".owners";
    private static final String HEADER = "hako shifted owners 1\n";
    /** Far beyond any layer's file count times a long path. */
    private static final long MAX_SIZE = 256L << 20;

    private ShiftedOwners() {
    }

    /** Where the record of {@code tree} is. */
    static Path of(Path tree) {
        return tree.resolveSibling(tree.getFileName() + SUFFIX);
    }

    /** Whether {@code name} is a record's file name, not a tree's. */
    static boolean isRecord(String name) {
        return name.endsWith(SUFFIX);
    }

    /** Writes the record of {@code tree} for {@code changes} (their paths inside it), durably, replacing one there. */
    static void write(Path tree, List<MappedChown.Change> changes) throws IOException {
        StringBuilder text = new StringBuilder(HEADER);
        for (MappedChown.Change c : changes) {
            text.append(c.path()).append('\0'); // relative, checked by Change
        }
        writeAtomically(of(tree), text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Copies the record of {@code from} to be the record of {@code to}, durably, replacing one there. */
    static void copy(Path from, Path to) throws IOException {
        writeAtomically(of(to), Files.readAllBytes(of(from)));
    }

    private static void writeAtomically(Path record, byte[] bytes) throws IOException {
        Path temp = record.resolveSibling(record.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            Files.write(temp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
            Files.move(temp, record, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** The recorded paths of {@code tree}, relative to it; empty when it has no record. */
    static List<String> read(Path tree) throws IOException {
        Path record = of(tree);
        if (!Files.isRegularFile(record, LinkOption.NOFOLLOW_LINKS)) {
            if (Files.exists(record, LinkOption.NOFOLLOW_LINKS)) {
                throw new ImageException(record + " should be the record of the files of " + tree
                        + " given to your subordinate ids, but is not a regular file: remove it and the layer by hand"
                        + " (podman unshare rm -rf, or as root)");
            }
            return List.of();
        }
        if (Files.size(record) > MAX_SIZE) {
            throw new ImageException(record + " is larger than any record of a layer's owners (" + MAX_SIZE
                    + " bytes): remove it and the layer by hand (as root)");
        }
        String text = new String(Files.readAllBytes(record), StandardCharsets.UTF_8);
        if (!text.startsWith(HEADER) || !(text.length() == HEADER.length() || text.endsWith("\0"))) {
            throw new ImageException(record + " is not a record of a layer's owners (a header line, then"
                    + " NUL-terminated paths): remove it and the layer by hand (as root)");
        }
        String body = text.substring(HEADER.length());
        List<String> paths = new ArrayList<>();
        if (!body.isEmpty()) {
            for (String rel : Arrays.asList(body.substring(0, body.length() - 1).split("\0", -1))) {
                try {
                    new MappedChown.Change(rel, 0, 0, -1);
                } catch (IllegalArgumentException e) {
                    throw new ImageException(record + " names '" + rel + "', which is not a path inside " + tree
                            + ": refused", e);
                }
                paths.add(rel);
            }
        }
        return paths;
    }
}
