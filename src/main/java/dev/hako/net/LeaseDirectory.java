package dev.hako.net;

import dev.hako.linux.Kernel;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
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
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> LOCK_MODE = PosixFilePermissions.fromString("rw-------");
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private LeaseDirectory() {
    }

    /** Makes {@code directory} (with its parents) if missing, checks it, and returns its real path. */
    static Path ensure(Path directory) throws IOException {
        if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
            Path parent = directory.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try {
                Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (FileAlreadyExistsException raced) {
                // another JVM made it: checked below like any other
            }
        }
        PosixFileAttributes a = Files.readAttributes(directory, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isSymbolicLink() || !a.isDirectory()) {
            throw new IOException(directory + " is " + (a.isSymbolicLink() ? "a symlink" : "not a directory")
                    + ": hako keeps the network's address leases in that directory and follows no link there; remove it");
        }
        long owner = ((Number) Files.getAttribute(directory, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
        long me = Kernel.effectiveUid();
        if (owner != me) {
            throw new IOException(directory + " belongs to uid " + owner + ", not to this JVM's uid " + me
                    + ": hako keeps the network's address leases there, which only their owner may touch; remove it");
        }
        if (!a.permissions().equals(OWNER_ONLY)) {
            Files.setPosixFilePermissions(directory, OWNER_ONLY);
        }
        Path real = directory.toRealPath();
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
