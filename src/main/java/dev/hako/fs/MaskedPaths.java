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
 * trampoline's skip on ENOENT, so the question "file or directory?" is put as a lookup that
 * fails with ENOENT only inside a directory, and no mount is ever tried that can fail: a
 * failed mount is not cheap, since the kernel frees the copy it made and waits for an RCU
 * grace period to pass (about 50 µs here, a fortieth of a start, for each of four wrong
 * tries when both kinds were tried in turn). A masked path takes:
 *
 * <ol>
 * <li>{@code faccessat(path, F_OK)}, which skips the rest when the path is not there: most
 *     default paths do not exist on a given kernel, and each of those costs this one call;</li>
 * <li>{@code faccessat(path + "/" + NOT_INSIDE, F_OK)}: ENOENT means a directory and skips to
 *     step 5; ENOTDIR means a file and goes on;</li>
 * <li>a file: bind /dev/null onto it, then</li>
 * <li>make that bind read-only ({@code mount_setattr}) and jump over step 5;</li>
 * <li>a directory: mount an empty read-only tmpfs onto it.</li>
 * </ol>
 *
 * <p>Any other error fails the start and names the path and the option (a lookup that fails
 * otherwise goes on to the file's bind, which fails on anything but a file), as in runc.
 * A read-only path is step 1, a recursive bind onto itself and the {@code mount_setattr}.
 */
public final class MaskedPaths {
    /** What Docker masks by default. */
    public static final List<String> DEFAULT_MASKED = List.of(
            "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
            "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap");

    /** What Docker makes read-only by default. */
    public static final List<String> DEFAULT_READONLY = List.of(
            "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

    /**
     * A name looked up inside a masked path: only a directory answers ENOENT. A directory
     * that has an entry of this name (an image's own, say) gets the file's bind, which fails
     * the start with ENOTDIR: never a wrong mask.
     */
    public static final String NOT_INSIDE = ".hako-not-a-directory-if-this-is-not-found";

    private MaskedPaths() {
    }

    /** Adds the steps, each path under its own purpose, after /proc, /sys and /dev are mounted. */
    public static void addSteps(ChildProgram.Builder p, List<String> masked, List<String> readonly) {
        int hidden = linux_h.MS_RDONLY() | linux_h.MS_NOSUID() | linux_h.MS_NODEV() | linux_h.MS_NOEXEC();
        for (String path : masked) {
            p.setsUp("masked path " + path, "maskedPaths");
            p.access(path).skipIfMissing(5).note("is it there?");
            p.access(path + "/" + NOT_INSIDE).mayFail().skipIfMissing(3)
                    .note("ENOENT inside a directory, ENOTDIR for a file");
            p.mount("/dev/null", path, null, linux_h.MS_BIND(), null).note("masked: a file");
            p.mountSetattr(path, linux_h.MOUNT_ATTR_RDONLY(), "MOUNT_ATTR_RDONLY");
            p.jump(1);
            p.mount("tmpfs", path, "tmpfs", hidden, null).note("masked: a directory");
        }
        for (String path : readonly) {
            p.setsUp("read-only path " + path, "readonlyPaths");
            p.access(path).skipIfMissing(2).note("is it there?");
            p.mount(path, path, null, linux_h.MS_BIND() | linux_h.MS_REC(), null);
            p.mountSetattr(path, linux_h.MOUNT_ATTR_RDONLY(), "MOUNT_ATTR_RDONLY").note("read-only");
        }
    }
}
