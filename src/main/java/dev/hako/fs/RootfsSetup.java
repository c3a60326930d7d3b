package dev.hako.fs;

import dev.hako.ContainerException;
import dev.hako.Rootfs;
import dev.hako.linux.DeviceFile;
import dev.hako.linux.FileCalls;
import dev.hako.linux.Filesystems;
import dev.hako.linux.Kernel;
import dev.hako.linux.Libc;
import dev.hako.linux.Overlayfs;
import dev.hako.linux.Overlayfs.WhiteoutForm;
import dev.hako.linux.StandardDevices;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;
import dev.hako.program.ChildProgram;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The child's root: made ready from the host's view (a bind, an overlay, or a tmpfs of
 * read-only host directories), then pivoted into, with the host's root detached; then
 * /proc, a read-only /sys and a small /dev, as Docker and runc lay them out.
 *
 * <p>Everything mounted after the pivot is mounted by path inside the new root, with the
 * host's root already gone, so no path the container's files control can lead outside it.
 * Everything that needs a host path (rootfs, layers, bind sources) is opened before.
 */
public final class RootfsSetup {
    /**
     * Where overlay and host roots are assembled: hidden under a tmpfs that exists only in
     * the child's mount namespace, so the host's mount table never shows them.
     */
    private static final Path STAGING = Path.of("/run/hako");
    private static volatile Path staging;

    /**
     * Where the child mounts its staging tmpfs: {@code /run/hako} for a JVM with root; for one
     * without, which cannot make that, {@code $XDG_RUNTIME_DIR/hako} (the user's own runtime
     * directory), else a private directory made once in {@code java.io.tmpdir}. Only an
     * empty mount point on the host: what is mounted there exists in the child's mount
     * namespace alone.
     */
    public static Path staging() {
        Path s = staging;
        if (s == null) {
            synchronized (RootfsSetup.class) {
                s = staging;
                if (s == null) {
                    staging = s = chooseStaging();
                }
            }
        }
        return s;
    }

