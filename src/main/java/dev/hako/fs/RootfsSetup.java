package dev.hako.fs;

import dev.hako.linux.linux_h;
import dev.hako.spawn.ChildProgram;

import java.nio.file.Path;
import java.util.List;

/**
 * The child's filesystem work: make the rootfs its root with pivot_root, detach the
 * host's root, and mount what a container expects — /proc, a read-only /sys, and a small
 * /dev — as Docker and runc lay them out.
 *
 * <p>Everything after the pivot is mounted by path inside the new root, with the host's
 * root already detached, so no path the container controls can lead outside it.
 */
public final class RootfsSetup {
    /** A character device the container's /dev gets. */
    private record Device(String name, int major, int minor) {
    }

    private static final List<Device> DEVICES = List.of(
            new Device("null", 1, 3), new Device("zero", 1, 5), new Device("full", 1, 7),
            new Device("random", 1, 8), new Device("urandom", 1, 9), new Device("tty", 5, 0));

    private static final List<String[]> DEV_LINKS = List.of(
            new String[] {"/proc/self/fd", "/dev/fd"}, new String[] {"/proc/self/fd/0", "/dev/stdin"},
            new String[] {"/proc/self/fd/1", "/dev/stdout"}, new String[] {"/proc/self/fd/2", "/dev/stderr"},
            new String[] {"pts/ptmx", "/dev/ptmx"});

    private RootfsSetup() {
    }

    /**
     * Adds the steps that pivot into {@code rootfs} and mount /proc, /sys and /dev.
     * {@code freeFd} is the lowest free descriptor in the child at this point.
     */
    public static void pivotAndMount(ChildProgram.Builder p, Path rootfs, int freeFd) {
        String root = rootfs.toString();
        p.mount(null, "/", null, linux_h.MS_REC() | linux_h.MS_PRIVATE(), null)
                .note("nothing mounted from here on propagates to the host")
                .mount(root, root, null, linux_h.MS_BIND() | linux_h.MS_REC(), null)
                .note("pivot_root needs the new root to be a mount point")
                .open("/", linux_h.O_DIRECTORY() | linux_h.O_RDONLY() | linux_h.O_CLOEXEC(), 0)
                .note("the host's root, to detach after the pivot; gets fd " + freeFd)
                .chdir(root)
                .pivotRoot(".", ".")
                .note("the old root ends up stacked on the new one: no put_old directory needed")
                .fchdir(freeFd)
                .umount2(".", linux_h.MNT_DETACH())
                .note("detach the host's root from the container")
                .close(freeFd)
                .chdir("/");

        long noSuidDevExec = linux_h.MS_NOSUID() | linux_h.MS_NODEV() | linux_h.MS_NOEXEC();
        p.mkdir("/proc", 0555).mayFail()
                .mount("proc", "/proc", "proc", noSuidDevExec, null)
                .note("a fresh /proc: only a process inside the new PID namespace can mount the right one");
        p.mkdir("/sys", 0555).mayFail()
                .mount("sysfs", "/sys", "sysfs", noSuidDevExec | linux_h.MS_RDONLY(), null);
        p.mkdir("/dev", 0755).mayFail()
                .mount("tmpfs", "/dev", "tmpfs", linux_h.MS_NOSUID() | linux_h.MS_STRICTATIME(), "mode=755,size=65536k");
        p.umask(0).note("device and directory modes exactly as given");
        for (Device d : DEVICES) {
            p.mknodChar("/dev/" + d.name(), 0666, d.major(), d.minor(), linux_h.gnu_dev_makedev(d.major(), d.minor()));
        }
        p.mkdir("/dev/pts", 0755)
                .mount("devpts", "/dev/pts", "devpts", linux_h.MS_NOSUID() | linux_h.MS_NOEXEC(),
                        "newinstance,ptmxmode=0666,mode=0620,gid=5")
                .note("a private pty instance, not the host's");
        p.mkdir("/dev/shm", 01777)
                .mount("shm", "/dev/shm", "tmpfs", noSuidDevExec, "mode=1777,size=65536k");
        p.mkdir("/dev/mqueue", 0755)
                .mount("mqueue", "/dev/mqueue", "mqueue", noSuidDevExec, null);
        for (String[] link : DEV_LINKS) {
            p.symlink(link[0], link[1]);
        }
        p.umask(022).note("the umask a container's processes start with, as in Docker");
    }

    /** Creates {@code dir} and its parents inside the container, each allowed to exist already. */
    public static void makeDirectories(ChildProgram.Builder p, String dir) {
        StringBuilder path = new StringBuilder();
        for (String part : dir.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            path.append('/').append(part);
            p.mkdir(path.toString(), 0755).mayFail();
        }
    }

    /** Makes the root mount read-only; the mounts on top of it (/proc, /dev, ...) keep their own flags. */
    public static void makeRootReadonly(ChildProgram.Builder p) {
        p.mount(null, "/", null, linux_h.MS_REMOUNT() | linux_h.MS_BIND() | linux_h.MS_RDONLY(), null)
                .note("read-only rootfs");
    }
}
