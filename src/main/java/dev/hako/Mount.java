package dev.hako;

import dev.hako.cgroup.ByteSizes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * A filesystem mounted into the container, in the order given to
 * {@link Container.Builder#mount(Mount)}. Targets are paths inside the container; they are
 * created when missing and resolved inside the container's root, so no symlink in the
 * rootfs can make a mount land outside it.
 */
public sealed interface Mount {

    /** The path inside the container. */
    String target();

    /**
     * Binds host {@code source} (a directory or a file) at {@code target}: read-write,
     * recursive (with the mounts below the source), propagation private, unless changed.
     */
    static Bind bind(Path source, String target) {
        Objects.requireNonNull(source, "source");
        Path absolute = source.toAbsolutePath().normalize();
        if (!Files.exists(absolute)) {
            throw new IllegalArgumentException("bind mount source " + absolute + " does not exist");
        }
        return new Bind(absolute, checkTarget(target), false, true, Propagation.PRIVATE, Set.of(), false);
    }

    /** An empty tmpfs at {@code target}: mode 1777, the kernel's default size (half of RAM), unless changed. */
    static Tmpfs tmpfs(String target) {
        return new Tmpfs(checkTarget(target), 0, 01777, false);
    }

    /** How mount events propagate between the bind mount and its source (see mount_namespaces(7)). */
    enum Propagation {
        /** No events either way (the default). */
        PRIVATE,
        /** Mounts made on the host below the source appear in the container; none go back. */
        SLAVE,
        /** Mounts appear both ways (the host side must be shared too). */
        SHARED
    }

    /** What a bind may refuse inside the container, as mount(8)'s options of the same names. */
    enum Restriction {
        /** setuid and setgid bits and file capabilities are ignored. */
        NOSUID,
        /** Device files cannot be opened. */
        NODEV,
        /** Nothing can be executed from it. */
        NOEXEC
    }

    /**
     * A bind mount of a host path.
     *
     * @param idmap the source is idmapped through the container's user namespace ({@link #idmapped()})
     */
    record Bind(Path source, String target, boolean readonly, boolean recursive, Propagation propagation,
                Set<Restriction> restrictions, boolean idmap) implements Mount {
        public Bind {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(propagation, "propagation");
            restrictions = Set.copyOf(restrictions);
        }

        /** Read-only inside the container (recursively, for a recursive bind). */
        public Bind readOnly() {
            return new Bind(source, target, true, recursive, propagation, restrictions, idmap);
        }

        /** Binds only the source's own mount, not the mounts below it. */
        public Bind nonRecursive() {
            return new Bind(source, target, readonly, false, propagation, restrictions, idmap);
        }

        public Bind propagation(Propagation p) {
            return new Bind(source, target, readonly, recursive, p, restrictions, idmap);
        }

        /** {@code nosuid}: setuid bits and file capabilities on it do nothing (recursively, for a recursive bind). */
        public Bind noSuid() {
            return restrict(Restriction.NOSUID);
        }

        /** {@code nodev}: device files on it cannot be opened. */
        public Bind noDev() {
            return restrict(Restriction.NODEV);
        }

        /** {@code noexec}: nothing on it can be executed. */
        public Bind noExec() {
            return restrict(Restriction.NOEXEC);
        }

        private Bind restrict(Restriction r) {
            EnumSet<Restriction> more = EnumSet.of(r);
            more.addAll(restrictions);
            return new Bind(source, target, readonly, recursive, propagation, more, idmap);
        }

        /**
         * With a user namespace (as root), an idmapped copy of the source, as podman's
         * {@code --mount type=bind,idmap}: its files show their host owners as the container's
         * ids, and what the container writes there is owned on disk by the host ids its own
         * map back to, root inside as the host's root. Without it (the default) the source's
         * files owned by ids outside the map show as nobody, and the container writes as its
         * mapped ids. Needs a user namespace and a JVM with root, and a filesystem that can be
         * idmapped (ext4, xfs, btrfs, tmpfs 6.3+, ...): the start says which one cannot.
         */
        public Bind idmapped() {
            return new Bind(source, target, readonly, recursive, propagation, restrictions, true);
        }

        /** True when the source is a file, not a directory. */
        public boolean isFile() {
            return !Files.isDirectory(source);
        }
    }

    /** A tmpfs. */
    record Tmpfs(String target, long sizeBytes, int mode, boolean readonly) implements Mount {
        /** At most {@code bytes} of content. */
        public Tmpfs size(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("tmpfs size for " + target + " must be above 0, not " + bytes);
            }
            return new Tmpfs(target, bytes, mode, readonly);
        }

        /** {@link #size(long)} from a size like {@code "64m"}. */
        public Tmpfs size(String size) {
            return size(ByteSizes.parse(size, "tmpfs size"));
        }

        /** The mode of the tmpfs root, e.g. {@code 0755}. */
        public Tmpfs mode(int mode) {
            if (mode < 0 || mode > 07777) {
                throw new IllegalArgumentException("tmpfs mode 0" + Integer.toOctalString(mode) + " for " + target
                        + " is not a file mode: use 0 to 07777, like 01777 or 0755");
            }
            return new Tmpfs(target, sizeBytes, mode, readonly);
        }

        /** Read-only (useful to hide a directory). */
        public Tmpfs readOnly() {
            return new Tmpfs(target, sizeBytes, mode, true);
        }

        /** The mount options, as mount(2)'s data string. */
        public String options() {
            return "mode=" + Integer.toOctalString(mode) + (sizeBytes > 0 ? ",size=" + sizeBytes : "");
        }
    }

    private static String checkTarget(String target) {
        Objects.requireNonNull(target, "target");
        if (!target.startsWith("/") || target.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("mount target '" + target + "' must be an absolute path inside"
                    + " the container, like /data");
        }
        if (target.equals("/")) {
            throw new IllegalArgumentException("mount target / would replace the rootfs: choose the rootfs instead");
        }
        return target;
    }
}
