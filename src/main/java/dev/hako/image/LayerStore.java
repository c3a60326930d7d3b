package dev.hako.image;

import dev.hako.linux.FileCalls;
import dev.hako.linux.Filesystems;
import dev.hako.linux.Kernel;
import dev.hako.linux.Overlayfs;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;
import dev.hako.userns.MappedChown;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.ZipException;

/**
 * Unpacked image layers on disk, each once, keyed by its uncompressed digest (diff_id) and
 * shared by every image that has it: {@code <root>/layers/sha256/<hex>} is the layer's
 * root directory, in the form overlayfs takes as a lower directory.
 *
 * <pre>{@code
 * LayerStore store = LayerStore.open();   // /var/lib/hako, or ~/.local/share/hako without root
 * Image image = store.importOciLayout(Path.of("alpine-oci"), "latest");
 * String lowerdir = image.layers().stream().map(Path::toString).collect(joining(":"));
 * }</pre>
 *
 * <p>An import is all or nothing. Manifest and config are verified first; the layers the
 * store lacks are then unpacked, each into its own temporary directory next to its final
 * place, checked against its digests, and only when every one is complete renamed into
 * place ({@code renameat2(RENAME_NOREPLACE)}). A failure deletes the temporary
 * directories and leaves the store as it was. Imports in one JVM that need the same layer
 * take turns; across processes, the first rename wins and the other copy, which is the
 * same content, is deleted. Temporary directories of a process that died are removed by
 * the next {@link #open}.
 *
 * <p>As root, layers keep the image's owners, and whiteouts and opaque directories are in
 * the form a default overlay mount reads. A store on overlayfs (a machine whose own root is
 * overlayfs, such as a CI runner inside a container) keeps whiteouts in overlayfs's xattr
 * form, which needs Linux 6.8+; see {@link #whiteoutForm()}.
 *
 * <p>Without root (a JVM without CAP_SYS_ADMIN, the rootless case), a store is the user's
 * own ({@link #defaultRoot()}) and its layers are unpacked as well as the kernel lets a
 * user: every file belongs to the user, device nodes are left out, file capabilities are
 * dropped, and whiteouts and opaque directories take the {@code user.overlay.*} form that an
 * overlay mounted with {@code userxattr} (Linux 5.11+) reads, as an overlay mounted inside a
 * user namespace must be (see {@link LayerExtractor} and {@link Overlayfs}). Layers of a
 * root store and of a user's store do not mix in one overlay:
 * {@link Overlayfs#mountOptionFor} says which option a set of layers needs, and refuses a mix.
 *
 * <p>A layer in the store is trusted as it is: nothing checks it again when another image uses it.
 */
public final class LayerStore {
    /** The default store root of a JVM with root, as Docker's is /var/lib/docker; see {@link #defaultRoot()}. */
    public static final Path DEFAULT_ROOT = Path.of("/var/lib/hako");
    private static final Logger LOG = System.getLogger(LayerStore.class.getName());

    private static final String TEMP_PREFIX = ".tmp-";
    private static final String DOOMED_PREFIX = ".del-";
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_DIRECTORY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    /** Imports in this JVM that need the same layer take turns: striped by the layer's path. */
    private static final ReentrantLock[] STRIPES = new ReentrantLock[64];

    static {
        for (int i = 0; i < STRIPES.length; i++) {
            STRIPES[i] = new ReentrantLock();
        }
    }

    private final Path root;
    private final Path layers;
    private final boolean allowDeviceNodes;
    /** The filesystem the layers are on (statfs f_type), which decides the whiteouts' form. */
    private final long fsType;
    /** Whether this JVM lacks CAP_SYS_ADMIN, so that the layers must take the form a user can write. */
    private final boolean rootless;
    /** Without root and with subordinate ids: the user namespace that keeps the image's owners; else null. */
    private final MappedChown chown;

    private LayerStore(Path root, boolean allowDeviceNodes, long fsType, boolean rootless, MappedChown chown) {
        this.root = root;
        this.chown = chown;
        this.layers = root.resolve("layers").resolve("sha256");
        this.allowDeviceNodes = allowDeviceNodes;
        this.fsType = fsType;
        this.rootless = rootless;
    }

