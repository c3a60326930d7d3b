package dev.hako;

import dev.hako.cgroup.CgroupLimits;
import dev.hako.cgroup.DevicePolicy;
import dev.hako.cgroup.DeviceRule;
import dev.hako.fs.DeviceNode;
import dev.hako.net.NetworkPlan;
import dev.hako.security.Capabilities;
import dev.hako.security.ResourceLimit;
import dev.hako.spawn.LaunchConfig;
import dev.hako.spec.IdMap;
import dev.hako.spec.Linux;
import dev.hako.spec.MountSpec;
import dev.hako.spec.Process;
import dev.hako.spec.Resources;
import dev.hako.spec.Root;
import dev.hako.spec.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A container's configuration as an OCI config.json ({@link Container#toOciSpec()}): what
 * the builder decided, written in the runtime-spec's terms. Where the spec has no word for
 * what hako does, an annotation under {@code dev.hako.} says it (see {@link #from}).
 */
final class OciSpecs {
    /** The rootfs when it is not a plain directory: an overlay's layers, or the host's view. */
    static final String ROOTFS_ANNOTATION = "dev.hako.rootfs";
    /** The seccomp filter, which the configuration holds compiled only. */
    static final String SECCOMP_ANNOTATION = "dev.hako.seccomp";
    /** The network, when it is more than the namespaces say (a bridge, slirp, another container's). */
    static final String NETWORK_ANNOTATION = "dev.hako.network";
    /** {@code auto} for a user namespace whose maps a start chooses. */
    static final String USERNS_ANNOTATION = "dev.hako.userns";
    /** Whether hako writes /etc/hostname, /etc/hosts and /etc/resolv.conf at start. */
    static final String ETC_FILES_ANNOTATION = "dev.hako.etcFiles";

    private OciSpecs() {
    }

    /** See {@link Container#toOciSpec()}. */
    static Spec from(LaunchConfig c) {
        Map<String, String> annotations = new LinkedHashMap<>();
        Root root = root(c, annotations);
        List<MountSpec> mounts = standardMounts(c);
        for (Mount m : c.mounts()) {
            mounts.add(mount(m, c.userNamespace()));
        }
        if (c.seccomp() != null) {
            annotations.put(SECCOMP_ANNOTATION, c.seccomp().toString());
        }
        switch (c.network()) {
            case NetworkPlan.Bridged b -> annotations.put(NETWORK_ANNOTATION, "bridge " + b.bridge());
            case NetworkPlan.UserMode u -> annotations.put(NETWORK_ANNOTATION, "slirp");
            case NetworkPlan.Joined j -> annotations.put(NETWORK_ANNOTATION, "container");
            case NetworkPlan.Host h -> { }
            case NetworkPlan.LoopbackOnly l -> { }
        }
        if (c.etcFiles()) {
            annotations.put(ETC_FILES_ANNOTATION, "true");
        }
        List<IdMap> uids = null;
        List<IdMap> gids = null;
        if (c.userNamespace() != null) {
            if (c.userNamespace().isAuto()) {
                annotations.put(USERNS_ANNOTATION, "auto");
            } else {
                uids = idMaps(c.userNamespace().uidMap());
                gids = idMaps(c.userNamespace().gidMap());
            }
        }
        Linux linux = new Linux(namespaces(c), uids, gids, null, devices(c.devices()),
                c.cgroupParent().replaceAll("/+$", "") + "/" + c.id(), resources(c.limits(), c.devicePolicy()), null,
                null, null, List.copyOf(c.maskedPaths()), List.copyOf(c.readonlyPaths()), null, null, null);
        return new Spec(Spec.OCI_VERSION, process(c), root, c.hostname(), null, mounts, null,
                annotations.isEmpty() ? null : annotations, linux);
    }

    private static Process process(LaunchConfig c) {
        List<String> env = c.env().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
        Process.User user = new Process.User((long) c.user().uid(), (long) c.user().gid(), null,
                c.user().groups().isEmpty() ? null : c.user().groups().stream().map(Integer::longValue).toList(), null);
        Capabilities caps = c.capabilities();
        List<String> bounding = caps.names();
        Process.Capabilities sets;
        if (c.user().uid() == 0) {
            // Root: permitted and effective are the bounding set, inheritable and ambient empty (see Capabilities).
            sets = new Process.Capabilities(bounding, bounding, List.of(), bounding, List.of());
        } else {
            List<String> granted = bounding.stream()
                    .filter(name -> (caps.grantedToUser() & (1L << Capabilities.number(name, "capabilities"))) != 0)
                    .toList();
            sets = new Process.Capabilities(bounding, granted, granted, granted, granted);
        }
        List<Process.Rlimit> rlimits = c.rlimits().stream()
                .map(r -> new Process.Rlimit("RLIMIT_" + r.name(), r.hard(), r.soft())).toList();
        Process.ConsoleSize size = c.terminal() == null ? null
                : new Process.ConsoleSize((long) c.terminal().rows(), (long) c.terminal().columns());
        return new Process(c.terminal() != null, size, user, c.command(), env, c.workingDir(), sets,
                rlimits.isEmpty() ? null : rlimits, c.noNewPrivileges(), null, null, null, null, null);
    }

    private static Root root(LaunchConfig c, Map<String, String> annotations) {
        return switch (c.rootfs()) {
            case Rootfs.Directory d -> new Root(d.path().toString(), c.readonlyRootfs());
            case Rootfs.Overlay o -> {
                // The merged directory exists only while the container runs: the layers go in an annotation.
                annotations.put(ROOTFS_ANNOTATION, "overlay lowerdir=" + o.lowers().stream().map(Path::toString)
                        .collect(Collectors.joining(":")) + (o.upper() == null ? "" : ",upperdir=" + o.upper()));
                yield new Root(o.lowers().getFirst().toString(), c.readonlyRootfs());
            }
            case Rootfs.Host h -> {
                annotations.put(ROOTFS_ANNOTATION, "host" + (h.writableDirs().isEmpty() ? ""
                        : " writable=" + String.join(",", h.writableDirs())));
                yield new Root("/", true);
            }
        };
    }

    /** What hako mounts itself, with the options it uses. */
    private static List<MountSpec> standardMounts(LaunchConfig c) {
        List<MountSpec> m = new ArrayList<>();
        m.add(new MountSpec("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")));
        m.add(new MountSpec("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
        m.add(new MountSpec("/dev/pts", "devpts", "devpts",
                List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")));
        m.add(new MountSpec("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
        m.add(new MountSpec("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")));
        m.add(new MountSpec("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")));
        m.add(new MountSpec("/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime", "ro")));
        return m;
    }

    private static MountSpec mount(Mount m, UserNamespace ns) {
        return switch (m) {
            case Mount.Bind b -> {
                List<String> options = new ArrayList<>();
                options.add(b.recursive() ? "rbind" : "bind");
                options.add(b.readonly() ? "ro" : "rw");
                String propagation = b.propagation().name().toLowerCase(java.util.Locale.ROOT);
                options.add(b.recursive() ? "r" + propagation : propagation);
                for (Mount.Restriction r : Mount.Restriction.values()) {
                    if (b.restrictions().contains(r)) {
                        options.add(r.name().toLowerCase(java.util.Locale.ROOT));
                    }
                }
                List<IdMap> uids = null;
                List<IdMap> gids = null;
                if (b.idmap()) {
                    if (ns != null && !ns.isAuto()) {
                        uids = idMaps(ns.uidMap());
                        gids = idMaps(ns.gidMap());
                    } else {
                        options.add("idmap"); // the maps are the container's, chosen at start
                    }
                }
                yield new MountSpec(b.target(), "bind", b.source().toString(), options, uids, gids);
            }
            case Mount.Tmpfs t -> {
                List<String> options = new ArrayList<>(List.of("nosuid", "nodev", t.readonly() ? "ro" : "rw"));
                options.add("mode=" + Integer.toOctalString(t.mode()));
                if (t.sizeBytes() > 0) {
                    options.add("size=" + t.sizeBytes());
                }
                yield new MountSpec(t.target(), "tmpfs", "tmpfs", options);
            }
        };
    }

    private static List<Linux.Namespace> namespaces(LaunchConfig c) {
        List<Linux.Namespace> out = new ArrayList<>();
        for (LaunchConfig.JoinedNamespace joined : c.joinedNamespaces()) {
            out.add(new Linux.Namespace(typeOf(joined.type()), joined.path().toString()));
        }
        for (Namespace ns : c.namespaces()) {
            out.add(new Linux.Namespace(typeOf(ns), null));
        }
        return out;
    }

    /** The runtime-spec's name of a namespace. */
    static String typeOf(Namespace ns) {
        return switch (ns) {
            case MOUNT -> "mount";
            case PID -> "pid";
            case UTS -> "uts";
            case IPC -> "ipc";
            case NETWORK -> "network";
            case CGROUP -> "cgroup";
            case USER -> "user";
        };
    }

    private static List<IdMap> idMaps(List<IdMapping> map) {
        return map.stream().map(m -> new IdMap(m.containerId(), m.hostId(), m.count())).toList();
    }

    private static List<Linux.Device> devices(List<DeviceNode> nodes) {
        if (nodes.isEmpty()) {
            return null;
        }
        return nodes.stream().map(n -> new Linux.Device(n.host().block() ? "b" : "c", n.path(), (long) n.host().major(),
                (long) n.host().minor(), n.host().mode(), (long) n.host().uid(), (long) n.host().gid())).toList();
    }

    private static Resources resources(CgroupLimits l, DevicePolicy policy) {
        List<Resources.DeviceRule> rules = new ArrayList<>();
        rules.add(new Resources.DeviceRule(false, null, null, null, "rwm"));
        if (policy != null) {
            for (DeviceRule r : policy.rules()) {
                rules.add(new Resources.DeviceRule(true, String.valueOf(r.type().letter()), number(r.major()),
                        number(r.minor()), r.access()));
            }
        }
        Resources.Memory memory = l.memoryLimit() == null && l.memorySwap() == null && l.memoryReservation() == null
                ? null : new Resources.Memory(l.memoryLimit(), l.memoryReservation(), l.memorySwap(), null, null, null,
                null, null, null);
        Resources.Cpu cpu = l.cpuQuota() == null && l.cpuShares() == null && l.cpusetCpus() == null
                && l.cpusetMems() == null ? null : new Resources.Cpu(l.cpuShares() == null ? null : (long) l.cpuShares(),
                l.cpuQuota(), null, l.cpuQuota() == null ? null : l.effectiveCpuPeriod(), null, null, l.cpusetCpus(),
                l.cpusetMems(), null);
        Resources.Pids pids = l.pidsLimit() == null ? null : new Resources.Pids(l.pidsLimit());
        Resources.BlockIO io = l.ioWeight() == null ? null
                : new Resources.BlockIO(l.ioWeight(), null, null, null, null, null, null);
        return new Resources(rules, memory, cpu, pids, io, null, null, null, null);
    }

    private static Long number(int n) {
        return n == DeviceRule.ANY ? null : (long) n;
    }
}
