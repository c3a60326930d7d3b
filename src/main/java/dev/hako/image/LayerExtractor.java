package dev.hako.image;

import dev.hako.linux.FileCalls;
import dev.hako.linux.Filesystems;
import dev.hako.linux.Kernel;
import dev.hako.linux.Overlayfs;
import dev.hako.linux.Overlayfs.WhiteoutForm;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;
import dev.hako.userns.MappedChown;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes the entries of one layer's tar stream into an empty directory, in the form
 * overlayfs reads as a lower layer: a whiteout {@code .wh.name} becomes a character device
 * 0/0 named {@code name}, an opaque marker {@code .wh..wh..opq} becomes the xattr
 * {@code trusted.overlay.opaque=y} on its directory, mirrored as {@code user.overlay.opaque=y}
 * for overlays mounted with {@code userxattr} (see {@link #mirror}). On a store that is itself on
 * overlayfs, where no 0/0 device can be created, a whiteout is instead a zero-size file
 * with {@code trusted.overlay.whiteout} in a directory marked {@code trusted.overlay.opaque=x}
 * (see {@link Overlayfs}), and the layer's root records that form. Whiteouts inside a
 * directory the layer makes opaque are dropped: they would hide nothing, and overlayfs
 * would list them.
 *
 * <p>Each layer is unpacked on its own, never on top of the layers below it: an entry
 * {@code bin/x} under a lower layer's symbolic link {@code bin} creates a real directory
 * {@code bin} in this layer, which replaces the link in the joined tree (as the OCI spec
 * says for an entry over an existing path of another kind, and as Docker's overlay2 and
 * containerd's overlayfs snapshotter do), so no entry can write through a lower layer's
 * link, wherever it points.
 *
 * <p>The directory is private to this import (a fresh temporary directory of the store),
 * so only the archive itself can have put anything in it, and what the archive put there
 * is all this class must not be fooled by. Every entry's parent is walked component by
 * component without following symbolic links: a component that is a link the archive
 * created earlier ({@code link -> /etc}, then {@code link/passwd}) is refused, as are
 * absolute names, {@code ..}, hard links to anything but an earlier entry, and device
 * nodes unless allowed. Files are created with {@code O_EXCL}, so a name is never written
 * through.
 *
 * <p>Ownership is applied only as root (and before the mode, since chown clears setuid
 * bits); extended attributes are kept where the filesystem allows them. Directories stay
 * owner-writable until the end, when their modes and times are applied deepest first,
 * because adding entries would change their times and a read-only mode would stop a
 * non-root extraction from adding entries.
 *
 * <p><b>Without root</b> (a store of a JVM without CAP_SYS_ADMIN: see
 * {@link LayerStore#defaultRoot()}) every entry goes through the same checks, and the
 * kernel allows less:
 * <ul>
 * <li>Everything is unpacked as the user's own, since a user may not give files away. With
 *     only the user's own id mapped into a container's user namespace, that is also what
 *     the container sees (all files owned by its root). Where the user has subordinate ids
 *     ({@code /etc/subuid}, {@code /etc/subgid}) and so gets rootless podman's default map,
 *     the extractor is given a {@link MappedChown}: it records the image's owner of every
 *     entry not owned by 0:0 ({@link #ownerChanges()}), which the store then applies in
 *     that user namespace, so that a container with the default map sees the image's own
 *     owners. An owner the map cannot hold (an id beyond the subordinate ranges) is
 *     refused, as rootless podman refuses it.</li>
 * <li>Character and block devices cannot be made (mknod needs CAP_MKNOD): with
 *     {@code allowDeviceNodes(true)} they are skipped, as rootless podman skips them
 *     (a container gets its /dev from the host's nodes anyway); without it they are
 *     refused as with root. Fifos are made: any user may.</li>
 * <li>Setuid and setgid bits are kept: the files are the user's own, so the bits grant
 *     no id the user does not have (inside the container they grant the container's root,
 *     which is the user). The setgid bit stays only where the file's group is one of the
 *     user's, which it is (a new file gets the user's group).</li>
 * <li>File capabilities ({@code security.capability}) and other {@code trusted.*} or
 *     {@code security.*} xattrs cannot be set (CAP_SETFCAP, CAP_SYS_ADMIN in the initial
 *     user namespace): they are left out, so a binary that relies on a file capability
 *     runs without it.</li>
 * <li>Whiteouts are 0/0 character devices (the one device any user may make, since Linux
 *     5.8) and opaque directories {@code user.overlay.opaque=y}, which an overlay mounted
 *     with {@code userxattr} reads ({@link Overlayfs.WhiteoutForm#USER_DEVICE}); on a store
 *     on overlayfs, whiteouts are files with {@code user.overlay.whiteout}
 *     ({@link Overlayfs.WhiteoutForm#USER_XATTR}).</li>
 * </ul>
 */
final class LayerExtractor {
    static final String WHITEOUT_PREFIX = ".wh.";
    static final String OPAQUE_MARKER = ".wh..wh..opq";
    /**
     * Overlay metadata comes only from whiteout files: such xattrs in an archive are dropped,
     * in both namespaces (a layer of either store may be mounted with or without userxattr).
     */
    private static final List<String> OVERLAY_XATTR_PREFIXES = List.of("trusted.overlay.", "user.overlay.");
    private static final long MAX_ID = 0xFFFF_FFFEL; // (uid_t) -1 means "unchanged" to chown

    private final Path root;
    private final boolean asRoot;
    private final boolean allowDeviceNodes;
    private final WhiteoutForm form;
    /** The store's filesystem (statfs f_type), for messages. */
    private final long fsType;
    /** Character and block devices left out (without root), by relative path, for {@link #skippedDevices()}. */
    private final List<String> skippedDevices = new ArrayList<>();
    /** With root: whether the markers are mirrored in user.overlay.* (null until the first is tried); see {@link #mirror}. */
    private Boolean mirrored;
    /** Whiteouts created so far, by relative path. */
    private final Set<String> whiteouts = new HashSet<>();
    /** Directories the layer makes opaque, with the marker entry; the xattr is set at the end. */
    private final Map<String, TarEntry> opaqueDirectories = new HashMap<>();
    /** Directories holding whiteouts in the xattr form, marked at the end. */
    private final Map<String, TarEntry> xwhiteoutDirectories = new HashMap<>();
    /** Relative paths known to be real directories (not links) in the tree, "" is the root. */
    private final Set<String> realDirectories = new HashSet<>();
    /** Modes and times of directories, applied at the end. */
    private final Map<String, DirectoryMetadata> directories = new HashMap<>();
    /** Without root, where the image's owners are kept: the namespace they are given in; else null. */
    private final MappedChown chown;
    /** The image's owners of entries not owned by 0:0, by relative path, for {@link #chown}. */
    private final Map<String, MappedChown.Change> ownerChanges = new LinkedHashMap<>();

    private record DirectoryMetadata(int mode, Instant atime, Instant mtime) {
        static final DirectoryMetadata IMPLICIT = new DirectoryMetadata(0755, null, null);
    }

    LayerExtractor(Path root, boolean asRoot, boolean allowDeviceNodes, WhiteoutForm form, long fsType) {
        this(root, asRoot, allowDeviceNodes, form, fsType, null);
    }

    /** {@code chown}: without root, the user namespace that keeps the image's owners; null to give all to the user. */
    LayerExtractor(Path root, boolean asRoot, boolean allowDeviceNodes, WhiteoutForm form, long fsType,
            MappedChown chown) {
        this.chown = asRoot ? null : chown;
        this.root = root;
        this.asRoot = asRoot;
        this.allowDeviceNodes = allowDeviceNodes;
        this.form = form;
        this.fsType = fsType;
    }

    /** Extracts every entry of {@code tar} into the root directory, which must be empty. */
    void extract(TarReader tar) throws IOException {
        realDirectories.add("");
        directories.put("", DirectoryMetadata.IMPLICIT);
        for (TarEntry entry; (entry = tar.next()) != null; ) {
            try {
                apply(entry, tar);
            } catch (InvalidPathException x) {
                throw refused(entry, "has a name this JVM cannot use as a file name (sun.jnu.encoding "
                        + System.getProperty("sun.jnu.encoding") + "): run with a UTF-8 locale");
            }
        }
        finishOverlayMarkers();
        finishDirectories();
    }

    private void apply(TarEntry e, TarReader tar) throws IOException {
        String rel = relativeName(e.name(), e);
        if (rel.isEmpty()) {
            if (e.type() != TarEntry.Type.DIRECTORY) {
                throw refused(e, "names the layer's root directory but is a " + e.type());
            }
            own(root, e);
            setXattrs(root, e);
            directories.put("", metadata(e));
            return;
        }
        int slash = rel.lastIndexOf('/');
        String parent = slash < 0 ? "" : rel.substring(0, slash);
        String base = rel.substring(slash + 1);

        if (base.startsWith(WHITEOUT_PREFIX)) {
            whiteout(e, parent, base);
            return;
        }

        Path dir = directory(parent, true, e);
        Path target = dir.resolve(base);
        BasicFileAttributes existing = lstat(target);
        switch (e.type()) {
            case DIRECTORY -> {
                if (existing == null || !existing.isDirectory()) {
                    replace(rel, target, existing);
                    Files.createDirectory(target);
                }
                realDirectories.add(rel);
                own(target, e);
                setXattrs(target, e);
                directories.put(rel, metadata(e));
            }
            case FILE -> {
                replace(rel, target, existing);
                Files.copy(tar.data(), target); // O_CREAT|O_EXCL: never through an existing name
                finish(target, e, true);
            }
            case SYMLINK -> {
                if (e.linkName().isEmpty() || e.linkName().indexOf('\0') >= 0) {
                    throw refused(e, "is a symbolic link with an empty or NUL-containing target");
                }
                replace(rel, target, existing);
                FileCalls.symlink(e.linkName(), target);
                finish(target, e, false);
            }
            case HARDLINK -> hardlink(e, rel, target, existing);
            case CHAR_DEVICE, BLOCK_DEVICE, FIFO -> {
                checkDeviceNodesAllowed(e);
                replace(rel, target, existing);
                if (!asRoot && e.type() != TarEntry.Type.FIFO) {
                    skippedDevices.add(rel); // mknod needs CAP_MKNOD: left out, as rootless podman does
                    return;
                }
                int type = switch (e.type()) {
                    case CHAR_DEVICE -> linux_h.S_IFCHR();
                    case BLOCK_DEVICE -> linux_h.S_IFBLK();
                    default -> linux_h.S_IFIFO();
                };
                FileCalls.mknod(target, type | (e.mode() & 0777), FileCalls.makedev(e.devMajor(), e.devMinor()));
                finish(target, e, true);
            }
        }
    }

    /**
     * {@code .wh..wh..opq}: the directory hides everything below it in lower layers.
     * {@code .wh.name}: {@code name} is deleted from the lower layers. Per the OCI spec a
     * whiteout applies to lower layers only, so one for a name this layer has already
     * created leaves that name alone, and one in a directory this layer makes opaque
     * (whichever entry comes first) is dropped.
     */
    private void whiteout(TarEntry e, String parent, String base) throws IOException {
        Path dir = directory(parent, true, e);
        if (base.equals(OPAQUE_MARKER)) {
            requireFormReadable(e);
            opaqueDirectories.putIfAbsent(parent, e);
            return;
        }
        if (base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) {
            return; // aufs metadata (.wh..wh.plnk, .wh..wh.aufs): meaningless to overlayfs
        }
        String hidden = base.substring(WHITEOUT_PREFIX.length());
        if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
            throw refused(e, "is a whiteout for '" + hidden + "', which is not a file name");
        }
        Path target = dir.resolve(hidden);
        if (lstat(target) != null || opaqueDirectories.containsKey(parent)) {
            return;
        }
        requireFormReadable(e);
        String rel = parent.isEmpty() ? hidden : parent + "/" + hidden;
        if (form.xattrWhiteouts()) {
            Files.createFile(target); // O_EXCL, mode 0644 less the umask: overlayfs ignores it
            try {
                FileCalls.lsetxattr(target, form.whiteoutXattr(), new byte[] {'y'}, 0);
            } catch (SyscallException x) {
                throw xattrFailed(e, "is a whiteout, kept on overlayfs as a zero-size file with the xattr "
                        + form.whiteoutXattr(), x);
            }
            mirror(target, Overlayfs.USER_WHITEOUT_XATTR, new byte[] {'y'}, e, "is a whiteout");
            xwhiteoutDirectories.putIfAbsent(parent, e);
        } else {
            try {
                FileCalls.mknod(target, linux_h.S_IFCHR(), FileCalls.makedev(0, 0));
            } catch (SyscallException x) {
                String what = !asRoot ? "Linux 5.8+ allows this without root; otherwise import as root"
                        : "the store's filesystem refuses it: put the layer store on ext4, xfs, btrfs or tmpfs"
                                + " (LayerStore.open(path))";
                throw new ImageException("tar entry '" + e.name() + "' is a whiteout, which overlayfs reads from a"
                        + " character device 0/0, but creating it on the layer store's filesystem ("
                        + Filesystems.name(fsType) + ") failed: " + x.getMessage() + ". " + what, x);
            }
        }
        whiteouts.add(rel);
        own(target, e);
        ownerChanges.remove(rel); // whatever a whiteout's owner, overlayfs reads it alike; it may yet be deleted
        FileCalls.setTimes(target, atime(e), e.mtime());
    }

    /** The form needs a kernel that reads it where the layer will be mounted: this machine's. */
    private void requireFormReadable(TarEntry e) throws ImageException {
        if (Overlayfs.readable(form)) {
            return;
        }
        if (form.xattrWhiteouts()) {
            throw new ImageException("tar entry '" + e.name() + "' is a whiteout or opaque marker, but the layer"
                    + " store is on overlayfs (as is a machine's own root inside a container), which cannot hold the"
                    + " character devices 0/0 that whiteouts usually are; overlayfs reads them there only as xattrs"
                    + " (" + form.whiteoutXattr() + ", " + form.opaqueXattr() + "=x), from Linux "
                    + form.minimumKernel() + " on, and this kernel is " + Kernel.release()
                    + ": put the layer store on ext4, xfs, btrfs or tmpfs (a volume mounted"
                    + " into the container, LayerStore.open(path)), or upgrade the kernel");
        }
        throw new ImageException("tar entry '" + e.name() + "' is a whiteout or opaque marker, which a store without"
                + " root keeps as " + form.opaqueXattr() + ", read by an overlay mounted with "
                + Overlayfs.USERXATTR + " from Linux " + form.minimumKernel() + " on; this kernel is "
                + Kernel.release() + ": upgrade the kernel, or import as root");
    }

    private ImageException xattrFailed(TarEntry e, String what, SyscallException x) {
        String todo = form.userNamespaced()
                ? "Put the store on a filesystem that allows user.* xattrs on files and directories (ext4, xfs,"
                        + " btrfs; tmpfs from Linux 6.6), LayerStore.open(path)"
                : "Import images as root (trusted.* xattrs need CAP_SYS_ADMIN) into a store on a"
                        + " filesystem with xattrs (ext4, xfs, btrfs, tmpfs)";
        return new ImageException("tar entry '" + e.name() + "' " + what + ", but setting it on the layer store's"
                + " filesystem (" + Filesystems.name(fsType) + ") failed: " + x.getMessage() + ". " + todo, x);
    }

    /**
     * Opaque directories get {@code overlay.opaque=y} (in the form's namespace) and lose the
     * whiteouts the layer put in them; other directories with xattr-form whiteouts get
     * {@code overlay.opaque=x}; a layer that has either says its form on its root, since
     * only a mount that reads that namespace honours them. A layer whose only markers are
     * 0/0 devices records nothing: every mount reads those.
     */
    private void finishOverlayMarkers() throws IOException {
        boolean marked = false;
        for (Map.Entry<String, TarEntry> o : opaqueDirectories.entrySet()) {
            String dir = o.getKey();
            if (!isRealDirectory(dir)) {
                continue; // replaced by a later entry of the layer
            }
            String prefix = dir.isEmpty() ? "" : dir + "/";
            for (String w : List.copyOf(whiteouts)) {
                if (w.startsWith(prefix)) { // hides nothing: the directory hides all below it
                    Files.delete(root.resolve(w));
                    whiteouts.remove(w);
                }
            }
            Path p = dir.isEmpty() ? root : root.resolve(dir);
            try {
                FileCalls.lsetxattr(p, form.opaqueXattr(), new byte[] {Overlayfs.OPAQUE}, 0);
            } catch (SyscallException x) {
                throw xattrFailed(o.getValue(), "marks the directory '" + (dir.isEmpty() ? "/" : dir)
                        + "' opaque, which overlayfs reads from the xattr " + form.opaqueXattr(), x);
            }
            mirror(p, Overlayfs.USER_OPAQUE_XATTR, new byte[] {Overlayfs.OPAQUE}, o.getValue(),
                    "marks the directory '" + (dir.isEmpty() ? "/" : dir) + "' opaque");
            marked = true;
        }
        for (Map.Entry<String, TarEntry> d : xwhiteoutDirectories.entrySet()) {
            String dir = d.getKey();
            if (opaqueDirectories.containsKey(dir) || !isRealDirectory(dir)) {
                continue;
            }
            Path p = dir.isEmpty() ? root : root.resolve(dir);
            try {
                FileCalls.lsetxattr(p, form.opaqueXattr(), new byte[] {Overlayfs.HAS_XWHITEOUTS}, 0);
            } catch (SyscallException x) {
                throw xattrFailed(d.getValue(), "is a whiteout, whose directory overlayfs must find marked "
                        + form.opaqueXattr() + "=x", x);
            }
            mirror(p, Overlayfs.USER_OPAQUE_XATTR, new byte[] {Overlayfs.HAS_XWHITEOUTS}, d.getValue(),
                    "is a whiteout, whose directory overlayfs must find marked " + Overlayfs.USER_OPAQUE_XATTR + "=x");
            marked = true;
        }
        if (marked) {
            byte[] recorded = form.recorded().getBytes(StandardCharsets.US_ASCII);
            FileCalls.lsetxattr(root, form.formXattr(), recorded, 0);
            if (Boolean.TRUE.equals(mirrored)) {
                FileCalls.lsetxattr(root, Overlayfs.USER_FORM_XATTR, recorded, 0); // readable by either mount
            }
        }
    }

    /**
     * With root, each trusted marker is also written in {@code user.overlay.*}, so that the
     * layer reads right in an overlay mounted with {@code userxattr}: one mounted inside a
     * user namespace (rootless, or a container of root's with a user namespace) cannot read
     * {@code trusted.*} xattrs, whoever made the namespace, and must use userxattr. A
     * filesystem without user xattrs (tmpfs before Linux 6.6) refuses the first one: then the
     * layer has no mirror at all, and records none. (A default mount ignores the mirrors; it
     * copies them up like any xattr, which matters only to an upper reused as a lower.)
     */
    private void mirror(Path p, String userXattr, byte[] value, TarEntry e, String what) throws ImageException {
        if (form.userNamespaced() || Boolean.FALSE.equals(mirrored)) {
            return;
        }
        try {
            FileCalls.lsetxattr(p, userXattr, value, 0);
            mirrored = true;
        } catch (SyscallException x) {
            if (mirrored == null && (x.errno() == linux_h.ENOTSUP() || x.errno() == linux_h.EOPNOTSUPP())) {
                mirrored = false;
                return;
            }
            throw xattrFailed(e, what + " (also kept as " + userXattr + ", for overlays mounted with "
                    + Overlayfs.USERXATTR + ")", x);
        }
    }

    private void hardlink(TarEntry e, String rel, Path target, BasicFileAttributes existing) throws IOException {
        if (e.linkName().isEmpty()) {
            throw refused(e, "is a hard link without a target");
        }
        String linkRel;
        try {
            linkRel = relativeName(e.linkName(), e);
        } catch (ImageException x) {
            throw refused(e, "is a hard link to '" + e.linkName() + "', outside the layer");
        }
        if (linkRel.equals(rel)) {
            return; // a link to itself: the file is already there
        }
        int slash = linkRel.lastIndexOf('/');
        Path source;
        BasicFileAttributes sourceAttributes;
        try {
            Path dir = directory(slash < 0 ? "" : linkRel.substring(0, slash), false,
                    "the hard link '" + e.name() + "' (byte " + e.headerOffset() + ") to '" + e.linkName() + "'");
            source = dir.resolve(linkRel.substring(slash + 1));
            sourceAttributes = lstat(source);
        } catch (MissingDirectoryException x) {
            sourceAttributes = null;
            source = null;
        }
        if (sourceAttributes == null) {
            throw refused(e, "is a hard link to '" + e.linkName()
                    + "', which is not an earlier entry of this layer");
        }
        if (sourceAttributes.isDirectory()) {
            throw refused(e, "is a hard link to the directory '" + e.linkName() + "'");
        }
        if (whiteouts.contains(linkRel)) {
            throw refused(e, "is a hard link to '" + e.linkName() + "', which this layer made a whiteout");
        }
        if (linkRel.startsWith(rel + "/")) {
            throw refused(e, "replaces the directory that holds its own target '" + e.linkName() + "'");
        }
        replace(rel, target, existing);
        Files.createLink(target, source); // link(2) does not follow a symbolic link source
        MappedChown.Change sourceOwner = ownerChanges.get(linkRel);
        if (sourceOwner != null) { // the same inode: chowned again through this name, should the source go
            ownerChanges.put(rel, new MappedChown.Change(rel, sourceOwner.uid(), sourceOwner.gid(),
                    sourceOwner.modeAfter()));
        }
    }

    /** The entry's name relative to the root, with "." and empty components dropped; "" for the root. */
    private static String relativeName(String name, TarEntry e) throws ImageException {
        if (name.isEmpty()) {
            throw refused(e, "has an empty name");
        }
        if (name.indexOf('\0') >= 0) {
            throw refused(e, "has a NUL byte in its name");
        }
        if (name.startsWith("/")) {
            throw new ImageException("tar entry '" + name + "' (byte " + e.headerOffset()
                    + ") has an absolute path: refused, a layer's entries must stay inside the layer");
        }
        StringBuilder out = new StringBuilder(name.length());
        for (String component : name.split("/")) {
            if (component.isEmpty() || component.equals(".")) {
                continue;
            }
            if (component.equals("..")) {
                throw new ImageException("tar entry '" + name + "' (byte " + e.headerOffset()
                        + ") climbs out with '..': refused, a layer's entries must stay inside the layer");
            }
            if (!out.isEmpty()) {
                out.append('/');
            }
            out.append(component);
        }
        return out.toString();
    }

    private static final class MissingDirectoryException extends IOException {
        private static final long serialVersionUID = 1L;
    }

    /**
     * The directory {@code rel}, checked component by component without following links:
     * a symbolic link or non-directory on the way is refused; a missing component is
     * created (tar archives need not list parents), or with {@code create} false, reported.
     */
    private Path directory(String rel, boolean create, TarEntry e) throws IOException {
        return directory(rel, create, "tar entry '" + e.name() + "' (byte " + e.headerOffset() + ")");
    }

    private Path directory(String rel, boolean create, String subject) throws IOException {
        if (realDirectories.contains(rel)) {
            return rel.isEmpty() ? root : root.resolve(rel);
        }
        String walked = "";
        for (String component : rel.split("/")) {
            walked = walked.isEmpty() ? component : walked + "/" + component;
            if (realDirectories.contains(walked)) {
                continue;
            }
            Path p = root.resolve(walked);
            BasicFileAttributes a = lstat(p);
            if (a == null) {
                if (!create) {
                    throw new MissingDirectoryException();
                }
                Files.createDirectory(p);
                directories.putIfAbsent(walked, DirectoryMetadata.IMPLICIT);
            } else if (a.isSymbolicLink()) {
                throw new ImageException(subject + " goes through the symbolic link '" + walked + "' -> '"
                        + readLink(p) + "' that the archive created: refused, a layer's entries must stay"
                        + " inside the layer");
            } else if (!a.isDirectory()) {
                throw new ImageException(subject + " needs '" + walked + "' to be a directory, but the archive"
                        + " made it a " + (a.isOther() ? "device or fifo" : "file") + ": refused");
            }
            realDirectories.add(walked);
        }
        return root.resolve(rel);
    }

    /** Removes what is at {@code target} so that a later entry of the same name replaces it. */
    private void replace(String rel, Path target, BasicFileAttributes existing) throws IOException {
        if (existing == null) {
            return;
        }
        ownerChanges.keySet().removeIf(d -> d.equals(rel) || d.startsWith(rel + "/"));
        if (existing.isDirectory()) {
            Trees.deleteRecursively(target);
            String below = rel + "/";
            realDirectories.removeIf(d -> d.equals(rel) || d.startsWith(below));
            directories.keySet().removeIf(d -> d.equals(rel) || d.startsWith(below));
            whiteouts.removeIf(w -> w.startsWith(below));
            opaqueDirectories.keySet().removeIf(d -> d.equals(rel) || d.startsWith(below));
            xwhiteoutDirectories.keySet().removeIf(d -> d.equals(rel) || d.startsWith(below));
        } else {
            Files.delete(target);
            whiteouts.remove(rel);
        }
    }

    private void checkDeviceNodesAllowed(TarEntry e) throws ImageException {
        String what = e.type() == TarEntry.Type.FIFO ? "the fifo '" + e.name() + "'"
                : "the " + e.type() + " '" + e.name() + "' (" + e.devMajor() + "," + e.devMinor() + ")";
        if (!allowDeviceNodes) {
            throw new ImageException("the layer contains " + what + ": refused, device nodes and fifos are"
                    + " unpacked only by a store opened with allowDeviceNodes(true) (without root, which may not"
                    + " make device nodes, that store skips them)");
        }
    }

    /**
     * Without root and with a {@link MappedChown}: the owner changes that keep the image's
     * owners (entries owned by 0:0 need none, being the user's), setuid and setgid bits
     * restored after the chown; empty otherwise. Valid once {@link #extract} has returned.
     */
    List<MappedChown.Change> ownerChanges() {
        return List.copyOf(ownerChanges.values());
    }

    /** The character and block devices left out of the layer (without root), relative to its root. */
    List<String> skippedDevices() {
        return List.copyOf(skippedDevices);
    }

    /**
     * Ownership, xattrs, mode and times of a new non-directory, in the order that keeps
     * setuid bits (chown clears them) and lets a user set {@code user.*} xattrs (which need
     * write permission) on a file the image makes read-only.
     */
    private void finish(Path target, TarEntry e, boolean hasMode) throws IOException {
        own(target, e);
        setXattrs(target, e);
        if (hasMode) {
            FileCalls.chmod(target, e.mode());
        }
        FileCalls.setTimes(target, atime(e), e.mtime());
    }

    private void own(Path target, TarEntry e) throws IOException {
        if (e.uid() < 0 || e.uid() > MAX_ID || e.gid() < 0 || e.gid() > MAX_ID) {
            throw refused(e, "has the owner " + e.uid() + ":" + e.gid() + ", outside the range of uid_t");
        }
        if (asRoot) {
            FileCalls.lchown(target, (int) e.uid(), (int) e.gid());
        } else if (chown != null) {
            recordOwner(target, e);
        }
        // else: a user may not give files away; they belong to the user importing, as with tar run by a user
    }

    /** Notes the image's owner for the user namespace's pass: chown clears setuid and setgid, so the mode follows. */
    private void recordOwner(Path target, TarEntry e) throws ImageException {
        String rel = root.relativize(target).toString();
        if (e.uid() == 0 && e.gid() == 0) {
            ownerChanges.remove(rel);
            return;
        }
        if (!chown.mapsUid(e.uid()) || !chown.mapsGid(e.gid())) {
            throw refused(e, "is owned by " + e.uid() + ":" + e.gid() + ", which your user namespace cannot hold:"
                    + " it maps uids 0-" + (chown.uidCount() - 1) + " and gids 0-" + (chown.gidCount() - 1)
                    + " (your own id and your /etc/subuid and /etc/subgid ranges): ask for larger ranges there"
                    + " (usermod --add-subuids/--add-subgids), or import as root");
        }
        int modeAfter = e.type() != TarEntry.Type.DIRECTORY && (e.mode() & 06000) != 0 ? e.mode() & 07777 : -1;
        ownerChanges.put(rel, new MappedChown.Change(rel, e.uid(), e.gid(), modeAfter));
    }

    private static void setXattrs(Path target, TarEntry e) throws IOException {
        for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
            String name = x.getKey();
            if (OVERLAY_XATTR_PREFIXES.stream().anyMatch(name::startsWith) || name.equals(Overlayfs.FORM_XATTR)
                    || name.equals(Overlayfs.USER_FORM_XATTR)) {
                continue;
            }
            if (name.indexOf('\0') >= 0) {
                throw refused(e, "has an xattr name with a NUL byte");
            }
            try {
                FileCalls.lsetxattr(target, name, x.getValue(), 0);
            } catch (SyscallException s) {
                int errno = s.errno();
                if (errno != linux_h.ENOTSUP() && errno != linux_h.EOPNOTSUPP() && errno != linux_h.EPERM()
                        && errno != linux_h.EACCES()) {
                    throw s;
                }
                // Kept where the filesystem allows: not on this one, or not for this user (without
                // root: security.capability, trusted.*, and user.* on a symbolic link).
            }
        }
    }

    private static DirectoryMetadata metadata(TarEntry e) {
        return new DirectoryMetadata(e.mode(), atime(e), e.mtime());
    }

    private static Instant atime(TarEntry e) {
        return e.atime() != null ? e.atime() : e.mtime();
    }

    /**
     * Modes and times of directories, deepest first. Each path is walked again without
     * following links, although replace() forgets directories it removes.
     */
    private void finishDirectories() throws IOException {
        List<String> order = new ArrayList<>(directories.keySet());
        order.sort(Comparator.comparingInt((String d) -> d.isEmpty() ? 0 : d.split("/").length).reversed());
        for (String rel : order) {
            if (!isRealDirectory(rel)) {
                continue;
            }
            Path p = rel.isEmpty() ? root : root.resolve(rel);
            DirectoryMetadata m = directories.get(rel);
            FileCalls.chmod(p, m.mode());
            if (m.mtime() != null) {
                FileCalls.setTimes(p, m.atime(), m.mtime());
            }
        }
    }

    private boolean isRealDirectory(String rel) throws IOException {
        if (rel.isEmpty()) {
            return true;
        }
        String walked = "";
        for (String component : rel.split("/")) {
            walked = walked.isEmpty() ? component : walked + "/" + component;
            BasicFileAttributes a = lstat(root.resolve(walked));
            if (a == null || !a.isDirectory()) {
                return false; // lstat: a link is not a directory
            }
        }
        return true;
    }

    private static BasicFileAttributes lstat(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static String readLink(Path p) {
        try {
            return Files.readSymbolicLink(p).toString();
        } catch (IOException e) {
            return "?";
        }
    }

    private static ImageException refused(TarEntry e, String why) {
        return new ImageException("tar entry '" + e.name() + "' (byte " + e.headerOffset() + ") " + why
                + ": refused");
    }
}
