package dev.hako.cgroup;

import dev.hako.linux.FileCalls;
import dev.hako.linux.Kernel;
import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The processes a container leaves behind when its JVM dies. PR_SET_PDEATHSIG reaches only
 * the container's first process; without a PID namespace (where the kernel ends the rest
 * with PID 1) its children live on. A container that is to die with its JVM is marked with
 * its JVM (pid and start time, as a {@code trusted.} xattr, or {@code user.} for a JVM
 * without root, on one of its cgroup directories,
 * which cgroupfs keeps); the next JVM that sweeps the parent kills whatever is still in a
 * cgroup whose JVM is gone.
 */
final class Orphans {
    static final String OWNER_XATTR = "trusted.hako.owner";
    /**
     * The mark of a JVM without root: {@code trusted.} needs CAP_SYS_ADMIN, while cgroupfs
     * (Linux 5.7+) lets whoever may write a cgroup set {@code user.} attributes on it.
     */
    static final String USER_OWNER_XATTR = "user.hako.owner";
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);
    /**
     * The mark of a container cgroup at an exact path ({@code cgroupPath}), on each of its
     * directories: no sweep of stale cgroups removes it, nor a directory above it.
     */
    static final String EXACT_PATH_XATTR = "trusted.hako.exact-path";

    private Orphans() {
    }

    /** What marks {@code jvm} as the owner: its pid and start time, so a reused pid never matches. */
    static String ownerOf(ProcessHandle jvm) {
        long started = jvm.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
        return jvm.pid() + " " + started;
    }

    /** This JVM as an owner, read once: its start time costs a read of /proc. */
    private static final byte[] THIS_JVM = ownerOf(ProcessHandle.current()).getBytes(StandardCharsets.US_ASCII);

    /**
     * Marks {@code dir} as belonging to this JVM. One directory of a container is enough:
     * the sweep knows a container by its name, the same in every hierarchy.
     */
    static void markThisJvm(Path dir) throws IOException {
        try {
            FileCalls.lsetxattr(dir, Kernel.rootless() ? USER_OWNER_XATTR : OWNER_XATTR, THIS_JVM, 0);
        } catch (SyscallException e) {
            throw new CgroupException("cannot mark cgroup " + dir + " with the JVM that owns it: " + e.getMessage(), e);
        }
    }

    /** Whether {@code dir} names an owner JVM that is no longer running. */
    static boolean ownerIsGone(Path dir) {
        Optional<byte[]> recorded;
        try {
            recorded = FileCalls.lgetxattr(dir, OWNER_XATTR);
            if (recorded.isEmpty()) {
                recorded = FileCalls.lgetxattr(dir, USER_OWNER_XATTR);
            }
        } catch (SyscallException e) {
            return false; // not readable: leave it to the age rule
        }
        if (recorded.isEmpty()) {
            return false; // not marked: a container meant to outlive its JVM, or from an older hako
        }
        String[] f = new String(recorded.get(), StandardCharsets.US_ASCII).split(" ");
        try {
            long pid = Long.parseLong(f[0]);
            return ProcessHandle.of(pid).map(p -> !ownerOf(p).equals(String.join(" ", f))).orElse(true);
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            return false;
        }
    }

    /**
     * Kills the processes {@code pids} read from {@code procs}, each through a pidfd taken
     * before the pid is checked once more: a pid can be reused between reading the file and
     * the kill, but once the pidfd is open and the pid is still listed, the pidfd names the
     * member (a member that died since only makes the signal fail with ESRCH).
     */
    private static void killMembers(Path procs, List<Long> pids) throws IOException {
        for (long pid : pids) {
            int pidfd;
            try {
                pidfd = Libc.pidfdOpen(pid);
            } catch (SyscallException e) {
                continue; // gone already
            }
            try {
                if (CgroupFiles.pids(procs).contains(pid)) {
                    Libc.pidfdSendSignal(pidfd, linux_h.SIGKILL());
                }
            } catch (SyscallException e) {
                // it died between the check and the signal
            } finally {
                Libc.closeQuietly(pidfd);
            }
        }
    }

    /**
     * Kills every process in {@code container}'s subtree (thawing a frozen v1 freezer, or
     * the kill would wait) and waits until none is left.
     *
     * @return whether the subtree is empty now
     */
    static boolean kill(Path container) throws IOException {
        long deadline = System.nanoTime() + KILL_WAIT.toNanos();
        while (true) {
            boolean empty = true;
            for (Path dir : CgroupTree.subtree(container)) {
                Path procs = dir.resolve("cgroup.procs");
                List<Long> pids = CgroupFiles.pids(procs);
                Path state = dir.resolve("freezer.state");
                if (Files.exists(state) && !Files.readString(state).strip().equals("THAWED")) {
                    Files.writeString(state, "THAWED");
                }
                empty &= pids.isEmpty();
                if (System.nanoTime() <= deadline) {
                    killMembers(procs, pids);
                }
            }
            if (empty) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** Marks {@code dir} as a container cgroup at an exact path, which no sweep touches. */
    static void markExactPath(Path dir) throws IOException {
        try {
            FileCalls.lsetxattr(dir, EXACT_PATH_XATTR, new byte[] {'1'}, 0);
        } catch (SyscallException e) {
            throw new CgroupException("cannot mark cgroup " + dir + " as one at an exact path (cgroupPath): "
                    + e.getMessage(), e);
        }
    }

    /** Whether {@code dir} or a directory below it is a container cgroup at an exact path. */
    static boolean holdsExactPath(Path dir) {
        try {
            for (Path d : CgroupTree.subtree(dir)) {
                if (FileCalls.lgetxattr(d, EXACT_PATH_XATTR).isPresent()) {
                    return true;
                }
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return true; // not readable: the safe side is to leave it
        }
    }
}
