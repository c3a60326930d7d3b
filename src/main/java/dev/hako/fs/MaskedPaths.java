package dev.hako.fs;

import dev.hako.linux.linux_h;
import dev.hako.program.ChildProgram;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Docker's defaults for what a container must not read or change in /proc and /sys:
 * masked paths are covered (a file with /dev/null, a directory with an empty read-only
 * tmpfs), read-only paths are bound onto themselves read-only.
 */
public final class MaskedPaths {
    /** What Docker masks by default. */
    public static final List<String> DEFAULT_MASKED = List.of(
            "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
            "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap");

    /** What Docker makes read-only by default. */
    public static final List<String> DEFAULT_READONLY = List.of(
            "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

    /** What each path is on this kernel: looked up once, as /proc and /sys do not change shape. */
    private static final Map<String, Kind> KINDS = new ConcurrentHashMap<>();

    private enum Kind { DIRECTORY, FILE, MISSING }

    private MaskedPaths() {
    }

    private static Kind kind(String path) {
        return KINDS.computeIfAbsent(path, p -> {
            Path host = Path.of(p);
            return Files.isDirectory(host) ? Kind.DIRECTORY : Files.exists(host) ? Kind.FILE : Kind.MISSING;
        });
    }

    /**
     * Adds the steps. Whether a path is a file or a directory is read from the host's
     * /proc and /sys, which the same kernel lays out alike; a path the kernel does not have
     * is skipped, and a step for one that vanished may fail.
     */
    public static void addSteps(ChildProgram.Builder p, List<String> masked, List<String> readonly) {
        for (String path : masked) {
            Kind kind = kind(path);
            if (kind == Kind.DIRECTORY) {
                p.mount("tmpfs", path, "tmpfs", linux_h.MS_RDONLY(), null).mayFail().note("masked");
            } else if (kind == Kind.FILE) {
                p.mount("/dev/null", path, null, linux_h.MS_BIND(), null).mayFail().note("masked");
            }
        }
        for (String path : readonly) {
            if (kind(path) != Kind.MISSING) {
                p.mount(path, path, null, linux_h.MS_BIND() | linux_h.MS_REC(), null).mayFail()
                        .mount(null, path, null, linux_h.MS_REMOUNT() | linux_h.MS_BIND() | linux_h.MS_RDONLY(), null)
                        .mayFail().note("read-only");
            }
        }
    }
}
