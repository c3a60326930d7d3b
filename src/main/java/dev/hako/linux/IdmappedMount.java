package dev.hako.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A detached, idmapped copy of a directory tree, held by its descriptor: what a container
 * with its own user namespace mounts as its root (and as each overlay layer and bind
 * source), so that the files show their owners on disk inside it and nothing is chowned.
 *
 * <p><b>Who makes it, and when.</b> {@code mount_setattr(MOUNT_ATTR_IDMAP)} needs
 * {@code CAP_SYS_ADMIN} in the user namespace that owns the filesystem (the host's) and in
 * the one it maps through: the JVM (root) has both, the container's child only the second.
 * So the JVM makes the copy after the clone, through the child's user namespace
 * ({@link Namespaces#open}) once its maps are written, and hands the descriptor to the
 * child ({@link FdSocket#send}); the child receives it
 * ({@code ChildProgram.Builder.receiveFd}) and attaches it ({@code moveMount}) in its own
 * mount namespace. The JVM closes its copy once it is sent: the message, and then the
 * child, hold the mount.
 *
 * <p><b>What the owners look like.</b> Through the mount, a file owned by id {@code k} on
 * disk belongs to the id that the namespace's map makes of {@code k} (inside id
 * {@code k}, as the host sees it): with the map {@code 0 100000 65536}, uid 0 shows as
 * 100000 on the host and as 0 inside, uid 1000 as 101000 and 1000. An id outside the map
 * shows as the overflow id (nobody, 65534), and such a file cannot be changed through the
 * mount. A process of the namespace creates files with its inside ids on disk (root inside
 * writes files owned by 0). The tree on disk is never changed by the mapping itself.
 *
 * <p>A mount is idmapped once: a tree that is an idmapped mount already is refused
 * (EPERM), so each container makes its own copy of the original tree.
 */
public final class IdmappedMount implements AutoCloseable {
    /** Idmapped mounts (mount_setattr, MOUNT_ATTR_IDMAP) came with Linux 5.12. */
    static final int MIN_MAJOR = 5;
    static final int MIN_MINOR = 12;

    private final Path tree;
    private int fd;

    private IdmappedMount(Path tree, int fd) {
        this.tree = tree;
        this.fd = fd;
    }

    /**
     * {@code open_tree(tree, OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC[|AT_RECURSIVE])}, then
     * {@code mount_setattr(fd, "", AT_EMPTY_PATH[|AT_RECURSIVE], {attr_set=MOUNT_ATTR_IDMAP,
     * userns_fd=userNamespace})}: a detached copy of {@code tree} that maps its owners
     * through {@code userNamespace}. Nothing is attached anywhere, and nothing is left
     * behind when this throws.
     *
     * @param tree a directory of the JVM's mount namespace (a symbolic link is followed)
     * @param userNamespace a descriptor of the user namespace to map through (such as
     *     {@code /proc/PID/ns/user} of the container's child, from {@link Namespaces#open}),
     *     whose maps are written already: ids it does not map show as nobody
     * @param recursive whether the mounts below {@code tree} come along (each idmapped too);
     *     without, the copy has only the mount {@code tree} is on, from {@code tree} down
     * @throws IdmapUnsupportedException when the kernel is older than 5.12, or the
     *     filesystem of {@code tree} or of a mount below it does not support idmapped
     *     mounts: the message names that mount and filesystem and says what works instead
     * @throws IllegalArgumentException when {@code userNamespace} is not a user namespace
     * @throws SyscallException when a call fails otherwise: {@code tree} is missing, not
     *     permitted (EPERM: the JVM lacks CAP_SYS_ADMIN, {@code userNamespace} is the JVM's
     *     own, or {@code tree} is an idmapped mount already); the message says which
     */
    public static IdmappedMount of(Path tree, int userNamespace, boolean recursive) throws IOException {
        return of(tree, userNamespace, recursive, Kernel.release());
    }

    static IdmappedMount of(Path tree, int userNamespace, boolean recursive, String release) throws IOException {
        if (!Kernel.atLeast(release, MIN_MAJOR, MIN_MINOR)) {
            throw IdmapUnsupportedException.kernelTooOld(tree, release);
        }
        int flags = linux_h.OPEN_TREE_CLONE() | linux_h.OPEN_TREE_CLOEXEC() | (recursive ? linux_h.AT_RECURSIVE() : 0);
        int fd = Libc.openTree(tree.toString(), flags);
        try {
            Libc.mountSetattr(fd, recursive, linux_h.MOUNT_ATTR_IDMAP(), userNamespace, tree.toString());
            return new IdmappedMount(tree, fd);
        } catch (SyscallException e) {
            Libc.closeQuietly(fd);
            throw explain(e, tree, userNamespace, recursive, release);
        } catch (RuntimeException | Error e) {
            Libc.closeQuietly(fd);
            throw e;
        }
    }

    /** The descriptor of the detached mount: for {@link FdSocket#send}, or {@code move_mount}. */
    public int fd() {
        if (fd < 0) {
            throw new IllegalStateException("the idmapped mount of " + tree + " is closed");
        }
        return fd;
    }

    /** The tree it is a copy of. */
    public Path tree() {
        return tree;
    }

    /**
     * Closes the descriptor. A copy that was never attached (nor sent to a process that
     * attached it) is gone with it; an attached one stays where it is.
     */
    @Override
    public void close() {
        Libc.closeQuietly(fd);
        fd = -1;
    }

    @Override
    public String toString() {
        return "idmapped mount of " + tree + (fd >= 0 ? " (fd " + fd + ")" : " (closed)");
    }

    /** Turns a failed open_tree or mount_setattr into what the caller can act on. */
    private static IOException explain(SyscallException e, Path tree, int userNamespace, boolean recursive,
                                       String release) {
        if (e.errno() == linux_h.ENOSYS()) {
            return IdmapUnsupportedException.kernelTooOld(tree, release);
        }
        if (e.errno() == linux_h.EINVAL()) {
            String ns = link("/proc/self/fd/" + userNamespace);
            if (ns == null || !ns.startsWith("user:[")) {
                throw new IllegalArgumentException("descriptor " + userNamespace + " (" + ns + ") is not a user"
                        + " namespace: an idmapped mount of " + tree + " maps through a user namespace, such as"
                        + " /proc/PID/ns/user of the container's process", e);
            }
            Path refusing = refusingMount(tree, userNamespace, recursive);
            IdmapUnsupportedException unsupported = IdmapUnsupportedException.filesystem(tree, refusing,
                    filesystemName(refusing), release);
            unsupported.initCause(e);
            return unsupported;
        }
        if (e.errno() == linux_h.EPERM()) {
            String ns = link("/proc/self/fd/" + userNamespace);
            String why = ns != null && ns.equals(link("/proc/self/ns/user"))
                    ? "the user namespace given is the JVM's own, which cannot idmap: give the container's"
                    : "making an idmapped mount needs CAP_SYS_ADMIN in the host's user namespace (run the JVM as root)"
                    + " and in the container's, and the tree must not be an idmapped mount already";
            return new SyscallException(e.call() + " [" + why + "]", e.errno());
        }
        return e;
    }

    /**
     * The mount that refuses to be idmapped: {@code tree} itself, or (recursive) the first
     * mount below it that refuses, each tried alone on a throw-away copy. {@code tree} when
     * none does alone (a mount that came or went meanwhile).
     */
    private static Path refusingMount(Path tree, int userNamespace, boolean recursive) {
        List<Path> candidates = new ArrayList<>();
        candidates.add(tree);
        if (recursive) {
            candidates.addAll(mountsBelow(tree));
        }
        for (Path candidate : candidates) {
            int copy = -1;
            try {
                copy = Libc.openTree(candidate.toString(), linux_h.OPEN_TREE_CLONE() | linux_h.OPEN_TREE_CLOEXEC());
                Libc.mountSetattr(copy, false, linux_h.MOUNT_ATTR_IDMAP(), userNamespace, candidate.toString());
            } catch (SyscallException e) {
                if (e.errno() == linux_h.EINVAL()) {
                    return candidate;
                }
            } finally {
                Libc.closeQuietly(copy);
            }
        }
        return tree;
    }

    /** The mount points strictly below {@code tree} in the JVM's mount namespace, in /proc/self/mountinfo's order. */
    static List<Path> mountsBelow(Path tree) {
        List<Path> below = new ArrayList<>();
        Path root;
        String table;
        try {
            root = tree.toRealPath();
            table = Files.readString(Path.of("/proc/self/mountinfo"));
        } catch (IOException e) {
            return below;
        }
        for (String line : table.split("\n")) {
            String[] fields = line.split(" ");
            if (fields.length > 4) {
                Path mountPoint = Path.of(unescape(fields[4]));
                if (mountPoint.startsWith(root) && !mountPoint.equals(root) && !below.contains(mountPoint)) {
                    below.add(mountPoint);
                }
            }
        }
        return below;
    }

    /** A mountinfo field with its octal escapes ({@code \040} for a space) undone. */
    static String unescape(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }

    private static String filesystemName(Path path) {
        try {
            return Filesystems.name(Filesystems.type(path));
        } catch (SyscallException e) {
            return "a filesystem whose type statfs cannot tell (" + e.getMessage() + ")";
        }
    }

    private static String link(String path) {
        try {
            return Files.readSymbolicLink(Path.of(path)).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }
}
