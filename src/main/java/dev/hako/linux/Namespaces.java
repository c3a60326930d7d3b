package dev.hako.linux;

/** Descriptors of another process's namespaces, opened from the JVM. */
public final class Namespaces {
    private Namespaces() {
    }

    /**
     * Opens {@code /proc/PID/ns/TYPE} ({@code type} like {@code user} or {@code mnt}),
     * read-only and close-on-exec, for {@code setns} or {@code MOUNT_ATTR_IDMAP}. A pid
     * names a process only until that process is reaped, so the open is checked afterwards
     * against {@code pidfd}, a pidfd of the same process: still there (even as a zombie,
     * whose pid cannot have been reused), the descriptor is that process's namespace.
     *
     * @throws SyscallException when the file cannot be opened, or the process had exited by
     *     then (ESRCH), in which case nothing is left open
     */
    public static int open(long pid, int pidfd, String type) throws SyscallException {
        String path = "/proc/" + pid + "/ns/" + type;
        int fd = Libc.openat2(linux_h.AT_FDCWD(), path, linux_h.O_RDONLY() | linux_h.O_CLOEXEC(), 0);
        try {
            Libc.pidfdSendSignal(pidfd, 0);
        } catch (SyscallException e) {
            Libc.closeQuietly(fd);
            throw new SyscallException("opening " + path + ": process " + pid + " exited meanwhile, so the pid may name"
                    + " another process (pidfd_send_signal(" + pidfd + ", 0))", e.errno());
        }
        return fd;
    }

    /**
     * Opens the namespace file {@code path} (a {@code /proc/PID/ns/TYPE} link, or a bind
     * mount of one like {@code /run/netns/NAME}), read-only and close-on-exec, and checks
     * with {@code NS_GET_NSTYPE} that it is a namespace of {@code type} (a {@code CLONE_NEW*}
     * flag). Nothing is left open on failure.
     *
     * @throws IllegalArgumentException when it is no namespace, or one of another type,
     *     naming the path and what it is
     * @throws SyscallException when it cannot be opened
     */
    public static int openFile(String path, int type) throws SyscallException {
        // O_PATH first: opening a FIFO would block, and a device's open may do something;
        // a namespace file is a regular file, and only that is opened for real, through the
        // same O_PATH descriptor, so the check and the open see one file.
        int handle = Libc.openat2(linux_h.AT_FDCWD(), path, linux_h.O_PATH() | linux_h.O_CLOEXEC(), 0);
        int fd = -1;
        try {
            int kind = Libc.fstat(handle).type();
            if (kind != linux_h.S_IFREG()) {
                throw new IllegalArgumentException(path + " is not a namespace file (" + describeType(kind)
                        + "): give a /proc/PID/ns/* file or a bind mount of one, like /run/netns/NAME");
            }
            fd = Libc.openat2(linux_h.AT_FDCWD(), "/proc/self/fd/" + handle,
                    linux_h.O_RDONLY() | linux_h.O_NONBLOCK() | linux_h.O_NOCTTY() | linux_h.O_CLOEXEC(), 0);
            int actual;
            try {
                actual = Libc.ioctlValue(fd, linux_h.NS_GET_NSTYPE(), "NS_GET_NSTYPE");
            } catch (SyscallException e) {
                if (e.errno() == linux_h.ENOTTY() || e.errno() == linux_h.EINVAL()) {
                    throw new IllegalArgumentException(path + " is not a namespace file (a regular file): give a"
                            + " /proc/PID/ns/* file or a bind mount of one, like /run/netns/NAME");
                }
                throw e;
            }
            if (actual != type) {
                throw new IllegalArgumentException(path + " is a " + typeName(actual) + " namespace, not a "
                        + typeName(type) + " one");
            }
            return fd;
        } catch (SyscallException | RuntimeException e) {
            Libc.closeQuietly(fd);
            throw e;
        } finally {
            Libc.closeQuietly(handle);
        }
    }

    /** The name of a namespace type as /proc/PID/ns names it ({@code net}, {@code uts}, ...). */
    public static String typeName(int type) {
        if (type == linux_h.CLONE_NEWNET()) {
            return "net";
        } else if (type == linux_h.CLONE_NEWUTS()) {
            return "uts";
        } else if (type == linux_h.CLONE_NEWIPC()) {
            return "ipc";
        } else if (type == linux_h.CLONE_NEWPID()) {
            return "pid";
        } else if (type == linux_h.CLONE_NEWCGROUP()) {
            return "cgroup";
        } else if (type == linux_h.CLONE_NEWNS()) {
            return "mnt";
        } else if (type == linux_h.CLONE_NEWUSER()) {
            return "user";
        } else if (type == linux_h.CLONE_NEWTIME()) {
            return "time";
        }
        return Flags.render("CLONE_", type);
    }

    private static String describeType(int kind) {
        return kind == linux_h.S_IFDIR() ? "a directory"
                : kind == linux_h.S_IFCHR() || kind == linux_h.S_IFBLK() ? "a device"
                : kind == linux_h.S_IFIFO() ? "a fifo" : "not a regular file";
    }
}
