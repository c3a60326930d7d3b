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
 * never by looking at the host. The child runs a straight list of syscalls with no
 * branches, so each path takes a sequence whose last step can only succeed when the path
 * is covered or is not there at all:
 *
 * <ol>
 * <li>masked: bind /dev/null onto it (may fail: ENOTDIR for a directory), then mount the
 *     read-only tmpfs (may fail: ENOTDIR for a file, now covered); read-only: bind it onto
 *     itself (may fail);</li>
 * <li>{@code openat(path, O_PATH)} (may fail: the path is not there), then
 *     {@code openat("/sys", O_PATH)}, which gets the fd the path would have had if that
 *     failed: fd numbers are the lowest free ones, so the next step's fd is the path's
 *     top mount when it exists and /sys, read-only already, when it does not;</li>
 * <li>{@code mount_setattr(fd, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY)}, which must not fail:
 *     it fails with EINVAL unless the fd is the root of a mount, that is unless the mask
 *     or the bind is there (or the path was missing and the fd is /sys). So a mask that
 *     fails for any reason but the path not being there fails the start, as in runc, and
 *     the error names the path and the option.</li>
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

    /** A mount that is always there and already read-only: it stands in for a missing path. */
    private static final String STAND_IN = "/sys";

    private MaskedPaths() {
    }

    /** Adds the steps, each path under its own purpose, after /proc, /sys and /dev are mounted. */
    public static void addSteps(ChildProgram.Builder p, List<String> masked, List<String> readonly) {
        for (String path : masked) {
            p.setsUp("masked path " + path, "maskedPaths");
            p.mount("/dev/null", path, null, linux_h.MS_BIND(), null).mayFail().note("masked, if a file");
            p.mount("tmpfs", path, "tmpfs", linux_h.MS_RDONLY(), null).mayFail().note("masked, if a directory");
            checkCovered(p, path, "masked, or missing");
        }
        for (String path : readonly) {
            p.setsUp("read-only path " + path, "readonlyPaths");
            p.mount(path, path, null, linux_h.MS_BIND() | linux_h.MS_REC(), null).mayFail().note("read-only");
            checkCovered(p, path, "read-only, or missing");
        }
    }

    /** The fd trick of the class comment: fails unless {@code path} is a mount's root, or not there. */
    private static void checkCovered(ChildProgram.Builder p, String path, String note) {
        int fd = p.open(path, linux_h.O_PATH() | linux_h.O_CLOEXEC(), 0);
        p.mayFail().note("missing: " + STAND_IN + " gets fd " + fd + " instead");
        int standIn = p.open(STAND_IN, linux_h.O_PATH() | linux_h.O_DIRECTORY() | linux_h.O_CLOEXEC(), 0);
        p.mountSetattr(fd, false, linux_h.MOUNT_ATTR_RDONLY(), "MOUNT_ATTR_RDONLY").note(note);
        p.close(fd);
        p.close(standIn).mayFail().note("open only if " + path + " was there");
    }
}
