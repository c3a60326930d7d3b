package dev.hako.spawn;

import dev.hako.cgroup.ContainerCgroup;
import dev.hako.linux.SyscallException;

/**
 * The process an exec joins: a running container's first process, as this JVM started it
 * ({@link Launched}) or as another process left it (an OCI runtime's earlier command).
 */
public interface ExecTarget {
    /** A close-on-exec pidfd of the process, the caller's to close; fails once it has exited. */
    int duplicatePidfd() throws SyscallException;

    long pid();

    /** The container's cgroup, which the exec'd process joins. */
    ContainerCgroup cgroup();

    /** Whether the process has exited (its namespaces with it). */
    boolean hasExited();
}
