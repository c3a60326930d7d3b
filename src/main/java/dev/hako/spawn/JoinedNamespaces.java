package dev.hako.spawn;

import dev.hako.ContainerException;
import dev.hako.linux.Errno;
import dev.hako.linux.Libc;
import dev.hako.linux.Namespaces;
import dev.hako.linux.SyscallException;

import java.util.ArrayList;
import java.util.List;

/**
 * The namespaces a container joins by path ({@code joinNamespace}), opened and checked at
 * start: each file must be a namespace of the type given (asked with {@code NS_GET_NSTYPE},
 * not guessed from its name), or the start fails naming the path and what it is. The
 * descriptors become {@link Spawner.Join}s, which the spawner thread joins for the clone as
 * it joins another container's network; the JVM closes them after the clone.
 */
final class JoinedNamespaces {
    private JoinedNamespaces() {
    }

    /**
     * Opens every joined namespace of {@code config}, in the order given; on failure none is
     * left open.
     */
    static List<Spawner.Join> open(LaunchConfig config) throws ContainerException {
        List<Spawner.Join> joins = new ArrayList<>();
        try {
            for (LaunchConfig.JoinedNamespace j : config.joinedNamespaces()) {
                int type = (int) ContainerLauncher.namespaceFlag(j.type());
                String option = "joinNamespace(" + j.type() + ", " + j.path() + ")";
                try {
                    joins.add(new Spawner.Join(Namespaces.openFile(j.path().toString(), type), type));
                } catch (IllegalArgumentException e) {
                    throw new ContainerException("starting container " + config.id() + ": " + option + ": "
                            + e.getMessage());
                } catch (SyscallException e) {
                    throw new ContainerException("starting container " + config.id() + ": " + option + ": "
                            + j.path() + " cannot be opened (" + Errno.describe(e.errno()) + "): give a /proc/PID/ns/"
                            + Namespaces.typeName(type) + " file of a running process, or a bind mount of one", e);
                }
            }
            return joins;
        } catch (ContainerException | RuntimeException e) {
            close(joins);
            throw e;
        }
    }

    /** Closes the JVM's descriptors of the joined namespaces: the child is in them, or was never made. */
    static void close(List<Spawner.Join> joins) {
        for (Spawner.Join j : joins) {
            Libc.closeQuietly(j.fd());
        }
    }
}