    /** Opens the store at {@link #defaultRoot()}, creating it if needed. */
    public static LayerStore open() throws IOException {
        return open(defaultRoot());
    }

    /**
     * Where {@link #open()} keeps layers: {@link #DEFAULT_ROOT} for a JVM with root
     * (CAP_SYS_ADMIN); for one without, the user's own store, as rootless podman keeps
     * {@code ~/.local/share/containers}: {@code $XDG_DATA_HOME/hako} when that variable holds
     * an absolute path (the XDG base directory specification ignores a relative one), else
     * {@code $HOME/.local/share/hako} (the {@code user.home} property when HOME is unset).
     * {@link #open(Path)} creates the directories it makes with mode 0700.
     */
    public static Path defaultRoot() {
        if (!Kernel.rootless()) {
            return DEFAULT_ROOT;
        }
        return userRoot(System.getenv("XDG_DATA_HOME"), System.getenv("HOME"), System.getProperty("user.home"));
    }

    /** {@link #defaultRoot()} of a user, from the values of XDG_DATA_HOME, HOME and {@code user.home}. */
    static Path userRoot(String xdgDataHome, String home, String userHome) {
        if (xdgDataHome != null && xdgDataHome.startsWith("/")) {
            return Path.of(xdgDataHome, "hako");
        }
        String h = home != null && home.startsWith("/") ? home : userHome;
        if (h == null || !h.startsWith("/")) {
            throw new IllegalStateException("no place for this user's layer store: neither XDG_DATA_HOME nor HOME"
                    + " is an absolute path, nor is the user.home property (" + userHome + "): set XDG_DATA_HOME,"
                    + " or open a store with LayerStore.open(path)");
        }
        return Path.of(h, ".local", "share", "hako");
    }

    /**
     * Opens the store at {@code root}, creating its directories (mode 0700) if needed, and
     * removes temporary directories left by processes that no longer run.
     */
    public static LayerStore open(Path root) throws IOException {
        Path absolute = root.toAbsolutePath().normalize();
        Path layers = absolute.resolve("layers").resolve("sha256");
        Files.createDirectories(layers, PRIVATE_DIRECTORY);
        boolean rootless = Kernel.rootless();
        MappedChown chown = rootless && linux_h.geteuid() != 0 ? MappedChown.forCurrentUser().orElse(null) : null;
        LayerStore store = new LayerStore(absolute, false, Filesystems.type(layers), rootless, chown);
        store.sweepStale();
        return store;
    }

    /**
     * This store, unpacking device nodes and fifos from layers ({@code allow} true) or
     * refusing layers that have them (the default). Without root, which may not make
     * device nodes, such a store makes the fifos and skips the character and block
     * devices (as rootless podman does; logged at INFO), since a container gets its /dev
     * from the host's nodes anyway. Layers already in the store are shared whatever this says.
     */
    public LayerStore allowDeviceNodes(boolean allow) {
        return new LayerStore(root, allow, fsType, rootless, chown);
    }

    public Path root() {
        return root;
    }

    /**
     * How this store writes whiteouts and opaque directories: as character devices 0/0
     * ({@code DEVICE}), or, on a store that is itself on overlayfs, which refuses those, as
     * overlayfs's xattr form ({@code XATTR}, read by Linux 6.8+); opened by a JVM without root,
     * in the {@code user.overlay.*} forms ({@code USER_DEVICE}, {@code USER_XATTR} on
     * overlayfs) that an overlay mounted with {@code userxattr} reads. See {@link Overlayfs}.
     */
    public Overlayfs.WhiteoutForm whiteoutForm() {
        return Overlayfs.formFor(fsType, rootless);
    }

    /**
     * Imports the image {@code reference} names from an OCI image layout directory: a tag
     * ({@code latest}), a name ({@code alpine:3.20}, {@code docker.io/library/alpine:3.20})
     * or a manifest digest; null when the layout holds a single image. From a multi-platform
     * index, the manifest for this machine (linux/amd64 or linux/arm64) is used.
     *
     * @throws ImageException when the layout is malformed, unsupported or fails verification
     */
    public Image importOciLayout(Path dir, String reference) throws IOException {
        return importImage(OciLayout.resolve(dir, reference));
    }

