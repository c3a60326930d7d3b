package dev.hako;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What becomes {@code /} inside a container:
 * <ul>
 * <li>{@link #directory(Path)}: a host directory holding a root filesystem, used in place;</li>
 * <li>{@link #overlay(List)}: read-only layers (an image's) joined by overlayfs, with a
 *     writable upper layer that vanishes with the container, or that the caller keeps;</li>
 * <li>{@link #host(String...)}: a read-only view of the host's own system directories,
 *     for running host commands without letting them change the host's files, with writable tmpfs directories where asked.</li>
 * </ul>
 * Whatever the kind, the container's root is mounted in the container's own mount
 * namespace only: nothing of it appears in the host's mount table.
 */
public sealed interface Rootfs {

    /**
     * A host directory holding a complete root filesystem (an unpacked image, a debootstrap
     * tree). Writes from the container land in it unless the rootfs is made read-only.
     *
     * @throws IllegalArgumentException if {@code dir} does not exist or is not a directory
     */
    static Directory directory(Path dir) {
        return new Directory(existingDirectory(dir, "rootfs"));
    }

    /**
     * Read-only layers joined by overlayfs, {@code lowers.get(0)} on top (it wins where
     * layers hold the same path), as {@code Image.layers()} lists them. The writable upper
     * layer is a tmpfs that disappears with the container; see {@link Overlay#persistent(Path)}.
     * Layers may be shared by any number of containers at once.
     */
    static Overlay overlay(List<Path> lowers) {
        Objects.requireNonNull(lowers, "lowers");
        if (lowers.isEmpty()) {
            throw new IllegalArgumentException("an overlay rootfs needs at least one lower layer");
        }
        List<Path> checked = new ArrayList<>();
        for (Path p : lowers) {
            Path dir = existingDirectory(p, "overlay layer");
            requireOverlaySafe(dir, "overlay layer");
            checked.add(dir);
        }
        int length = checked.stream().mapToInt(d -> d.toString().length() + 1).sum();
        if (length > MAX_LOWERDIR) {
            throw new IllegalArgumentException("the " + checked.size() + " overlay layers' paths take " + length
                    + " characters, more than the " + MAX_LOWERDIR + " that fit in overlayfs's mount options"
                    + " (one page with the upper and work paths): use shorter paths, e.g. a layer store nearer /");
        }
        return new Overlay(List.copyOf(checked), null);
    }

    /** Room for lowerdir in one page of mount options, leaving some for upperdir and workdir. */
    int MAX_LOWERDIR = 3500;

    /** {@link #overlay(List)} with the layers given top first. */
    static Overlay overlay(Path... lowers) {
        return overlay(List.of(lowers));
    }

    /**
     * A read-only view of the host's system directories ({@code /usr /bin /sbin /lib*
     * /etc /opt} where they exist, symlinks kept as on the host) on an otherwise empty,
     * writable tmpfs root, plus a writable, empty tmpfs at each of {@code writableDirs}
     * (such as {@code /tmp}). Like bubblewrap's common use: run host programs without
     * letting them change the host.
     */
    static Host host(String... writableDirs) {
        List<String> dirs = new ArrayList<>();
        for (String d : writableDirs) {
            Objects.requireNonNull(d, "writableDirs");
            if (!d.startsWith("/") || d.equals("/")) {
                throw new IllegalArgumentException("writable directory '" + d
                        + "' of a host rootfs must be an absolute path below /, like /tmp");
            }
            dirs.add(d);
        }
        return new Host(List.copyOf(dirs));
    }

    /** A host directory used as the container's root. */
    record Directory(Path path) implements Rootfs {
        public Directory {
            Objects.requireNonNull(path, "path");
        }
    }

    /**
     * Layers joined by overlayfs.
     *
     * @param lowers the read-only layers, top first
     * @param upper the writable layer the caller keeps, or null for one that vanishes with
     *              the container
     */
    record Overlay(List<Path> lowers, Path upper) implements Rootfs {
        public Overlay {
            lowers = List.copyOf(lowers);
        }

        /**
         * Keeps the container's changes in {@code upperDir} (created if missing), so that a
         * later container can start from them. hako manages overlayfs's work directory
         * beside it ({@code <upperDir>.work}). One running container per upper directory.
         * Both must be on a filesystem overlayfs takes as an upper layer (ext4, xfs, btrfs,
         * tmpfs, ...): a start refuses overlayfs itself (a machine whose root is overlayfs),
         * network and FUSE filesystems, naming the filesystem, before creating anything.
         */
        public Overlay persistent(Path upperDir) {
            Objects.requireNonNull(upperDir, "upperDir");
            Path upperPath = upperDir.toAbsolutePath().normalize();
            requireOverlaySafe(upperPath, "overlay upper directory");
            if (Files.exists(upperPath) && !Files.isDirectory(upperPath)) {
                throw new IllegalArgumentException("overlay upper directory " + upperPath + " is not a directory");
            }
            return new Overlay(lowers, upperPath);
        }

        /** The work directory overlayfs needs beside a persistent upper, on the same filesystem. */
        public Path workDir() {
            return upper == null ? null : upper.resolveSibling(upper.getFileName() + ".work");
        }
    }

    /** The host's system directories, read-only, with writable tmpfs directories. */
    record Host(List<String> writableDirs) implements Rootfs {
        public Host {
            writableDirs = List.copyOf(writableDirs);
        }
    }

    private static Path existingDirectory(Path dir, String what) {
        Objects.requireNonNull(dir, what);
        Path absolute = dir.toAbsolutePath().normalize();
        if (!Files.exists(absolute)) {
            throw new IllegalArgumentException(what + " " + absolute + " does not exist:"
                    + " pass a directory that holds the container's root filesystem");
        }
        if (!Files.isDirectory(absolute)) {
            throw new IllegalArgumentException(what + " " + absolute + " is not a directory:"
                    + " pass a directory that holds the container's root filesystem");
        }
        return absolute;
    }

    /** overlayfs separates layers with ':' and options with ','; it has no quoting hako could rely on. */
    private static void requireOverlaySafe(Path dir, String what) {
        String s = dir.toString();
        if (s.contains(":") || s.contains(",") || s.contains("\\")) {
            throw new IllegalArgumentException(what + " " + dir + " contains ':', ',' or '\\',"
                    + " which overlayfs cannot take in a path: move or link it to a plain path");
        }
    }
}
