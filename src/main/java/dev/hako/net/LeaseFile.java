package dev.hako.net;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

/**
 * What one entry of a lease directory is, read without trusting it: never through a
 * symlink (lstat, then {@code O_NOFOLLOW}), never opened unless a regular file (a FIFO
 * would block the reader), never read beyond {@link LeaseRecord#MAX_BYTES} + 1 bytes.
 */
sealed interface LeaseFile {

    /** Nothing by that name. */
    record Absent() implements LeaseFile {
    }

    /** A lease whose owner runs. */
    record Held(LeaseRecord lease) implements LeaseFile {
    }

    /** A lease whose owner is gone (or whose pid now belongs to a newer process). */
    record Stale(LeaseRecord lease) implements LeaseFile {
    }

    /** Something that is not a lease (a symlink, a directory, garbage): the address stays taken until a person removes it. */
    record Broken(String why) implements LeaseFile {
    }

    /** Reads {@code file}. */
    static LeaseFile read(Path file) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return new Absent();
        }
        if (!a.isRegularFile()) {
            return new Broken(file + " is " + (a.isSymbolicLink() ? "a symlink" : a.isDirectory() ? "a directory"
                    : "not a regular file") + ", not a lease file: remove it to free the address");
        }
        if (a.size() > LeaseRecord.MAX_BYTES) {
            return new Broken(file + " holds " + a.size() + " bytes, more than a lease (" + LeaseRecord.MAX_BYTES
                    + "): remove it to free the address");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            bytes = in.readNBytes(LeaseRecord.MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            return new Absent();
        }
        Optional<LeaseRecord> lease = LeaseRecord.decode(bytes);
        if (lease.isEmpty()) {
            return new Broken(file + " is not a lease file (" + bytes.length + " bytes of something else):"
                    + " remove it to free the address");
        }
        return lease.get().owner().isRunning() ? new Held(lease.get()) : new Stale(lease.get());
    }
}
