package dev.hako.fs;

import dev.hako.linux.linux_h;
import dev.hako.program.ChildProgram;

import java.util.List;

/**
 * Docker's defaults for what a container must not read or change in /proc and /sys:
 * masked paths are covered (a file with /dev/null, a directory with an empty read-only
 * tmpfs), read-only paths are bound onto themselves read-only.
 *
 * <p>Everything is decided inside the container, by the child, on the paths as the
 * container sees them (an image may have a path the host lacks, and the other way round),
 * never by looking at the host. The child runs a list of syscalls whose only branch is the
 * trampoline's skip on ENOENT, so each path takes a sequence whose last step can only
 * succeed when the path is covered:
 *
 * <ol>
 * <li>{@code openat(path, O_PATH)}, which skips the rest of the path's steps when it fails
 *     with ENOENT: most default paths do not exist on a given kernel, and each of those
 *     costs this one system call. Any other error (ENOTDIR, EACCES, ...) fails the start.
 *     The fd is closed at once: it only asked whether the path is there;</li>
 * <li>masked: bind /dev/null onto it (may fail: ENOTDIR for a directory), then bind an
 *     empty read-only tmpfs onto it (may fail: ENOTDIR for a file, now covered); read-only:
 *     bind it onto itself (may fail). The empty tmpfs is mounted once for all masked paths,
 *     at a directory of the container's own /dev that is gone again once they are covered:
 *     a bind costs far less than a new tmpfs super block per directory, and a bind that
 *     fails on a file fails before anything is made;</li>
 * <li>{@code mount_setattr(AT_FDCWD, path, 0, MOUNT_ATTR_RDONLY)}, which must not fail: the
 *     path is looked up again, so it names the topmost mount on it (the fd of step 1, opened
 *     before the mount, would name the dentry underneath), and the call fails with EINVAL
 *     unless that is the root of a mount, that is unless the mask or the bind is there. So a
 *     mask that fails for any reason but the path not being there fails the start, as in
 *     runc, and the error names the path and the option.</li>
 * </ol>
 */
public final class MaskedPaths {
    /** What Docker masks by default. */
    public static final List<String> DEFAULT_MASKED = List.of(
            "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
            "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap");

    /** What Docker makes read-only by default. */
    public static final List<String> DEFAULT_READONLY = List.of(
            "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

    /** Where the one empty tmpfs of the masks is while they are made: in hako's own /dev. */
    private static final String EMPTY = "/dev/.hako-masked";

    private MaskedPaths() {
    }

    /** Adds the steps, each path under its own purpose, after /proc, /sys and /dev are mounted. */
    public static void addSteps(ChildProgram.Builder p, List<String> masked, List<String> readonly) {
        if (!masked.isEmpty()) {
            p.setsUp("masked paths", "maskedPaths");
            p.mkdir(EMPTY, 0755).mount("tmpfs", EMPTY, "tmpfs", linux_h.MS_RDONLY(), null)
                    .note("one empty read-only tmpfs: its binds cover the masked directories");
        }
        for (String path : masked) {
            p.setsUp("masked path " + path, "maskedPaths");
            ifThere(p, path, 3);
            p.mount("/dev/null", path, null, linux_h.MS_BIND(), null).mayFail().note("masked, if a file");
            p.mount(EMPTY, path, null, linux_h.MS_BIND(), null).mayFail()
                    .note("masked, if a directory: a bind keeps the tmpfs read-only");
            checkCovered(p, path, "masked");
        }
        if (!masked.isEmpty()) {
            p.setsUp("masked paths", "maskedPaths");
            p.umount2(EMPTY, linux_h.MNT_DETACH()).rmdir(EMPTY).note("the binds keep the tmpfs; its place goes");
        }
        for (String path : readonly) {
            p.setsUp("read-only path " + path, "readonlyPaths");
            ifThere(p, path, 2);
            p.mount(path, path, null, linux_h.MS_BIND() | linux_h.MS_REC(), null).mayFail().note("read-only");
            checkCovered(p, path, "read-only");
        }
    }

    /** Step 1 of the class comment: the open and its close, skipping them and the {@code rest} after. */
    private static void ifThere(ChildProgram.Builder p, String path, int rest) {
        int fd = p.open(path, linux_h.O_PATH() | linux_h.O_CLOEXEC(), 0);
        p.skipIfMissing(1 + rest).note("is it there?");
        p.close(fd);
    }

    /** Step 3 of the class comment: fails unless {@code path} is now a mount's root. */
    private static void checkCovered(ChildProgram.Builder p, String path, String what) {
        p.mountSetattr(path, linux_h.MOUNT_ATTR_RDONLY(), "MOUNT_ATTR_RDONLY").note(what + ": fails unless a mount's root");
    }
}
