package dev.hako.net;

import dev.hako.linux.PrivateDirectory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A network's lease directory, made mode 0700 if missing and refused when it is a symlink,
 * not a directory, or another user's; and its lock, which every removal of a lease file
 * holds (see {@link AddressLeases} for why).
 *
 * <p>The lock is an {@code fcntl} record lock on {@value #LOCK_NAME}, which the kernel drops
 * when its process dies however it dies, plus a lock per directory inside this JVM: record
 * locks do not exclude threads of the same process, and closing any descriptor of the file
 * drops them all, so only one thread of a JVM ever has it open.
 */
final class LeaseDirectory {
    static final String LOCK_NAME = ".lock";
    private static final Set<PosixFilePermission> LOCK_MODE = PosixFilePermissions.fromString("rw-------");
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private LeaseDirectory() {
    }

    /** Makes {@code directory} (with its parents) if missing, checks it, and returns its real path. */
    static Path ensure(Path directory) throws IOException {
        Path real = PrivateDirectory.ensure(directory, "the network's address leases");
        Path lock = real.resolve(LOCK_NAME);
        if (Files.exists(lock, LinkOption.NOFOLLOW_LINKS)) {
            requireRegular(lock);
            return real;
        }
        try {
            Files.createFile(lock, PosixFilePermissions.asFileAttribute(LOCK_MODE));
        } catch (FileAlreadyExistsException raced) {
            requireRegular(lock);
        }
        return real;
    }

    private static void requireRegular(Path lock) throws IOException {
        BasicFileAttributes a = Files.readAttributes(lock, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isRegularFile()) {
            throw new IOException(lock + " is " + (a.isSymbolicLink() ? "a symlink" : "not a regular file")
                    + ": it should be the lease directory's lock file; remove it");
        }
    }

    /** Work done while this JVM's thread holds the directory's lock. */
    interface Locked<T> {
        T run() throws IOException;
    }

    /** Runs {@code work} holding the lock of {@code real} (a path {@link #ensure} returned). */
    static <T> T locked(Path real, Locked<T> work) throws IOException {
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(real, k -> new ReentrantLock());
        if (jvmLock.isHeldByCurrentThread()) {
            // A second descriptor's lock would fail, and closing it would drop the first one's.
            throw new IllegalStateException("the lock of " + real + " is not reentrant");
        }
        jvmLock.lock();
        try {
            Path lock = real.resolve(LOCK_NAME);
            requireRegular(lock);
            try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                channel.lock(); // released when the channel closes
                return work.run();
            }
        } finally {
            jvmLock.unlock();
        }
    }
}
