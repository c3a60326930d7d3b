package dev.hako.image;

import dev.hako.linux.FileCalls;
import dev.hako.linux.linux_h;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Removing directory trees that may hold anything a layer can: never following a symbolic link. */
final class Trees {
    private Trees() {
    }

    /**
     * Deletes {@code path} and, for a directory, everything in it. Symbolic links are
     * removed, not followed. Without root, directories a layer made read-only are made
     * writable first so that their entries can go.
     */
    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        boolean root = linux_h.geteuid() == 0;
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!root) {
                    FileCalls.chmod(dir, 0700);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** {@link #deleteRecursively}, for cleanup after another failure: a second error is added to it. */
    static void deleteAfterFailure(Path path, Throwable failure) {
        try {
            deleteRecursively(path);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }
}
