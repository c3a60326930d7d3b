package dev.hako;

import java.util.EnumSet;
import java.util.Set;

/**
 * The Linux namespaces a container can be given. Each one hides a different part of the
 * host from the container's processes.
 *
 * <p>The default for {@link Container.Builder#namespaces} is {@link #all()}, as with Docker:
 * every namespace but {@link #USER}, which a container gets when it asks for one
 * ({@link Container.Builder#userNamespace}) and always when the JVM is not root. A
 * container with a root filesystem always needs {@link #MOUNT}; leaving out the others
 * shares that part of the host with the container (like {@code docker run --pid=host}).
 */
public enum Namespace {
    /** Own mount table: the container sees its root filesystem and nothing of the host's. */
    MOUNT,
    /** Own process ids: the command is PID 1 and sees no host process. */
    PID,
    /** Own hostname and domain name. */
    UTS,
    /** Own System V IPC objects and POSIX message queues. */
    IPC,
    /** Own network stack: only a loopback interface, which hako brings up. */
    NETWORK,
    /** Own view of the cgroup hierarchy: the container's cgroup appears as the root. */
    CGROUP,
    /**
     * Own user and group ids: root inside is an unprivileged id outside, as the maps of
     * its {@link UserNamespace} say. Every other namespace of the container belongs to it.
     */
    USER;

    /** A new set of the namespaces a container gets by default, as with Docker: all but {@link #USER}. */
    public static Set<Namespace> all() {
        EnumSet<Namespace> all = EnumSet.allOf(Namespace.class);
        all.remove(USER);
        return all;
    }
}
