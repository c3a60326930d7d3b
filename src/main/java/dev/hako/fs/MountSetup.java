package dev.hako.fs;

import dev.hako.Mount;
import dev.hako.linux.StandardDevices;
import dev.hako.linux.linux_h;
import dev.hako.program.ChildProgram;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Bind mounts (the caller's, and the generated /etc files) and tmpfs mounts.
 *
 * <p>A bind's source is a host path, its target a path in the container: the two are never
 * resolved in the same view. Before the pivot, {@code open_tree(OPEN_TREE_CLONE)} takes a
 * detached copy of each source as an fd; after it, {@code move_mount} attaches the copy at
 * the target, resolved inside the container's root where no symlink can lead out.
 */
public final class MountSetup {
    /** A bind whose source is open as {@code fd} in the child. */
    private record Opened(int fd, Path source, String target, boolean isFile, boolean readOnly, boolean recursive,
                          Mount.Propagation propagation, Set<Mount.Restriction> restrictions, String option) {
    }

    private final List<Opened> opened = new ArrayList<>();

    /**
     * Opens every bind source, from the host's view, before the pivot (and before the staging
     * tmpfs hides anything); {@code idmapped}: the child's fds of the idmapped copies the JVM
     * sent for the {@code idmapped()} binds, in their order, used instead of a copy of the
     * host path.
     */
    public void openSources(ChildProgram.Builder p, List<Mount> mounts, List<Integer> idmapped) {
        int next = 0;
        for (Mount m : mounts) {
            if (m instanceof Mount.Bind b) {
                if (b.idmap() && next < idmapped.size()) {
                    opened.add(new Opened(idmapped.get(next++), b.source(), b.target(), b.isFile(), b.readonly(),
                            b.recursive(), b.propagation(), b.restrictions(), "mount"));
                } else {
                    open(p, b.source(), b.target(), b.isFile(), b.readonly(), b.recursive(), b.propagation(),
                            b.restrictions(), "mount");
                }
            }
        }
    }

    /** Device nodes to bind from the host, opened before the pivot: their fds and targets. */
    private final List<Opened> devices = new ArrayList<>();

    /**
     * Opens the host's device nodes a container in a user namespace gets in its /dev (it
     * may not make nodes: mknod needs CAP_MKNOD in the host's user namespace): the standard
     * ones, then {@code extra}. Whether a process may open them is still the device policy's
     * to say.
     */
    public void openDevices(ChildProgram.Builder p, List<DeviceNode> extra) {
        for (StandardDevices.Node d : StandardDevices.NODES) {
            openDevice(p, "/dev/" + d.name(), "/dev/" + d.name(), "device");
        }
        for (DeviceNode d : extra) {
            openDevice(p, d.hostPath(), d.path(), "device");
        }
    }

    private void openDevice(ChildProgram.Builder p, String host, String target, String option) {
        p.setsUp("the device " + target + " (a bind of the host's " + host + ")", option);
        int fd = p.openTree(host, linux_h.OPEN_TREE_CLONE() | linux_h.OPEN_TREE_CLOEXEC());
        p.note("a detached copy of the host's node");
        devices.add(new Opened(fd, Path.of(host), target, true, false, false, Mount.Propagation.PRIVATE, Set.of(),
                option));
    }

    /** After /dev is mounted: each device opened by {@link #openDevices}, on an empty file of its name. */
    public void attachDevices(ChildProgram.Builder p) {
        for (Opened d : devices) {
            p.setsUp("the device " + d.target() + " (a bind of the host's " + d.source() + ")", d.option());
            String parent = d.target().substring(0, d.target().lastIndexOf('/'));
            RootfsSetup.makeDirectories(p, parent);
            p.createFileIfMissing(d.target(), 0666).note("a file to bind the node onto");
            p.moveMount(d.fd(), d.target()).close(d.fd());
        }
        if (!devices.isEmpty()) {
            p.setsUpInternals("/dev");
        }
    }

    /** Opens the /etc files the child has written onto the staging tmpfs. */
    public void openEtcFiles(ChildProgram.Builder p, List<EtcFiles.Entry> etcFiles) {
        for (EtcFiles.Entry e : etcFiles) {
            open(p, Path.of(e.staged()), e.target(), true, false, false, Mount.Propagation.PRIVATE, Set.of(), "etcFiles");
        }
    }

    private void open(ChildProgram.Builder p, Path source, String target, boolean isFile, boolean readOnly,
                      boolean recursive, Mount.Propagation propagation, Set<Mount.Restriction> restrictions,
                      String option) {
        p.setsUp("bind " + source + " (host) at " + target, option);
        int flags = linux_h.OPEN_TREE_CLONE() | linux_h.OPEN_TREE_CLOEXEC() | (recursive ? linux_h.AT_RECURSIVE() : 0);
        int fd = p.openTree(source.toString(), flags);
        p.note("a detached copy of the source");
        opened.add(new Opened(fd, source, target, isFile, readOnly, recursive, propagation, restrictions, option));
    }

    /** After the pivot: every mount in order, then the /etc files. */
    public void attach(ChildProgram.Builder p, List<Mount> mounts) {
        int next = 0;
        for (Mount m : mounts) {
            switch (m) {
                case Mount.Bind b -> attachBind(p, opened.get(next++));
                case Mount.Tmpfs t -> {
                    p.setsUp("tmpfs at " + t.target(), "mount");
                    RootfsSetup.makeDirectories(p, t.target());
                    p.mount("tmpfs", t.target(), "tmpfs",
                            linux_h.MS_NOSUID() | linux_h.MS_NODEV() | (t.readonly() ? linux_h.MS_RDONLY() : 0), t.options());
                }
            }
        }
        while (next < opened.size()) {
            attachBind(p, opened.get(next++));
        }
    }

    private static void attachBind(ChildProgram.Builder p, Opened o) {
        String target = o.target();
        p.setsUp("bind " + o.source() + " (host) at " + target, o.option());
        String parent = target.substring(0, Math.max(target.lastIndexOf('/'), 0));
        RootfsSetup.makeDirectories(p, parent);
        if (o.isFile()) {
            p.createFileIfMissing(target, 0644).note("a file to mount onto, if there is none yet");
        } else {
            p.mkdir(target, 0755).mayFail();
        }
        // On the detached copy, before it is attached: the container never sees it without them.
        long attrs = 0;
        List<String> names = new ArrayList<>();
        if (o.readOnly()) {
            attrs |= linux_h.MOUNT_ATTR_RDONLY();
            names.add("MOUNT_ATTR_RDONLY");
        }
        for (Mount.Restriction r : List.of(Mount.Restriction.values())) {
            if (o.restrictions().contains(r)) {
                attrs |= switch (r) {
                    case NOSUID -> linux_h.MOUNT_ATTR_NOSUID();
                    case NODEV -> linux_h.MOUNT_ATTR_NODEV();
                    case NOEXEC -> linux_h.MOUNT_ATTR_NOEXEC();
                };
                names.add("MOUNT_ATTR_" + r);
            }
        }
        if (attrs != 0) {
            p.mountSetattr(o.fd(), o.recursive(), attrs, String.join("|", names));
        }
        p.moveMount(o.fd(), target).note("bind " + o.source() + " (host) at " + target + " (container)")
                .close(o.fd());
        long type = switch (o.propagation()) {
            case PRIVATE -> linux_h.MS_PRIVATE();
            case SLAVE -> linux_h.MS_SLAVE();
            case SHARED -> linux_h.MS_SHARED();
        };
        p.mount(null, target, null, type | (o.recursive() ? linux_h.MS_REC() : 0), null);
    }
}
