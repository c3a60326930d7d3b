package dev.hako.spawn;

import dev.hako.linux.Libc;
import dev.hako.linux.Namespaces;
import dev.hako.linux.SyscallException;

/**
 * A descriptor of a container's mount namespace, held by the JVM while the container runs.
 *
 * <p>The kernel tears a mount namespace down when its last reference goes, and with it every
 * mount in it, waiting for an RCU grace period: with the container's last process as the last
 * holder, that happens in its exit, before its parent can see it gone, and a
 * {@code waitFor()} takes that long too. Held here, the exit leaves the namespace alone, and
 * the teardown happens when this is closed, on the {@link Teardown} thread: off the thread
 * that waited, and off the one that closed.
 */
final class HeldMountNamespace implements AutoCloseable {
    private int fd;

    private HeldMountNamespace(int fd) {
        this.fd = fd;
    }

    /** The namespace of process {@code pid}, or null where the JVM may not open it (a container whose ids it cannot follow). */
    static HeldMountNamespace of(long pid, int pidfd) {
        try {
            return new HeldMountNamespace(Namespaces.open(pid, pidfd, "mnt"));
        } catch (SyscallException e) {
            return null; // an exit that tears it down itself: slower, no less correct
        }
    }

    /** Hands the descriptor to the teardown thread, which closes it: the unmounting happens there. */
    @Override
    public void close() {
        int held = fd;
        fd = -1;
        if (held >= 0) {
            Teardown.later(() -> Libc.closeQuietly(held));
        }
    }

    @Override
    public String toString() {
        return "HeldMountNamespace[fd " + fd + "]";
    }
}
