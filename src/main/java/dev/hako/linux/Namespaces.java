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
}
