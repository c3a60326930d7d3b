package dev.hako.net;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The addresses of one bridge network, leased to containers so that no two get the same
 * one, whichever JVMs lease them at the same moment.
 *
 * <p><b>Files.</b> A directory per network (by default {@code /run/hako/networks/<name>},
 * mode 0700, refused if it is a symlink or another user's) holds one file per leased
 * address, named by the address ({@code 172.30.0.2}), holding its owner's pid and start
 * time and the container's id ({@link LeaseRecord}). The owner is a process the caller
 * names, the container's init, so that a container that outlives its JVM keeps its
 * address; the start time tells that owner from a newer process given the same pid.
 *
 * <p><b>Taking a free address</b> needs no lock: the record is written whole into a
 * temporary file of this JVM ({@code .new-PID-START-N}), which is then hard-linked to the
 * address's name. {@code link(2)} fails when the name exists, so of several JVMs only one
 * wins an address, and a lease file is never seen half written.
 *
 * <p><b>Removing a lease file</b> (releasing, reclaiming a stale lease) happens only under
 * the directory's lock ({@link LeaseDirectory}), and is decided under it: read the file,
 * check it is the release's own lease or still stale, remove it. As nothing else removes
 * lease files, the file read is the one removed: a reclaimer cannot remove a lease that
 * another JVM took over a moment before, since that takeover would have needed the lock to
 * remove the stale file first. Two JVMs reclaiming the same stale lease therefore do it one
 * after the other; the second finds the name free (or freshly held) and leaves it.
 *
 * <p><b>Finding one.</b> Each JVM keeps a cursor per directory: an allocation starts where
 * the previous one ended, so with addresses mostly handed out in order it finds a free one
 * at the first try, and a released address is reused only after the others (as Docker
 * does, which keeps neighbours' ARP caches from mistaking a new container for an old one).
 * When a whole pass finds nothing free, stale leases are swept and the pass repeats once.
 * The network address, the gateway (the bridge's own) and the broadcast address are never
 * handed out.
 *
 * <p><b>Hostile entries.</b> An entry named like an address that is a symlink, a
 * directory, a FIFO, too large or not a lease keeps its address taken ({@code link(2)}
 * never follows or replaces it), is never opened through a link nor read beyond a few
 * hundred bytes, and {@link #sweep()} reports it for a person to remove.
 */
public final class AddressLeases {
    /** Where the networks' lease directories are by default, one per network name. */
    public static final Path DEFAULT_ROOT = Path.of("/run/hako/networks");
    private static final java.util.regex.Pattern NETWORK_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final String TEMPORARY_PREFIX = ".new-";
    private static final ConcurrentHashMap<Path, AtomicLong> CURSORS = new ConcurrentHashMap<>();
    private static final AtomicLong TEMPORARY_NUMBER = new AtomicLong();

    private final Path directory;
    private final Ipv4Subnet subnet;

    /**
     * The leases of the network {@code subnet} (a bridge network's, /8 to /30) kept in
     * {@code directory}, which is made (mode 0700, with its parents) at first use.
     */
    public AddressLeases(Path directory, Ipv4Subnet subnet) {
        this.directory = Objects.requireNonNull(directory, "directory").toAbsolutePath().normalize();
        this.subnet = Objects.requireNonNull(subnet, "subnet").requireBridgeSized();
    }

    /**
     * The lease directory of the network {@code name} under {@code root}: the name is one
     * path component (letters, digits, '.', '_', '-', starting with a letter or digit; at
     * most 64), so it cannot lead out of the root.
     */
    public static Path directoryOf(Path root, String name) {
        if (name == null || !NETWORK_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("network name " + Texts.quote(name) + " cannot name a lease directory: use 1 to"
                    + " 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return root.resolve(name);
    }

    /** The lease directory as given. */
    public Path directory() {
        return directory;
    }

    /** The network's subnet. */
    public Ipv4Subnet subnet() {
        return subnet;
    }

    /**
     * Leases a free address to {@code containerId} for as long as process {@code ownerPid}
     * runs (or until {@link #release}).
     *
     * @throws IllegalArgumentException when the owner is not running or the id cannot name a lease
     * @throws IOException when the directory is refused, or no address is free (the message
     *     says how many are held and which entries are broken)
     */
    public AddressLease lease(long ownerPid, String containerId) throws IOException {
        LeaseRecord.requireContainerId(containerId);
        ProcessIdentity owner = ProcessIdentity.of(ownerPid).orElseThrow(() -> new IllegalArgumentException(
                "process " + ownerPid + " is not running: an address lease lasts as long as its owner, the container's"
                        + " init, so the owner must be a live process"));
        LeaseRecord record = new LeaseRecord(owner, containerId);
        Path real = LeaseDirectory.ensure(directory);
        AtomicLong cursor = CURSORS.computeIfAbsent(real, k -> new AtomicLong());
        Path temporary = writeTemporary(real, record);
        try {
            for (int pass = 0; pass < 2; pass++) {
                AddressLease lease = firstFree(real, cursor, temporary, record);
                if (lease != null) {
                    return lease;
                }
                if (pass == 0 && sweep(real).reclaimed().isEmpty()) {
                    break;
                }
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
        SweepReport report = sweep(real);
        throw new IOException("no free address in " + subnet + " for container " + containerId + ": all "
                + subnet.containerCapacity() + " container addresses (" + subnet.firstContainerAddress() + " to "
                + subnet.lastContainerAddress() + ") are leased, " + report.held() + " to running containers"
                + (report.broken().isEmpty() ? "" : " and " + report.broken().size() + " to entries that are not leases ("
                        + String.join("; ", report.broken().subList(0, Math.min(3, report.broken().size()))) + ")")
                + ", in " + directory + ": stop a container of the network or give it a larger subnet");
    }

    /** One pass over the container addresses from the cursor, linking the record to the first free name. */
    private AddressLease firstFree(Path real, AtomicLong cursor, Path temporary, LeaseRecord record) throws IOException {
        long capacity = subnet.containerCapacity();
        long start = Math.floorMod(cursor.get(), capacity);
        for (long i = 0; i < capacity; i++) {
            long offset = (start + i) % capacity;
            Ipv4Address address = subnet.firstContainerAddress().plus(offset);
            Path file = real.resolve(address.toString());
            try {
                Files.createLink(file, temporary);
            } catch (FileAlreadyExistsException taken) {
                continue;
            }
            cursor.set(offset + 1);
            return new AddressLease(address, subnet, record.owner(), record.containerId(), file);
        }
        return null;
    }

    private static Path writeTemporary(Path real, LeaseRecord record) throws IOException {
        ProcessIdentity me = ProcessIdentity.current();
        Path temporary = real.resolve(TEMPORARY_PREFIX + me.pid() + "-" + me.startTime() + "-"
                + TEMPORARY_NUMBER.incrementAndGet());
        Files.write(temporary, record.encode(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS);
        return temporary;
    }

    /**
     * Frees {@code lease}: removes its file if it still holds this lease. Returns false when
     * it does not (already released, or reclaimed after its owner died and perhaps leased again).
     */
    public boolean release(AddressLease lease) throws IOException {
        if (!lease.subnet().equals(subnet)) {
            throw new IllegalArgumentException(lease + " is not a lease of the network " + subnet);
        }
        Path real = LeaseDirectory.ensure(directory);
        Path file = real.resolve(lease.address().toString());
        return LeaseDirectory.locked(real, () -> {
            LeaseFile entry = LeaseFile.read(file);
            LeaseRecord own = new LeaseRecord(lease.owner(), lease.containerId());
            boolean ours = entry instanceof LeaseFile.Held h && h.lease().equals(own)
                    || entry instanceof LeaseFile.Stale s && s.lease().equals(own);
            if (ours) {
                Files.delete(file);
            }
            return ours;
        });
    }

    /** The leases whose owners run, in address order. */
    public List<AddressLease> held() throws IOException {
        Path real = LeaseDirectory.ensure(directory);
        List<AddressLease> held = new ArrayList<>();
        for (Ipv4Address address : leaseNames(real)) {
            Path file = real.resolve(address.toString());
            if (LeaseFile.read(file) instanceof LeaseFile.Held h) {
                held.add(new AddressLease(address, subnet, h.lease().owner(), h.lease().containerId(), file));
            }
        }
        return held;
    }

    /**
     * Removes stale leases (their owners are gone) and temporary files of JVMs that died
     * while leasing; reports what it removed, what is held and what is broken.
     */
    public SweepReport sweep() throws IOException {
        return sweep(LeaseDirectory.ensure(directory));
    }

    private SweepReport sweep(Path real) throws IOException {
        List<Ipv4Address> names = leaseNames(real);
        removeDeadTemporaries(real);
        return LeaseDirectory.locked(real, () -> {
            List<Ipv4Address> reclaimed = new ArrayList<>();
            List<String> broken = new ArrayList<>();
            int held = 0;
            for (Ipv4Address address : names) {
                Path file = real.resolve(address.toString());
                switch (LeaseFile.read(file)) {
                    case LeaseFile.Stale s -> {
                        Files.delete(file);
                        reclaimed.add(address);
                    }
                    case LeaseFile.Held h -> held++;
                    case LeaseFile.Broken b -> broken.add(b.why());
                    case LeaseFile.Absent a -> {
                        // released meanwhile
                    }
                }
            }
            return new SweepReport(reclaimed, held, broken);
        });
    }

    /** The container addresses of this subnet that have an entry in the directory, in order. */
    private List<Ipv4Address> leaseNames(Path real) throws IOException {
        List<Ipv4Address> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(real)) {
            for (Path entry : entries) {
                Ipv4Address address;
                try {
                    address = Ipv4Address.parse(entry.getFileName().toString());
                } catch (IllegalArgumentException notAnAddress) {
                    continue; // the lock, temporary files, anything a person left
                }
                if (subnet.contains(address) && address.compareTo(subnet.firstContainerAddress()) >= 0
                        && address.compareTo(subnet.lastContainerAddress()) <= 0) {
                    names.add(address);
                }
            }
        }
        names.sort(null);
        return names;
    }

    /** Removes {@code .new-PID-START-N} files whose JVM is gone: it died between writing and linking. */
    private static void removeDeadTemporaries(Path real) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(real, TEMPORARY_PREFIX + "*")) {
            for (Path entry : entries) {
                String[] parts = entry.getFileName().toString().substring(TEMPORARY_PREFIX.length()).split("-");
                if (parts.length != 3 || !Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try {
                    ProcessIdentity writer = new ProcessIdentity(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
                    if (!writer.isRunning()) {
                        Files.deleteIfExists(entry);
                    }
                } catch (IllegalArgumentException notOurs) {
                    // a name we did not make: left alone
                } catch (NoSuchFileException gone) {
                    // removed meanwhile
                }
            }
        }
    }
}