    private static Path chooseStaging() {
        if (!Kernel.rootless()) {
            return STAGING;
        }
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        try {
            if (runtime != null && !runtime.isEmpty()) {
                Path dir = Path.of(runtime);
                if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                        && Integer.toUnsignedLong((Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS))
                        == Kernel.effectiveUid()) {
                    return dir.resolve("hako");
                }
            }
            Path made = Files.createTempDirectory("hako-staging-");
            made.toFile().deleteOnExit();
            return made;
        } catch (IOException e) {
            throw new UncheckedIOException("making a staging directory for containers failed", e);
        }
    }

    private static final List<String[]> DEV_LINKS = List.of(
            new String[] {"/proc/self/fd", "/dev/fd"}, new String[] {"/proc/self/fd/0", "/dev/stdin"},
            new String[] {"/proc/self/fd/1", "/dev/stdout"}, new String[] {"/proc/self/fd/2", "/dev/stderr"},
            new String[] {"pts/ptmx", "/dev/ptmx"});

    /** The host's system directories a {@link Rootfs.Host} shows, where they exist. */
    private static final List<String> HOST_DIRS = List.of("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64",
            "/libx32", "/etc", "/opt");

    private RootfsSetup() {
    }

    /**
     * For a directory rootfs whose root inside is not the host's root (a user namespace): the
     * empty files the generated /etc files are bound onto, made now by the JVM where they are
     * missing, since the container's root may not create them in a directory the host's root
     * owns (the child makes them itself otherwise). Each path is resolved inside the rootfs
     * ({@code RESOLVE_IN_ROOT}, no magic links), so no link of the image leads out of it; what
     * is there already, whatever it is, is left alone and never opened.
     */
    public static void makeMountPoints(Rootfs rootfs, List<String> files) throws IOException {
        if (!(rootfs instanceof Rootfs.Directory d)) {
            return;
        }
        long resolve = linux_h.RESOLVE_IN_ROOT() | linux_h.RESOLVE_NO_MAGICLINKS();
        int root = Libc.openat2(linux_h.AT_FDCWD(), d.path().toString(),
                linux_h.O_PATH() | linux_h.O_DIRECTORY() | linux_h.O_CLOEXEC(), 0);
        try {
            for (String file : files) {
                String relative = file.substring(1);
                try {
                    Libc.close(Libc.openat2(root, relative, linux_h.O_PATH() | linux_h.O_NOFOLLOW() | linux_h.O_CLOEXEC(),
                            resolve));
                    continue; // there: the child binds onto it
                } catch (SyscallException e) {
                    if (e.errno() != linux_h.ENOENT()) {
                        continue; // the child's bind says what is wrong with it
                    }
                }
                try {
                    Libc.close(Libc.openat2(root, relative, linux_h.O_WRONLY() | linux_h.O_CREAT() | linux_h.O_EXCL()
                            | linux_h.O_NOFOLLOW() | linux_h.O_NONBLOCK() | linux_h.O_CLOEXEC(), 0644, resolve));
                } catch (SyscallException e) {
                    // No /etc, or it changed meanwhile: the child's bind fails and names the path.
                }
            }
        } finally {
            Libc.closeQuietly(root);
        }
    }

    /**
     * Creates what the child needs on the host before it starts: staging point, overlay
     * upper and work. First checks, so that a start that cannot work creates nothing, that
     * the kernel reads the whiteouts of every overlay layer and that a persistent upper
     * and its work directory are on a filesystem overlayfs takes as an upper layer.
     * {@code rootUid}, {@code rootGid}: the host ids of the container's root, a user
     * namespace's (-1 without one): first checks that it can reach the rootfs at all, since
     * root inside has no say over the host's files. {@code layersIdmapped}: the overlay's
     * lower layers reach the child as idmapped copies the JVM makes, so the container's root
     * never looks them up on the host. A persistent upper and its work directory become the
     * container root's, which writes there.
     *
     * @return the option the overlay's mount needs besides its directories (see
     *     {@link #mountRoot}), read once here from the layers' records; null for none
     * @throws ContainerException naming the path, its filesystem and what to do
     */
    public static String prepareHost(Rootfs rootfs, long rootUid, long rootGid, boolean layersIdmapped)
            throws IOException {
        String overlayOption = null;
        if (rootUid >= 0) {
            for (Path dir : switch (rootfs) {
                case Rootfs.Directory d -> List.of(d.path());
                case Rootfs.Overlay o -> layersIdmapped ? List.<Path>of() : o.lowers();
                case Rootfs.Host h -> List.<Path>of();
            }) {
                HostAccess.checkReachable(dir, rootUid, rootGid);
            }
        }
        if (rootfs instanceof Rootfs.Overlay o) {
            try {
                overlayOption = Overlayfs.mountOptionFor(o.lowers()); // one mount must read every layer's form
                List<Path> missed = rootUid >= 0 ? Overlayfs.missedByUserxattr(o.lowers()) : List.of();
                if (!missed.isEmpty()) {
                    throw new ContainerException("the overlay layers " + missed + " keep their whiteout markers in"
                            + " trusted.overlay.* only (unpacked by an older hako, or on a filesystem without user"
                            + " xattrs), which an overlay mounted in a user namespace cannot read: import the image"
                            + " again with this version, or run the container without a user namespace");
                }
            } catch (IllegalArgumentException e) {
                throw new ContainerException(e.getMessage(), e);
            }
            if (o.upper() != null) {
                checkUpperFilesystem(o.upper(), o.upper(), "");
                checkUpperFilesystem(o.upper(), o.workDir(), "the work directory " + o.workDir() + " of ");
            }
        }
        Path stagingDir = staging();
        if (!Files.isDirectory(stagingDir)) {
            Files.createDirectories(stagingDir);
        }
        if (rootfs instanceof Rootfs.Overlay o && o.upper() != null) {
            Files.createDirectories(o.upper());
            Files.createDirectories(o.workDir());
            if (rootUid >= 0 && !Kernel.rootless()) {
                for (Path dir : List.of(o.upper(), o.workDir())) {
                    Files.setAttribute(dir, "unix:gid", (int) rootGid, LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(dir, "unix:uid", (int) rootUid, LinkOption.NOFOLLOW_LINKS);
                }
            }
        }
        return rootUid >= 0 && rootfs instanceof Rootfs.Overlay ? Overlayfs.USERXATTR : overlayOption;
    }

    /** The overlay option {@link #prepareHost} returns, without its checks and work: for a printed plan. */
    public static String overlayOption(Rootfs rootfs, boolean inUserNamespace) {
        if (!(rootfs instanceof Rootfs.Overlay o)) {
            return null;
        }
        return inUserNamespace ? Overlayfs.USERXATTR : Overlayfs.mountOptionFor(o.lowers());
    }

    /** A persistent upper or its work directory on a filesystem overlayfs refuses there fails with EINVAL: say why first. */
    private static void checkUpperFilesystem(Path upper, Path dir, String which) throws ContainerException {
        long type;
        try {
            type = Filesystems.typeOfNearest(dir);
        } catch (SyscallException e) {
            return; // creating it will fail and say why
        }
        String why = Filesystems.whyNotOverlayUpper(type);
        if (why != null) {
            throw new ContainerException(which + "the overlay rootfs's persistent upper directory " + upper + " is on "
                    + Filesystems.name(type) + ", which cannot hold an overlay's upper layer (" + why + "): put it on"
                    + " ext4, xfs, btrfs or tmpfs (a volume, where the machine's own root is overlayfs), or leave out"
                    + " persistent(...) for an upper layer that vanishes with the container");
        }
    }

    /**
     * Makes every mount in the child's namespace a slave, first thing, as runc does:
     * nothing mounted from here on propagates to the host, while the host's mount events
     * still reach binds that ask for them (see {@code Mount.Propagation}).
     */
    public static void makeSlave(ChildProgram.Builder p) {
        p.mount(null, "/", null, linux_h.MS_REC() | linux_h.MS_SLAVE(), null)
                .note("nothing mounted from here on propagates to the host");
    }

    /**
     * Mounts the new root, the staging tmpfs already mounted; returns its path (host view).
     * For an overlay, {@code layerFds} are the child's fds of idmapped copies of its lower
     * layers, in order (a container in a user namespace, whose JVM made them:
     * {@code dev.hako.linux.IdmappedMount}), attached on the staging tmpfs and stacked instead
     * of the host paths (empty: the host paths); {@code overlayOption} is what
     * {@link #prepareHost} said the mount needs besides its directories ({@code userxattr}
     * inside a user namespace, which can read and write the layers' markers only as
     * {@code user.overlay.*}), or null.
     */
    public static String mountRoot(ChildProgram.Builder p, Rootfs rootfs, List<Integer> layerFds,
                                   String overlayOption) {
        return switch (rootfs) {
            case Rootfs.Directory d -> {
                String root = d.path().toString();
                p.mount(root, root, null, linux_h.MS_BIND() | linux_h.MS_REC(), null)
                        .note("pivot_root needs the new root to be a mount point");
                yield root;
            }
            case Rootfs.Overlay o -> overlay(p, o, layerFds.isEmpty() ? o.lowers().stream().map(Path::toString).toList()
                    : attachLayers(p, layerFds), overlayOption);
            case Rootfs.Host h -> hostView(p);
        };
    }

    /**
     * Mounts the staging tmpfs, where generated files and overlay or host roots are put
     * together; visible in the child's mount namespace only, gone with it.
     */
    public static void stage(ChildProgram.Builder p) {
        p.mount("tmpfs", staging().toString(), "tmpfs", linux_h.MS_NOSUID() | linux_h.MS_NODEV(), "mode=700")
                .note("a private staging area, visible in this mount namespace only");
    }

    /** Each idmapped layer at {@code <staging>/layer-N}; returns those paths. */
    private static List<String> attachLayers(ChildProgram.Builder p, List<Integer> layerFds) {
        List<String> paths = new java.util.ArrayList<>();
        for (int i = 0; i < layerFds.size(); i++) {
            String at = staging() + "/layer-" + i;
            int fd = layerFds.get(i);
            p.mkdir(at, 0755).moveMount(fd, at)
                    .note("lower layer " + i + ", idmapped: its files show their own owners inside").close(fd);
            paths.add(at);
        }
        return paths;
    }

    private static String overlay(ChildProgram.Builder p, Rootfs.Overlay o, List<String> lowerPaths, String option) {
        String staging = staging().toString();
        String root = staging + "/root";
        p.mkdir(root, 0755);
        String upper;
        String work;
        if (o.upper() == null) {
            upper = staging + "/upper";
            work = staging + "/work";
            p.mkdir(upper, 0755).note("the writable layer lives on the staging tmpfs and dies with the container");
            p.mkdir(work, 0755);
        } else {
            upper = o.upper().toString();
            work = o.workDir().toString();
        }
        String lowers = String.join(":", lowerPaths);
        p.mount("overlay", root, "overlay", 0, "lowerdir=" + lowers + ",upperdir=" + upper + ",workdir=" + work
                        + (option == null ? "" : "," + option))
                .note("reads whiteouts in either form, with no option; dmesg says why overlayfs refuses a mount");
        return root;
    }

    private static String hostView(ChildProgram.Builder p) {
        String staging = staging().toString();
        String root = staging + "/root";
        p.mkdir(root, 0755);
        p.mount("tmpfs", root, "tmpfs", linux_h.MS_NOSUID() | linux_h.MS_NODEV(), "mode=755")
                .note("an empty, writable root to show the host's directories on");
        p.mkdir(root + "/root", 0700).note("root's home, the default HOME=/root");
        for (String dir : HOST_DIRS) {
            Path host = Path.of(dir);
            String target = root + dir;
            try {
                if (Files.isSymbolicLink(host)) {
                    p.symlink(Files.readSymbolicLink(host).toString(), target).note("as on the host");
                } else if (Files.isDirectory(host)) {
                    p.mkdir(target, 0755)
                            .mount(dir, target, null, linux_h.MS_BIND() | linux_h.MS_REC(), null)
                            .mount(null, target, null, linux_h.MS_REMOUNT() | linux_h.MS_BIND() | linux_h.MS_RDONLY(), null);
                }
            } catch (IOException e) {
                // Unreadable on the host: the container simply does not get it.
            }
        }
        return root;
    }

    /** pivot_root into {@code newRoot} and detach the host's root. */
    public static void pivot(ChildProgram.Builder p, String newRoot) {
        p.setsUp("pivot_root into the rootfs, the host's root detached", "rootfs");
        int oldRoot = p.open("/", linux_h.O_DIRECTORY() | linux_h.O_RDONLY() | linux_h.O_CLOEXEC(), 0);
        p.note("the host's root, to detach after the pivot")
                .chdir(newRoot)
                .pivotRoot(".", ".")
                .note("the old root ends up stacked on the new one: no put_old directory needed")
                .fchdir(oldRoot)
                .umount2(".", linux_h.MNT_DETACH())
                .note("detach the host's root from the container")
                .close(oldRoot)
                .chdir("/");
    }

    /** The child's fds of a /proc and a /sys made before the pivot ({@link #stageSystem}). */
    public record StagedSystem(int proc, int sys) {
    }

    /**
     * For a container in a user namespace: its /proc and /sys, made before the pivot and
     * kept as detached copies to attach after it. The kernel lets a process in a user
     * namespace mount a new proc or sysfs only while one that shows everything is in its
     * mount namespace (else the new one could show what the host's mounts hide), and after
     * the pivot the host's is gone. So they are mounted on the staging tmpfs (hako's own
     * directory, not a path of the image). A new sysfs also needs the container's own
     * network namespace (it shows that namespace's devices); without one the container
     * gets a read-only copy of the host's /sys, as rootless podman does; likewise a new proc
     * needs a PID namespace of its own, else it gets a copy of the host's /proc.
     */
    public static StagedSystem stageSystem(ChildProgram.Builder p, boolean ownNetwork, boolean ownPids) {
        long noSuidDevExec = linux_h.MS_NOSUID() | linux_h.MS_NODEV() | linux_h.MS_NOEXEC();
        int clone = linux_h.OPEN_TREE_CLONE() | linux_h.OPEN_TREE_CLOEXEC();
        int procFd;
        if (ownPids) {
            String proc = staging() + "/proc";
            p.mkdir(proc, 0555)
                    .mount("proc", proc, "proc", noSuidDevExec, null)
                    .note("while the host's /proc is still in this mount namespace, which a user namespace requires");
            procFd = p.openTree(proc, clone);
            p.note("to attach at /proc after the pivot");
        } else {
            procFd = p.openTree("/proc", clone | linux_h.AT_RECURSIVE());
            p.note("the host's /proc: a new one needs a PID namespace of the user namespace's own");
        }
        int sysFd;
        if (ownNetwork) {
            String sys = staging() + "/sys";
            p.mkdir(sys, 0555).mount("sysfs", sys, "sysfs", noSuidDevExec | linux_h.MS_RDONLY(), null);
            sysFd = p.openTree(sys, clone);
            p.note("to attach at /sys after the pivot");
        } else {
            sysFd = p.openTree("/sys", clone | linux_h.AT_RECURSIVE());
            p.note("the host's /sys: a new sysfs needs the container's own network namespace")
                    .mountSetattr(sysFd, true, linux_h.MOUNT_ATTR_RDONLY() | linux_h.MOUNT_ATTR_NOSUID()
                            | linux_h.MOUNT_ATTR_NODEV() | linux_h.MOUNT_ATTR_NOEXEC(),
                            "MOUNT_ATTR_RDONLY|MOUNT_ATTR_NOSUID|MOUNT_ATTR_NODEV|MOUNT_ATTR_NOEXEC");
        }
        return new StagedSystem(procFd, sysFd);
    }

    /**
     * /proc, a read-only /sys and /dev, inside the new root; /dev gets the standard
     * devices ({@link StandardDevices}) and then {@code devices}, each with its parent
     * directories, made here unless /proc and /sys were {@code staged} (a container in a
     * user namespace, which gets binds of the host's nodes instead: {@link MountSetup#attachDevices}). Whether a
     * process may open them is the device policy's to say (the cgroup's), not the node's.
     * {@code ttyGroupMapped}: whether gid 5 (tty) is an id of the container, which devpts
     * then gives the ptys it makes, as Docker does; else they keep the creator's gid.
     */
    public static void mountSystem(ChildProgram.Builder p, List<DeviceNode> devices, StagedSystem staged,
                                   boolean ttyGroupMapped) {
        long noSuidDevExec = linux_h.MS_NOSUID() | linux_h.MS_NODEV() | linux_h.MS_NOEXEC();
        boolean boundDevices = staged != null;
        if (staged == null) {
            p.mkdir("/proc", 0555).mayFail()
                    .mount("proc", "/proc", "proc", noSuidDevExec, null)
                    .note("a fresh /proc: only a process inside the new PID namespace can mount the right one");
            p.mkdir("/sys", 0555).mayFail()
                    .mount("sysfs", "/sys", "sysfs", noSuidDevExec | linux_h.MS_RDONLY(), null);
        } else {
            p.mkdir("/proc", 0555).mayFail().moveMount(staged.proc(), "/proc").close(staged.proc());
            p.mkdir("/sys", 0555).mayFail().moveMount(staged.sys(), "/sys").close(staged.sys());
        }
        p.mkdir("/dev", 0755).mayFail()
                .mount("tmpfs", "/dev", "tmpfs", linux_h.MS_NOSUID() | linux_h.MS_STRICTATIME(), "mode=755,size=65536k");
        p.umask(0).note("device and directory modes exactly as given");
        if (!boundDevices) {
            for (StandardDevices.Node d : StandardDevices.NODES) {
                p.mknodChar("/dev/" + d.name(), 0666, d.major(), d.minor(), linux_h.gnu_dev_makedev(d.major(), d.minor()));
            }
        }
        p.mkdir("/dev/pts", 0755)
                .mount("devpts", "/dev/pts", "devpts", linux_h.MS_NOSUID() | linux_h.MS_NOEXEC(),
                        "newinstance,ptmxmode=0666,mode=0620" + (ttyGroupMapped ? ",gid=5" : ""))
                .note("a private pty instance, not the host's");
        p.mkdir("/dev/shm", 01777)
                .mount("shm", "/dev/shm", "tmpfs", noSuidDevExec, "mode=1777,size=65536k");
        p.mkdir("/dev/mqueue", 0755)
                .mount("mqueue", "/dev/mqueue", "mqueue", noSuidDevExec, null);
        for (String[] link : DEV_LINKS) {
            p.symlink(link[0], link[1]);
        }
        for (DeviceNode d : boundDevices ? List.<DeviceNode>of() : devices) {
            p.setsUp("the device " + d.path(), "device");
            String dir = "/dev";
            for (String part : d.path().substring(dir.length() + 1, d.path().lastIndexOf('/') + 1).split("/")) {
                if (!part.isEmpty()) {
                    dir += "/" + part;
                    p.mkdir(dir, 0755).mayFail();
                }
            }
            DeviceFile host = d.host();
            p.mknodDevice(d.path(), host.typeBits(), host.mode(), host.major(), host.minor(), host.device())
                    .note("the host's type, numbers and mode");
            p.chown(d.path(), host.uid(), host.gid()).note("and its owner, as Docker does");
        }
        if (!devices.isEmpty() && !boundDevices) {
            p.setsUpInternals("/dev");
        }
        p.umask(022).note("the umask a container's processes start with, as in Docker");
    }

    /** Writable tmpfs directories of a host rootfs. */
    public static void mountWritableDirs(ChildProgram.Builder p, Rootfs rootfs) {
        if (rootfs instanceof Rootfs.Host h) {
            for (String dir : h.writableDirs()) {
                makeDirectories(p, dir);
                p.mount("tmpfs", dir, "tmpfs", linux_h.MS_NOSUID() | linux_h.MS_NODEV(), "mode=1777");
            }
        }
    }

    /** Creates {@code dir} and its parents inside the container, each allowed to exist already. */
    public static void makeDirectories(ChildProgram.Builder p, String dir) {
        for (int slash = dir.indexOf('/', 1); ; slash = dir.indexOf('/', slash + 1)) {
            String prefix = slash < 0 ? dir : dir.substring(0, slash);
            if (prefix.length() > 1 && !prefix.endsWith("/")) {
                p.mkdir(prefix, 0755).mayFail();
            }
            if (slash < 0) {
                return;
            }
        }
    }

    /** Makes the root mount read-only; the mounts on top of it (/proc, /dev, ...) keep their own flags. */
    public static void makeRootReadonly(ChildProgram.Builder p) {
        p.mount(null, "/", null, linux_h.MS_REMOUNT() | linux_h.MS_BIND() | linux_h.MS_RDONLY(), null)
                .note("read-only rootfs");
    }
}
