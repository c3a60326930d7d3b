package dev.hako.oci;

import dev.hako.Mount;
import dev.hako.Rootfs;
import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;
import dev.hako.spawn.LaunchConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What runc checks at create and engines rely on: that the command can be found and run.
 * After create the command's failure would only be an exit code (the JVM that watched the
 * child is gone), so a missing or unrunnable command fails create, with runc's words,
 * which engines turn into 127 and 126. The rootfs is searched as the container will see it:
 * its own symbolic links resolved inside it ({@code RESOLVE_IN_ROOT}); a path under a bind
 * mount is taken on trust (its source is the engine's).
 */
final class CommandCheck {
    private CommandCheck() {
    }

    static void check(LaunchConfig config) throws OciException {
        if (!(config.rootfs() instanceof Rootfs.Directory dir)) {
            return;
        }
        String command = config.command().get(0);
        List<String> candidates = new ArrayList<>();
        for (String c : config.commandCandidates()) { // a relative one is looked up from the working directory
            candidates.add(c.startsWith("/") ? c : config.workingDir() + "/" + c);
        }
        boolean denied = false;
        int root;
        try {
            root = Libc.openat2(linux_h.AT_FDCWD(), dir.path().toString(),
                    linux_h.O_PATH() | linux_h.O_DIRECTORY() | linux_h.O_CLOEXEC(), 0);
        } catch (SyscallException e) {
            throw new OciException("rootfs " + dir.path() + ": " + e.getMessage());
        }
        try {
            for (String candidate : candidates) {
                if (underABind(candidate, config.mounts())) {
                    return;
                }
                int fd;
                try {
                    fd = Libc.openat2(root, candidate, linux_h.O_PATH() | linux_h.O_CLOEXEC(), linux_h.RESOLVE_IN_ROOT());
                } catch (SyscallException e) {
                    continue;
                }
                try {
                    Path file = Path.of("/proc/self/fd/" + fd);
                    if (Files.isRegularFile(file) && Files.isExecutable(file)) {
                        return;
                    }
                    denied = true;
                } finally {
                    Libc.closeQuietly(fd);
                }
            }
        } finally {
            Libc.closeQuietly(root);
        }
        throw new OciException("unable to start container process: exec: \"" + command + "\": "
                + (denied ? "permission denied" : command.contains("/") ? "no such file or directory"
                : "executable file not found in $PATH"));
    }

    private static boolean underABind(String path, List<Mount> mounts) {
        for (Mount m : mounts) {
            if (m instanceof Mount.Bind b && (path.equals(b.target()) || path.startsWith(b.target() + "/"))) {
                return true;
            }
        }
        return false;
    }
}
