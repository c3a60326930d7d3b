package dev.hako;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What becomes {@code /} inside a container.
 *
 * <p>For now a directory on the host, bind-mounted and made the container's root with
 * {@code pivot_root}. The directory is used in place: writes from the container land in it
 * unless the container is built with {@link Container.Builder#readonlyRootfs(boolean)}.
 */
public sealed interface Rootfs {

    /**
     * A host directory holding a complete root filesystem (for example an unpacked image or
     * a debootstrap tree).
     *
     * @throws IllegalArgumentException if {@code dir} does not exist or is not a directory
     */
    static Rootfs directory(Path dir) {
        Objects.requireNonNull(dir, "dir");
        Path absolute = dir.toAbsolutePath().normalize();
        if (!Files.exists(absolute)) {
            throw new IllegalArgumentException("rootfs " + absolute + " does not exist:"
                    + " pass a directory that holds the container's root filesystem");
        }
        if (!Files.isDirectory(absolute)) {
            throw new IllegalArgumentException("rootfs " + absolute + " is not a directory:"
                    + " pass a directory that holds the container's root filesystem");
        }
        return new Directory(absolute);
    }

    /** A host directory used as the container's root. */
    record Directory(Path path) implements Rootfs {
        public Directory {
            Objects.requireNonNull(path, "path");
        }
    }
}
