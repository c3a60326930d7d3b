package dev.hako.spawn;

/**
 * A descriptor of the JVM's that the container gets as {@code containerFd} (3 or more), as
 * systemd's socket activation and OCI's {@code --preserve-fds} hand descriptors on. The
 * child copies it when it rebuilds its fd table, so the JVM's own stays the caller's.
 */
public record PassedFd(int containerFd, int hostFd) {
    /** How the builder option that made it is written, for messages. */
    public String option() {
        return "passFd(" + containerFd + ", " + hostFd + ")";
    }
}