    /**
     * Imports the image tagged {@code repoTag} ({@code alpine}, {@code alpine:3.20}) from a
     * {@code docker save} archive; null when it holds a single image.
     *
     * @throws ImageException when the archive is malformed, unsupported or fails verification
     */
    public Image importDockerArchive(Path tarFile, String repoTag) throws IOException {
        try (DockerArchive archive = DockerArchive.open(tarFile)) {
            return importImage(archive.resolve(repoTag));
        }
    }

    /** Where the layer with uncompressed digest {@code diffId} is (or would be) unpacked. */
    public Path layerDir(String diffId) {
        try {
            return layers.resolve(Digests.hex(Digests.require(diffId, "layer digest '" + diffId + "'")));
        } catch (ImageException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Whether the layer with uncompressed digest {@code diffId} is in the store. */
    public boolean hasLayer(String diffId) {
        return Files.isDirectory(layerDir(diffId), LinkOption.NOFOLLOW_LINKS);
    }

    /** The uncompressed digests of the layers in the store, sorted. */
    public List<String> layers() throws IOException {
        Set<String> out = new TreeSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(layers)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (Digests.isHex(name)) {
                    out.add(Digests.SHA256 + name);
                }
            }
        }
        return List.copyOf(out);
    }

    /**
     * Removes a layer from the store; false if it was not there. The caller must know that
     * no container uses it: the store keeps no count of users.
     */
    public boolean removeLayer(String diffId) throws IOException {
        Path dir = layerDir(diffId);
        try (Stripes held = Stripes.lock(List.of(dir))) {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            // Out of the way atomically first, so that nobody sees a half-deleted layer; its
            // record of shifted owners goes first, so that a tree given away always has one.
            Path doomed = freshName(DOOMED_PREFIX, diffId);
            boolean shifted = Files.exists(ShiftedOwners.of(dir), LinkOption.NOFOLLOW_LINKS);
            if (shifted) {
                ShiftedOwners.copy(dir, doomed);
            }
            Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
            if (shifted) {
                Files.deleteIfExists(ShiftedOwners.of(dir));
            }
            deleteTree(doomed);
            return true;
        }
    }

    private Image importImage(ResolvedImage image) throws IOException {
        Map<String, LayerSource> needed = new LinkedHashMap<>();
        List<Path> paths = new ArrayList<>();
        for (LayerSource s : image.layers()) {
            if (!hasLayer(s.diffId())) {
                needed.putIfAbsent(s.diffId(), s); // an image may repeat a layer (often the empty one)
                paths.add(layerDir(s.diffId()));
            }
        }
        try (Stripes held = Stripes.lock(paths)) {
            needed.keySet().removeIf(this::hasLayer); // another import in this JVM got there first
            Map<Path, Path> staged = new LinkedHashMap<>();
            try {
                for (LayerSource s : needed.values()) {
                    Path temp = freshName(TEMP_PREFIX, s.diffId());
                    Files.createDirectory(temp, PRIVATE_DIRECTORY);
                    staged.put(temp, layerDir(s.diffId()));
                    List<MappedChown.Change> owners = unpack(s, temp);
                    if (!owners.isEmpty()) {
                        ShiftedOwners.write(temp, owners); // before the first is given away: see ShiftedOwners
                        chown.apply(temp, owners);
                    }
                }
                if (!staged.isEmpty()) {
                    FileCalls.syncfs(layers); // data first, then the renames that publish it
                }
                for (Iterator<Map.Entry<Path, Path>> it = staged.entrySet().iterator(); it.hasNext(); ) {
                    Map.Entry<Path, Path> e = it.next();
                    commit(e.getKey(), e.getValue());
                    it.remove();
                }
            } catch (IOException | RuntimeException | Error e) {
                for (Path temp : staged.keySet()) {
                    deleteTreeAfterFailure(temp, e);
                }
                throw e;
            }
        }
        List<Path> dirs = new ArrayList<>();
        List<String> digests = new ArrayList<>();
        for (LayerSource s : image.layers().reversed()) {
            dirs.add(layerDir(s.diffId()));
            digests.add(s.diffId());
        }
        return new Image(image.configDigest(), image.config(), dirs, digests);
    }

