package dev.hako.spawn;

import dev.hako.ContainerException;
import dev.hako.Namespace;
import dev.hako.linux.Errno;
import dev.hako.linux.Libc;
import dev.hako.linux.Namespaces;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;

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
                    refuseWritesToTheJvmsOwn(config, j, joins.getLast().fd(), option);
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

    /**
     * A joined namespace may be the JVM's own (the host's, as a rule): joining it is like
     * leaving the namespace out, but what the container writes into it (a hostname, a
     * sysctl) would change the host's, which the rules refuse for a container without the
     * namespace and are refused here for the same reason.
     */
    private static void refuseWritesToTheJvmsOwn(LaunchConfig config, LaunchConfig.JoinedNamespace j, int fd,
                                                  String option) throws SyscallException {
        List<String> writes = new ArrayList<>();
        for (String sysctl : config.sysctls().keySet()) {
            if (namespaceOf(sysctl) == j.type()) {
                writes.add("sysctl(\"" + sysctl + "\", ...)");
            }
        }
        if (j.type() == Namespace.UTS && config.hostname() != null) {
            writes.add("hostname(\"" + config.hostname() + "\")");
        }
        if (j.type() == Namespace.UTS && config.domainname() != null) {
            writes.add("domainname(\"" + config.domainname() + "\")");
        }
        if (writes.isEmpty()) {
            return;
        }
        Libc.FileStatus joined = Libc.fstat(fd);
        int own = Libc.openat2(linux_h.AT_FDCWD(), "/proc/thread-self/ns/" + Namespaces.typeName(
                (int) ContainerLauncher.namespaceFlag(j.type())), linux_h.O_RDONLY() | linux_h.O_CLOEXEC(), 0);
        Libc.FileStatus jvm;
        try {
            jvm = Libc.fstat(own);
        } finally {
            Libc.closeQuietly(own);
        }
        if (joined.device() == jvm.device() && joined.inode() == jvm.inode()) {
            throw new IllegalArgumentException(j.path() + " is this JVM's own " + j.type() + " namespace, so "
                    + String.join(" and ", writes) + " would change the host's, not the container's: leave "
                    + (writes.size() > 1 ? "them" : "it") + " out, or join another namespace");
        }
    }

    /** The namespace a sysctl {@code build()} allowed belongs to. */
    private static Namespace namespaceOf(String sysctl) {
        if (sysctl.startsWith("net.")) {
            return Namespace.NETWORK;
        }
        if (sysctl.equals("kernel.hostname") || sysctl.equals("kernel.domainname")) {
            return Namespace.UTS;
        }
        return Namespace.IPC;
    }

    /** Closes the JVM's descriptors of the joined namespaces: the child is in them, or was never made. */
    static void close(List<Spawner.Join> joins) {
        for (Spawner.Join j : joins) {
            Libc.closeQuietly(j.fd());
        }
    }
}
