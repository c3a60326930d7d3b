package dev.hako;

import java.util.Objects;

/**
 * A host device given to a container, like Docker's {@code --device}: the node is made in
 * the container's /dev with the host's type, numbers, mode and owner, and the container's
 * device policy allows it with the permissions given. Every other device outside the
 * default set is refused (see {@link Container.Builder#device(Device)}).
 *
 * <pre>{@code
 * Device.of("/dev/fuse")                             // same path inside, "rwm"
 * Device.of("/dev/sdc").at("/dev/xvdc").permissions("r")
 * Device.parse("/dev/sdc:/dev/xvdc:r")               // the same, in Docker's syntax
 * }</pre>
 *
 * <p>Unlike Docker, the path inside must be below /dev (hako never makes nodes in the
 * rootfs, which may be a host directory used in place): a host path outside /dev appears
 * as {@code /dev/<its name>} unless {@link #at} says otherwise.
 *
 * <p>Whether the host path is a device is checked by {@link Container.Builder#build()}.
 *
 * @param hostPath the device on the host, absolute; a symbolic link is followed
 * @param containerPath where it appears inside: an absolute path below /dev, not on one of
 *                      /dev's own mounts (pts, shm, mqueue) and not a standard device
 * @param permissions one or more of {@code r} (read), {@code w} (write) and {@code m}
 *                    (mknod), in that order
 */
public record Device(String hostPath, String containerPath, String permissions) {
    private static final String ALL = "rwm";

    /** @throws IllegalArgumentException naming the device option and what is wrong */
    public Device {
        Objects.requireNonNull(hostPath, "hostPath");
        Objects.requireNonNull(containerPath, "containerPath");
        Objects.requireNonNull(permissions, "permissions");
        if (!hostPath.startsWith("/") || hostPath.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("device '" + hostPath + "': the host path must be absolute, like /dev/fuse");
        }
        checkContainerPath(hostPath, containerPath);
        permissions = canonical(hostPath, permissions);
    }

    /**
     * {@code hostPath} at the same path inside, with every permission ({@code rwm}); for a
     * host path outside /dev, say where it goes inside with {@link #at}.
     */
    public static Device of(String hostPath) {
        Objects.requireNonNull(hostPath, "hostPath");
        return new Device(hostPath, hostPath.startsWith("/dev/") ? hostPath : "/dev/" + lastName(hostPath), ALL);
    }

    private static String lastName(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        return name.isEmpty() || name.equals(".") || name.equals("..") ? "device" : name;
    }

    /**
     * Docker's {@code --device} syntax: {@code HOST[:CONTAINER][:PERMISSIONS]}, like
     * {@code /dev/sdc}, {@code /dev/sdc:/dev/xvdc}, {@code /dev/sdc:/dev/xvdc:r} or
     * {@code /dev/sdc:r}.
     *
     * @throws IllegalArgumentException naming the option and what is wrong
     */
    public static Device parse(String spec) {
        Objects.requireNonNull(spec, "device");
        String[] parts = spec.split(":", -1);
        return switch (parts.length) {
            case 1 -> of(parts[0]);
            case 2 -> parts[1].startsWith("/") ? new Device(parts[0], parts[1], ALL)
                    : new Device(parts[0], parts[0], parts[1]);
            case 3 -> new Device(parts[0], parts[1], parts[2]);
            default -> throw new IllegalArgumentException("device '" + spec + "' is not HOST[:CONTAINER][:PERMISSIONS],"
                    + " like /dev/sdc:/dev/xvdc:rwm");
        };
    }

    /** This device at {@code containerPath} inside the container. */
    public Device at(String containerPath) {
        return new Device(hostPath, containerPath, permissions);
    }

    /** This device with {@code permissions} (r, w, m: {@code "r"} for read-only). */
    public Device permissions(String permissions) {
        return new Device(hostPath, containerPath, permissions);
    }

    /** Docker's syntax: {@code host:container:permissions}. */
    @Override
    public String toString() {
        return hostPath + ":" + containerPath + ":" + permissions;
    }

    private static void checkContainerPath(String host, String path) {
        String why = null;
        if (!path.startsWith("/dev/") || path.indexOf('\0') >= 0) {
            why = "must be below /dev, like /dev/xvdc";
        } else if (path.endsWith("/") || path.contains("//") || path.contains("/./") || path.contains("/../")
                || path.endsWith("/.") || path.endsWith("/..")) {
            why = "must be a plain path (no '.', '..', '//' or trailing '/')";
        } else if (path.startsWith("/dev/pts/") || path.startsWith("/dev/shm/") || path.startsWith("/dev/mqueue/")
                || path.equals("/dev/pts") || path.equals("/dev/shm") || path.equals("/dev/mqueue")) {
            why = "cannot be on /dev/pts, /dev/shm or /dev/mqueue, which are mounts of their own";
        } else if (STANDARD.contains(path)) {
            why = "is already in every container's /dev";
        }
        if (why != null) {
            throw new IllegalArgumentException("device " + host + ": the path inside the container '" + path + "' " + why);
        }
    }

    /** What every container's /dev has already: the standard devices, ptmx and the fd links. */
    private static final java.util.Set<String> STANDARD = standard();

    private static java.util.Set<String> standard() {
        java.util.Set<String> paths = new java.util.HashSet<>(java.util.Set.of("/dev/ptmx", "/dev/fd", "/dev/stdin",
                "/dev/stdout", "/dev/stderr"));
        dev.hako.linux.StandardDevices.NODES.forEach(n -> paths.add("/dev/" + n.name()));
        return java.util.Set.copyOf(paths);
    }

    private static String canonical(String host, String permissions) {
        StringBuilder out = new StringBuilder();
        for (char c : ALL.toCharArray()) {
            if (permissions.indexOf(c) >= 0) {
                out.append(c);
            }
        }
        if (out.isEmpty() || !permissions.chars().allMatch(c -> ALL.indexOf(c) >= 0)) {
            throw new IllegalArgumentException("device " + host + ": permissions '" + permissions
                    + "' are invalid: use one or more of r (read), w (write) and m (mknod), like rwm or r");
        }
        return out.toString();
    }
}