    /**
     * Unpacks one layer into {@code target}, hashing the blob as read and the tar as
     * decompressed, and checks both digests once the stream is read to its end.
     */
    private List<MappedChown.Change> unpack(LayerSource s, Path target) throws IOException {
        String where = s.where();
        try (InputStream raw = s.opener().open()) {
            HashingInputStream blob = new HashingInputStream(raw);
            BufferedInputStream buffered = new BufferedInputStream(blob, 1 << 16);
            HashingInputStream tar = null;
            LayerExtractor extractor = new LayerExtractor(target, linux_h.geteuid() == 0, allowDeviceNodes,
                    whiteoutForm(), fsType, chown);
            try {
                tar = new HashingInputStream(Compression.decompress(buffered, s.mediaType(), where));
                extractor.extract(new TarReader(tar));
                if (!extractor.skippedDevices().isEmpty()) {
                    LOG.log(Logger.Level.INFO, () -> where + ": left out " + extractor.skippedDevices().size()
                            + " device node(s), which only root may make: " + extractor.skippedDevices());
                }
                tar.drain();
                blob.drain();
            } catch (ImageException | EOFException | ZipException e) {
                checkBlob(s, blob, e); // a corrupt blob explains a parse error better than the error itself
                if (e instanceof ImageException && e.getMessage().startsWith(where)) {
                    throw e;
                }
                String what = e instanceof ImageException ? e.getMessage()
                        : "the compressed stream is truncated or corrupt (" + e.getMessage() + ")";
                throw new ImageException(where + ": " + what, e);
            }
            checkBlob(s, blob, null);
            String diffId = tar.digest();
            if (!diffId.equals(s.diffId())) {
                throw new ImageException(where + " does not match its digest: the image config's rootfs.diff_ids says "
                        + s.diffId() + ", the unpacked tar hashes to " + diffId
                        + ": the image is corrupt or was tampered with");
            }
            return extractor.ownerChanges();
        } catch (ImageException e) {
            throw e;
        } catch (IOException e) {
            throw new IOException("unpacking " + where + " into " + target + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Compares the blob's size and digest, where the image declares them, with what was
     * read. After a {@code failure}, reads the rest of the blob first and reports a
     * mismatch only (with the failure attached).
     */
    private static void checkBlob(LayerSource s, HashingInputStream blob, Exception failure) throws ImageException {
        if (failure != null) {
            try {
                blob.drain();
            } catch (IOException | RuntimeException e) {
                return;
            }
        }
        if (s.blobSize() >= 0 && blob.count() != s.blobSize()) {
            throw withCause(new ImageException(s.where() + " is " + blob.count() + " bytes, but the image says "
                    + s.blobSize() + ": the blob is truncated, corrupt or was tampered with"), failure);
        }
        if (s.blobDigest() != null) {
            String actual = blob.digest();
            if (!actual.equals(s.blobDigest())) {
                throw withCause(new ImageException(s.where() + " does not match its digest: " + s.blobDigest()
                        + " expected, the blob hashes to " + actual + ": it is corrupt or was tampered with"), failure);
            }
        }
    }

    private static ImageException withCause(ImageException e, Exception cause) {
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    /**
     * Moves a complete layer into place unless another process got there first, in which
     * case its copy (the same content, by digest) stays and ours goes. A record of shifted
     * owners is put in place before the tree: the same files are recorded for the same
     * content, and one for files that are the user's already gives nothing away.
     */
    private void commit(Path temp, Path target) throws IOException {
        boolean shifted = Files.exists(ShiftedOwners.of(temp), LinkOption.NOFOLLOW_LINKS);
        if (shifted) {
            ShiftedOwners.copy(temp, target);
        }
        boolean won;
        try {
            won = FileCalls.renameNoReplace(temp, target);
        } catch (SyscallException e) {
            if (e.errno() != linux_h.EINVAL() && e.errno() != linux_h.ENOSYS()) {
                throw e;
            }
            // No RENAME_NOREPLACE on this filesystem: rename(2) replaces an empty directory
            // only, and an empty layer there is the same empty layer.
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                won = true;
            } catch (FileSystemException x) {
                if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw x;
                }
                won = false;
            }
        }
        if (!won) {
            deleteTree(temp);
        } else if (shifted) {
            Files.deleteIfExists(ShiftedOwners.of(temp));
        }
    }

    /**
     * Deletes a layer's tree (a temporary, doomed or lost one): first, when files of it were
     * given to the user's subordinate ids, gives them back, since the user may not delete
     * what a directory owned by another id holds; then the tree; then its record.
     */
    private void deleteTree(Path tree) throws IOException {
        List<String> shifted = ShiftedOwners.read(tree);
        if (!shifted.isEmpty() && Files.exists(tree, LinkOption.NOFOLLOW_LINKS)) {
            if (chown == null) {
                throw new ImageException(tree + " holds files given to your subordinate ids (see "
                        + ShiftedOwners.of(tree) + "), but this JVM cannot map them now (no /etc/subuid and"
                        + " /etc/subgid ranges, or no newuidmap/newgidmap): restore those, or remove the tree as"
                        + " root");
            }
            chown.restore(tree, shifted);
        }
        Trees.deleteRecursively(tree);
        Files.deleteIfExists(ShiftedOwners.of(tree));
    }

    /** {@link #deleteTree}, for cleanup after another failure: a second error is added to it. */
    private void deleteTreeAfterFailure(Path tree, Throwable failure) {
        try {
            deleteTree(tree);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /** A new name next to the layers, {@code <prefix><pid>-<12 hex of the layer>-<random>}. */
    private Path freshName(String prefix, String diffId) throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            byte[] random = new byte[6];
            ThreadLocalRandom.current().nextBytes(random);
            Path p = layers.resolve(prefix + ProcessHandle.current().pid() + "-" + Digests.hex(diffId).substring(0, 12)
                    + "-" + HexFormat.of().formatHex(random));
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                return p;
            }
        }
        throw new FileAlreadyExistsException(layers + "/" + prefix + "...", null, "no free temporary name");
    }

    /**
     * Removes temporary directories whose process (the pid in their name) is gone, with the
     * records of their shifted owners, and such records whose tree is gone.
     */
    private void sweepStale() {
        List<Path> records = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(layers)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (ShiftedOwners.isRecord(name)) {
                    records.add(p); // deleted with its tree, or below once the tree is gone
                } else if (ownerIsGone(name)) {
                    try {
                        deleteTree(p);
                    } catch (IOException e) {
                        // Left for the next open; it is not a layer and nothing reads it.
                    }
                }
            }
            for (Path record : records) {
                String tree = record.getFileName().toString();
                tree = tree.substring(0, tree.length() - ShiftedOwners.SUFFIX.length());
                if (ownerIsGone(tree) && !Files.exists(record.resolveSibling(tree), LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(record);
                }
            }
        } catch (IOException e) {
            // The sweep only tidies up; the store works without it.
        }
    }

