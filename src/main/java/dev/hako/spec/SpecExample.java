package dev.hako.spec;

import dev.hako.linux.Kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * The default configuration {@code hako spec} writes, shaped like {@code runc spec}'s: a
 * shell on a terminal in {@code rootfs}, the standard mounts, masked and read-only paths,
 * and new namespaces. Written here from the runtime-spec's description of each field.
 */
final class SpecExample {
    private static final List<String> CAPABILITIES = List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
    private static final String PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private SpecExample() {
    }

    static Spec make(boolean rootless) {
        Process process = new Process(true, null, new Process.User(0L, 0L, null, null, null), List.of("sh"),
                List.of(PATH, "TERM=xterm"), "/",
                new Process.Capabilities(CAPABILITIES, CAPABILITIES, null, CAPABILITIES, CAPABILITIES),
                List.of(new Process.Rlimit("RLIMIT_NOFILE", 1024L, 1024L)), true, null, null, null, null, null);
        List<MountSpec> mounts = new ArrayList<>();
        mounts.add(new MountSpec("/proc", "proc", "proc", null));
        mounts.add(new MountSpec("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
        mounts.add(new MountSpec("/dev/pts", "devpts", "devpts", rootless
                ? List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620")
                : List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")));
        mounts.add(new MountSpec("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777",
                "size=65536k")));
        mounts.add(new MountSpec("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")));
        if (rootless) {
            // A plain user may not mount a new sysfs outside a network namespace of its own: the host's, bound.
            mounts.add(new MountSpec("/sys", "none", "/sys", List.of("rbind", "nosuid", "noexec", "nodev", "ro")));
        } else {
            mounts.add(new MountSpec("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")));
            mounts.add(new MountSpec("/sys/fs/cgroup", "cgroup", "cgroup",
                    List.of("nosuid", "noexec", "nodev", "relatime", "ro")));
        }
        List<Linux.Namespace> namespaces = new ArrayList<>();
        namespaces.add(new Linux.Namespace("pid", null));
        if (!rootless) {
            namespaces.add(new Linux.Namespace("network", null));
        }
        namespaces.add(new Linux.Namespace("ipc", null));
        namespaces.add(new Linux.Namespace("uts", null));
        namespaces.add(new Linux.Namespace("mount", null));
        namespaces.add(new Linux.Namespace("cgroup", null));
        List<IdMap> uids = null;
        List<IdMap> gids = null;
        Resources resources = null;
        if (rootless) {
            namespaces.add(new Linux.Namespace("user", null));
            uids = List.of(new IdMap(0L, Kernel.effectiveUid(), 1L));
            gids = List.of(new IdMap(0L, Kernel.effectiveGid(), 1L));
        } else {
            resources = new Resources(List.of(new Resources.DeviceRule(false, null, null, null, "rwm")), null, null,
                    null, null, null, null, null, null);
        }
        Linux linux = new Linux(namespaces, uids, gids, null, null, null, resources, null, null, null,
                List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"),
                List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"), null, null, null);
        return new Spec(Spec.OCI_VERSION, process, new Root("rootfs", true), "hako", null, mounts, null, null, linux);
    }
}
