package dev.hako.userns;

import dev.hako.IdMapping;
import dev.hako.UserNamespace;
import dev.hako.linux.PrivateDirectory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The host range behind {@link UserNamespace#auto()}: {@value UserNamespace#AUTO_SIZE} ids
 * no other container of the machine holds, chosen as the kubelet chooses one for a pod with
 * {@code hostUsers: false}. The host ids are cut into blocks of 65536; block 0 (ids 0 to
 * 65535, the host's own users and groups) is never used, nor any block that overlaps a
 * range of {@code /etc/subuid} or {@code /etc/subgid} (whoever it belongs to: those are
 * users' rootless containers); the lowest free one of the rest is taken, the same for uids
 * and gids. Host users with ids above 65535 that have no subordinate range are not known
 * here, as they are not to the kubelet.
 *
 * <p><b>Leases.</b> A block is held by a lock ({@code fcntl} record lock, as
 * {@link FileChannel#tryLock()} takes it) on the file named by the block's first host id in
 * the lease directory ({@value #DEFAULT_DIRECTORY_NAME} by default, made mode 0700): so
 * concurrent JVMs never get the same block, and a JVM that dies, however it dies, frees its
 * leases with its locks. The files stay (there are never more than the most leases held at
 * once; /run is emptied at boot), each holding the pid of its last holder for a person
 * looking. Within one JVM a set of held blocks keeps two leases apart (record locks do not
 * exclude their own process).
 *
 * <p>A lease lives only as long as its JVM: a container that outlives its JVM keeps its ids
 * but loses its lease, and another container may then get the same range.
 */
public final class AutoRanges {
    static final String DEFAULT_DIRECTORY_NAME = "/run/hako/userns";
    /** Where leases are held by default. */
    public static final Path DEFAULT_DIRECTORY = Path.of(DEFAULT_DIRECTORY_NAME);
    /** The size of a block, and of every lease. */
    public static final long BLOCK = UserNamespace.AUTO_SIZE;
    /** The first block that is used: block 0 holds the host's own ids. */
    static final long FIRST_BLOCK = 1;
    /** The last whole block of valid ids (the id 2^32 - 1 is no id). */
    static final long LAST_BLOCK = (IdMapping.MAX_ID + 1) / BLOCK - 1;

    private static final Set<PosixFilePermission> LOCK_FILE = PosixFilePermissions.fromString("rw-------");
    /** The lock files this JVM holds a lease on, by absolute path. */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path directory;
    private final Path subuid;
    private final Path subgid;

    /**
     * Leases under {@code directory}, avoiding the ranges of these files.
     *
     * @param directory where the lock files are (made, mode 0700, with its parents, if missing)
     */
    public AutoRanges(Path directory, Path subuid, Path subgid) {
        this.directory = Objects.requireNonNull(directory, "directory").toAbsolutePath().normalize();
        this.subuid = Objects.requireNonNull(subuid, "subuid");
        this.subgid = Objects.requireNonNull(subgid, "subgid");
    }

    /** Leases under {@link #DEFAULT_DIRECTORY}, avoiding {@code /etc/subuid} and {@code /etc/subgid}. */
    public static AutoRanges system() {
        return new AutoRanges(DEFAULT_DIRECTORY, SubordinateIds.SUBUID, SubordinateIds.SUBGID);
    }

    /** The lease directory. */
    public Path directory() {
        return directory;
    }

    /**
     * A held range: {@link #userNamespace()} maps container ids 0 to 65535 to
     * {@link #hostId()} and on, for uids and gids. {@link #close()} frees it.
     */
    public static final class Lease implements AutoCloseable {
        private final Path file;
        private final FileChannel channel;
        private final long hostId;
        private final UserNamespace userNamespace;
        private boolean closed;

        private Lease(Path file, FileChannel channel, long hostId) {
            this.file = file;
            this.channel = channel;
            this.hostId = hostId;
            List<IdMapping> map = List.of(IdMapping.of(0, hostId, BLOCK));
            this.userNamespace = UserNamespace.of(map, map);
        }

        /** The first host id of the range. */
        public long hostId() {
            return hostId;
        }

        /** The resolved user namespace: the same range for uids and gids. */
        public UserNamespace userNamespace() {
            return userNamespace;
        }

        /** The lock file. */
        public Path file() {
            return file;
        }

        /** Whether the lease is still held. */
        public synchronized boolean isHeld() {
            return !closed;
        }

        /** Frees the range; does nothing the second time. */
        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                channel.close(); // releases the lock
            } catch (IOException ignored) {
                // The lock goes with the descriptor, which close releases whatever it reports.
            } finally {
                HELD.remove(file);
            }
        }

        @Override
        public String toString() {
            return "Lease[" + hostId + "-" + (hostId + BLOCK - 1) + (isHeld() ? "" : ", freed") + "]";
        }
    }

    /**
     * Leases the lowest free block.
     *
     * @throws IOException when the subordinate id files are refused (see
     *     {@link SubordinateIds#read}), the directory is not usable (not a directory, a
     *     symlink, another user's), or no block is free
     */
    public Lease lease() throws IOException {
        List<SubordinateIds.Range> taken = new ArrayList<>(SubordinateIds.read(subuid).ranges());
        taken.addAll(SubordinateIds.read(subgid).ranges());
        Path dir = ensureDirectory();
        long overlapping = 0;
        for (long block = FIRST_BLOCK; block <= LAST_BLOCK; block++) {
            long start = block * BLOCK;
            if (overlapsAny(start, taken)) {
                overlapping++;
                continue;
            }
            Lease lease = tryLease(dir, start);
            if (lease != null) {
                return lease;
            }
        }
        long total = LAST_BLOCK - FIRST_BLOCK + 1;
        throw new IOException("no free range of " + BLOCK + " host ids for UserNamespace.auto(): of the " + total
                + " blocks above 65535, " + overlapping + " overlap ranges of " + subuid + " or " + subgid
                + " and the other " + (total - overlapping) + " are leased by running containers (" + directory + ")");
    }

    /** Whether block {@code start} overlaps any of {@code ranges}. */
    static boolean overlapsAny(long start, List<SubordinateIds.Range> ranges) {
        for (SubordinateIds.Range r : ranges) {
            if (r.overlaps(start, BLOCK)) {
                return true;
            }
        }
        return false;
    }

    /** The lease of block {@code start} in {@code dir} (a real path), or null when another JVM or this one holds it. */
    private static Lease tryLease(Path dir, long start) throws IOException {
        Path file = dir.resolve(Long.toString(start));
        if (!HELD.add(file)) {
            return null;
        }
        FileChannel channel = null;
        try {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (!a.isRegularFile()) {
                    throw new IOException(file + " is not a regular file: remove it (hako leases user namespace"
                            + " ranges with lock files in " + dir + ")");
                }
            } catch (NoSuchFileException absent) {
                // made below
            }
            channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(LOCK_FILE));
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                // This JVM locks the same file through another path (a hard link). Closing this
                // channel would release that lock too (record locks are per process), so it is
                // left open: one descriptor lost, no lease broken.
                channel = null;
                throw new IllegalStateException(file + " is locked by this JVM under another name: a hard link in " + dir);
            }
            if (lock == null) {
                channel.close();
                HELD.remove(file);
                return null;
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            return new Lease(file, channel, start);
        } catch (IOException | RuntimeException | Error e) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            HELD.remove(file);
            throw e;
        }
    }

    /**
     * Makes the directory (0700) if missing; refuses one that is a symlink, not a directory
     * or another user's. Returns its real path, by which this JVM knows its leases whatever
     * path led to the directory.
     */
    Path ensureDirectory() throws IOException {
        return PrivateDirectory.ensure(directory, "its user namespace leases");
    }
}