    /** Whether {@code name} is a temporary or doomed name whose process (the pid in it) is gone. */
    private static boolean ownerIsGone(String name) {
        String rest = name.startsWith(TEMP_PREFIX) ? name.substring(TEMP_PREFIX.length())
                : name.startsWith(DOOMED_PREFIX) ? name.substring(DOOMED_PREFIX.length()) : null;
        int dash = rest == null ? -1 : rest.indexOf('-');
        if (dash <= 0) {
            return false;
        }
        try {
            return ProcessHandle.of(Long.parseLong(rest.substring(0, dash))).isEmpty();
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Held stripe locks, released in reverse order. Taken in ascending order, so no two imports deadlock. */
    private record Stripes(List<ReentrantLock> held) implements AutoCloseable {
        static Stripes lock(Collection<Path> paths) {
            TreeSet<Integer> indexes = new TreeSet<>();
            for (Path p : paths) {
                indexes.add(Math.floorMod(p.hashCode(), STRIPES.length));
            }
            List<ReentrantLock> held = new ArrayList<>();
            for (int i : indexes) {
                STRIPES[i].lock();
                held.add(STRIPES[i]);
            }
            return new Stripes(held);
        }

        @Override
        public void close() {
            for (ReentrantLock l : held.reversed()) {
                l.unlock();
            }
        }
    }
}
