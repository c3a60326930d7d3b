package dev.hako.oci;

import dev.hako.Container;
import dev.hako.Device;
import dev.hako.Mount;
import dev.hako.Namespace;
import dev.hako.Network;
import dev.hako.cgroup.ByteSizes;
import dev.hako.cgroup.DevicePolicy;
import dev.hako.cgroup.DeviceRule;
import dev.hako.linux.DeviceFile;
import dev.hako.linux.StandardDevices;
import dev.hako.seccomp.Profile;
import dev.hako.spec.IdMap;
import dev.hako.spec.Linux;
import dev.hako.spec.MountSpec;
import dev.hako.spec.Process;
import dev.hako.spec.Resources;
import dev.hako.spec.Spec;
import dev.hako.spec.SpecException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A config.json as a {@link Container.Builder}: what {@code create} builds its container
 * from. Everything the builder can do is mapped; what it cannot (yet) do but the spec lets
 * a runtime leave out (AppArmor, SELinux labels, Intel RDT, ...) is accepted and named in a
 * warning, like {@code process.apparmorProfile: not supported, ignored}; a value the
 * builder refuses is a {@link SpecException} naming its JSON path.
 *
 * <p>What an OCI runtime does differently from a library caller: it never writes /etc files
 * ({@code etcFiles(false)}: the engine binds its own), its containers outlive the runtime's
 * process ({@code dieWithJvm(false)}), the seccomp profile is the engine's (none given:
 * {@link Profile#unconfined()}), the namespaces are exactly the listed ones (a network
 * namespace: {@link Network#none()}, which the engine's hooks plumb; none: the host's), and
 * absent capabilities, masked paths and read-only paths mean none. The container's id is
 * not in config.json: the caller sets it ({@link Mapped#build(String)}). Hooks are the
 * runtime's to run and are not mapped here.
 */
public final class SpecMapping {
    /** hako's own mounts, which a config.json lists and the builder makes itself: destination to type. */
    private static final Map<String, Set<String>> STANDARD_MOUNTS = Map.of(
            "/proc", Set.of("proc"),
            "/dev", Set.of("tmpfs"),
            "/dev/pts", Set.of("devpts"),
            "/dev/shm", Set.of("tmpfs"),
            "/dev/mqueue", Set.of("mqueue"),
            "/sys", Set.of("sysfs", "bind", "none"),
            "/sys/fs/cgroup", Set.of("cgroup", "cgroup2"));
    /** Options of the standard mounts that hako's own mounts have or that do not matter for them. */
    private static final Set<String> STANDARD_OPTIONS = Set.of("nosuid", "noexec", "nodev", "ro", "rw", "strictatime",
            "relatime", "newinstance", "rbind", "bind", "private", "rprivate", "slave", "rslave");
    private static final Set<String> STANDARD_DATA = Set.of("mode", "size", "ptmxmode", "gid", "uid");

    private SpecMapping() {
    }

    /**
     * The builder and what was accepted without being applied.
     *
     * @param warnings one line each, starting with the JSON path
     */
    public record Mapped(Container.Builder builder, List<String> warnings) {
        public Mapped {
            Objects.requireNonNull(builder, "builder");
            warnings = List.copyOf(warnings);
        }

        /**
         * Builds the container with id {@code id}: {@link Container.Builder#build()}, whose
         * refusals (rules on the whole configuration) become {@link SpecException}s that
         * name the JSON path the option came from, where one is known.
         */
        public Container build(String id) {
            builder.id(id);
            try {
                return builder.build();
            } catch (SpecException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new SpecException(BuildErrors.pathOf(e.getMessage()) + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Maps {@code spec} (of the bundle {@code bundle}, against which a relative root path
     * and bind sources are resolved) to a builder.
     *
     * @throws SpecException for an invalid value or one the builder refuses, naming its JSON path
     */
    public static Mapped toBuilder(Spec spec, Path bundle) {
        spec.validate();
        return new SpecMapping.Run(spec, bundle).map();
    }

    /** One mapping: the builder being filled and the warnings so far. */
    private static final class Run {
        private final Spec spec;
        private final Path bundle;
        private final Container.Builder b = Container.builder();
        private final List<String> warnings = new ArrayList<>();

        Run(Spec spec, Path bundle) {
            this.spec = spec;
            this.bundle = bundle.toAbsolutePath().normalize();
        }

        Mapped map() {
            b.etcFiles(false).dieWithJvm(false);
            Path root = spec.rootPath(bundle);
            apply("root.path", () -> b.rootfs(root));
            b.readonlyRootfs(Boolean.TRUE.equals(spec.root().readonly()));
            process(spec.process());
            if (spec.hostname() != null && !spec.hostname().isEmpty()) {
                apply("hostname", () -> b.hostname(spec.hostname()));
            }
            if (spec.domainname() != null && !spec.domainname().isEmpty()) {
                apply("domainname", () -> b.domainname(spec.domainname()));
            }
            Linux linux = spec.linux() != null ? spec.linux()
                    : new Linux(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
            namespaces(linux);
            mounts(spec.mounts() == null ? List.of() : spec.mounts());
            b.maskedPaths(linux.maskedPaths() == null ? List.of() : linux.maskedPaths());
            b.readonlyPaths(linux.readonlyPaths() == null ? List.of() : linux.readonlyPaths());
            devices(linux);
            if (linux.resources() != null) {
                resources(linux.resources(), linux.devices());
            }
            if (linux.cgroupsPath() != null && !linux.cgroupsPath().isEmpty()) {
                String cgroupsPath = CgroupsPath.toCgroupfs(linux.cgroupsPath());
                apply("linux.cgroupsPath", () -> b.cgroupPath(cgroupsPath));
            }
            seccomp(linux);
            if (linux.sysctl() != null) {
                linux.sysctl().forEach((name, value) -> apply("linux.sysctl." + name, () -> b.sysctl(name, value)));
            }
            if (linux.rootfsPropagation() != null && !Set.of("private", "rprivate", "slave", "rslave")
                    .contains(linux.rootfsPropagation())) {
                warn("linux.rootfsPropagation", "\"" + linux.rootfsPropagation()
                        + "\" is not supported (hako's mount tree is a slave of the host's), ignored");
            }
            ignored("linux.mountLabel", linux.mountLabel());
            ignored("linux.intelRdt", linux.intelRdt());
            ignored("linux.personality", linux.personality());
            ignored("linux.timeOffsets", linux.timeOffsets());
            return new Mapped(b, warnings);
        }

        private void process(Process p) {
            if (p == null) {
                throw new SpecException("process: is missing (a container needs the command it runs)");
            }
            apply("process.args", () -> b.command(p.args()));
            List<String> env = p.env() == null ? List.of() : p.env();
            Set<String> names = new HashSet<>();
            for (int i = 0; i < env.size(); i++) {
                String entry = env.get(i);
                int eq = entry.indexOf('=');
                String name = entry.substring(0, eq);
                names.add(name);
                apply("process.env[" + i + "]", () -> b.env(name, entry.substring(eq + 1)));
            }
            // Without PATH, HOME or HOSTNAME the builder adds its defaults (PATH's, the user's home,
            // the hostname), which is what a shell would find anyway; not worth a warning on
            // every exec, whose process engines often write without HOSTNAME.
            apply("process.cwd", () -> b.workingDir(p.cwd()));
            Process.User user = p.user();
            long uid = user == null || user.uid() == null ? 0 : user.uid();
            long gid = user == null || user.gid() == null ? 0 : user.gid();
            if (uid != 0 || gid != 0) {
                // Numbers: User.resolve takes "uid:gid" as they are (a passwd entry only gives the home directory).
                apply("process.user", () -> b.user(uid + ":" + gid));
            }
            if (user != null) {
                if (user.umask() != null) {
                    apply("process.user.umask", () -> b.umask(user.umask().intValue()));
                }
                if (user.additionalGids() != null && !user.additionalGids().isEmpty()) {
                    apply("process.user.additionalGids", () -> b.groupAdd(user.additionalGids().stream()
                            .map(String::valueOf).toArray(String[]::new)));
                }
            }
            if (Boolean.TRUE.equals(p.terminal())) {
                b.terminal(true);
                Process.ConsoleSize size = p.consoleSize();
                if (size != null && size.width() != null && size.height() != null && size.width() > 0 && size.height() > 0) {
                    apply("process.consoleSize", () -> b.terminalSize(size.width().intValue(), size.height().intValue()));
                }
            } else if (p.consoleSize() != null) {
                warn("process.consoleSize", "without process.terminal, ignored");
            }
            capabilities(p.capabilities(), uid == 0);
            b.noNewPrivileges(Boolean.TRUE.equals(p.noNewPrivileges()));
            List<Process.Rlimit> rlimits = p.rlimits() == null ? List.of() : p.rlimits();
            for (int i = 0; i < rlimits.size(); i++) {
                Process.Rlimit r = rlimits.get(i);
                apply("process.rlimits[" + i + "]", () -> b.rlimit(r.type(), r.soft(), r.hard()));
            }
            if (p.oomScoreAdj() != null) {
                apply("process.oomScoreAdj", () -> b.oomScoreAdj(p.oomScoreAdj().intValue()));
            }
            ignored("process.apparmorProfile", p.apparmorProfile());
            ignored("process.selinuxLabel", p.selinuxLabel());
            ignored("process.ioPriority", p.ioPriority());
            ignored("process.scheduler", p.scheduler());
        }

        /**
         * The five sets as given (an absent set is empty), through
         * {@code capabilitySets}, which refuses what the kernel would.
         */
        private void capabilities(Process.Capabilities c, boolean root) {
            if (c == null) {
                b.capabilitySets(Set.of(), Set.of(), Set.of(), Set.of(), Set.of());
                return;
            }
            // runc raises each ambient capability as best it can: one the kernel refuses (not in
            // the inheritable and permitted sets, as in runc spec's own example) is left out.
            Set<String> ambient = set(c.ambient());
            Set<String> raisable = new LinkedHashSet<>(ambient);
            raisable.retainAll(set(c.inheritable()));
            raisable.retainAll(set(c.permitted()));
            if (!raisable.equals(ambient)) {
                Set<String> dropped = new LinkedHashSet<>(ambient);
                dropped.removeAll(raisable);
                warn("process.capabilities.ambient", String.join(", ", dropped) + " not in both the inheritable and"
                        + " permitted sets, which the kernel requires: left out of the ambient set, as runc does");
            }
            apply("process.capabilities", () -> b.capabilitySets(set(c.bounding()), set(c.effective()),
                    set(c.permitted()), set(c.inheritable()), raisable));
        }

        private static Set<String> set(List<String> names) {
            return names == null ? Set.of() : new LinkedHashSet<>(names);
        }

        private void namespaces(Linux linux) {
            EnumSet<Namespace> created = EnumSet.noneOf(Namespace.class);
            List<Linux.Namespace> list = linux.namespaces() == null ? List.of() : linux.namespaces();
            for (int i = 0; i < list.size(); i++) {
                Linux.Namespace ns = list.get(i);
                String path = "linux.namespaces[" + i + "]";
                if (ns.type().equals("time")) {
                    warn(path, "time namespaces are not supported, ignored (the container has the host's clocks)");
                    continue;
                }
                Namespace type = switch (ns.type()) {
                    case "cgroup" -> Namespace.CGROUP;
                    case "ipc" -> Namespace.IPC;
                    case "mount" -> Namespace.MOUNT;
                    case "network" -> Namespace.NETWORK;
                    case "pid" -> Namespace.PID;
                    case "user" -> Namespace.USER;
                    case "uts" -> Namespace.UTS;
                    default -> throw new SpecException(path + ".type: \"" + ns.type() + "\" is not a namespace type");
                };
                created.add(type);
                if (ns.path() != null && !ns.path().isEmpty()) {
                    apply(path + ".path", () -> b.joinNamespace(type, Path.of(ns.path())));
                }
            }
            if (!created.contains(Namespace.MOUNT)) {
                throw new SpecException("linux.namespaces: has no mount namespace; hako gives every container one"
                        + " (pivot_root would change the host's root): add {\"type\": \"mount\"}");
            }
            boolean user = created.contains(Namespace.USER);
            List<IdMap> uids = linux.uidMappings() == null ? List.of() : linux.uidMappings();
            List<IdMap> gids = linux.gidMappings() == null ? List.of() : linux.gidMappings();
            if (user && uids.isEmpty()) {
                throw new SpecException("linux.uidMappings: is missing; a user namespace needs its uid mappings");
            }
            if (!user && (!uids.isEmpty() || !gids.isEmpty())) {
                throw new SpecException("linux." + (uids.isEmpty() ? "gid" : "uid") + "Mappings: given, but"
                        + " linux.namespaces has no user namespace to map: add {\"type\": \"user\"}");
            }
            for (int i = 0; i < uids.size(); i++) {
                IdMap m = uids.get(i);
                apply("linux.uidMappings[" + i + "]", () -> b.uidMap(m.containerID(), m.hostID(), m.size()));
            }
            for (int i = 0; i < gids.size(); i++) {
                IdMap m = gids.get(i);
                apply("linux.gidMappings[" + i + "]", () -> b.gidMap(m.containerID(), m.hostID(), m.size()));
            }
            EnumSet<Namespace> others = created.clone();
            others.remove(Namespace.USER); // the maps above give the user namespace
            b.namespaces(others);
            boolean joinedNetwork = list.stream().anyMatch(ns -> ns.type().equals("network")
                    && ns.path() != null && !ns.path().isEmpty());
            if (!joinedNetwork) { // a joined one is the container's network as it is
                b.network(others.contains(Namespace.NETWORK) ? Network.none() : Network.host());
            }
        }

        private void mounts(List<MountSpec> mounts) {
            Set<String> standardSeen = new HashSet<>();
            for (int i = 0; i < mounts.size(); i++) {
                MountSpec m = mounts.get(i);
                String path = "mounts[" + i + "]";
                String type = m.type() == null ? "" : m.type();
                boolean bind = type.equals("bind") || m.optionList().contains("bind") || m.optionList().contains("rbind");
                Set<String> standardTypes = STANDARD_MOUNTS.get(m.destination());
                if (standardTypes != null && standardTypes.contains(type)
                        && !(m.destination().equals("/dev/shm") && bind)
                        && !(m.destination().equals("/sys") && bind && !Path.of("/sys").equals(source(m)))) {
                    standard(path, m);
                    standardSeen.add(m.destination());
                } else if (bind) {
                    bindMount(path, m);
                } else if (type.equals("tmpfs")) {
                    tmpfs(path, m);
                } else {
                    throw new SpecException(path + ".type: \"" + type + "\" at " + m.destination() + " is not supported"
                            + " (bind and tmpfs mounts, and the standard proc, sysfs, devpts, mqueue and cgroup"
                            + " mounts at their places)");
                }
            }
            Set<String> missing = new java.util.TreeSet<>(STANDARD_MOUNTS.keySet());
            missing.removeAll(standardSeen);
            missing.remove("/dev/shm"); // podman binds its own
            if (!missing.isEmpty()) {
                warn("mounts", "has no " + String.join(", ", missing) + "; hako mounts them anyway");
            }
        }

        /** One of the mounts hako makes itself: accepted when its options are ones hako's own mount has. */
        private void standard(String path, MountSpec m) {
            List<String> options = m.optionList();
            for (int j = 0; j < options.size(); j++) {
                String o = options.get(j);
                int eq = o.indexOf('=');
                boolean known = eq > 0 ? STANDARD_DATA.contains(o.substring(0, eq)) : STANDARD_OPTIONS.contains(o);
                if (!known) {
                    warn(path + ".options[" + j + "]", "\"" + o + "\" is not applied: hako mounts " + m.destination()
                            + " itself, with its own options");
                }
            }
        }

        private Path source(MountSpec m) {
            if (m.source() == null || m.source().isEmpty()) {
                return null;
            }
            return bundle.resolve(m.source()).normalize();
        }

        private void bindMount(String path, MountSpec m) {
            Path source = source(m);
            if (source == null) {
                throw new SpecException(path + ".source: is missing (the host path to bind)");
            }
            Mount.Bind[] bind = new Mount.Bind[1];
            apply(path + ".source", () -> bind[0] = Mount.bind(source, m.destination()));
            Mount.Bind bound = bind[0];
            boolean recursive = true;
            boolean readonly = false;
            Map<Mount.Restriction, Boolean> restrictions = new LinkedHashMap<>();
            Mount.Propagation propagation = Mount.Propagation.PRIVATE;
            boolean idmap = false;
            List<String> options = m.optionList();
            for (int j = 0; j < options.size(); j++) {
                String o = options.get(j);
                switch (o) {
                    case "bind" -> recursive = false;
                    case "rbind" -> recursive = true;
                    case "ro" -> readonly = true;
                    case "rw" -> readonly = false;
                    case "nosuid" -> restrictions.put(Mount.Restriction.NOSUID, true);
                    case "suid" -> restrictions.put(Mount.Restriction.NOSUID, false);
                    case "nodev" -> restrictions.put(Mount.Restriction.NODEV, true);
                    case "dev" -> restrictions.put(Mount.Restriction.NODEV, false);
                    case "noexec" -> restrictions.put(Mount.Restriction.NOEXEC, true);
                    case "exec" -> restrictions.put(Mount.Restriction.NOEXEC, false);
                    case "private", "rprivate" -> propagation = Mount.Propagation.PRIVATE;
                    case "slave", "rslave" -> propagation = Mount.Propagation.SLAVE;
                    case "shared", "rshared" -> propagation = Mount.Propagation.SHARED;
                    case "idmap", "ridmap" -> idmap = true; // crun's spelling: through the container's maps
                    default -> warn(path + ".options[" + j + "]", "\"" + o + "\" is not supported on a bind, ignored");
                }
            }
            if (!recursive) {
                bound = bound.nonRecursive();
            }
            if (readonly) {
                bound = bound.readOnly();
            }
            bound = bound.propagation(propagation);
            for (Map.Entry<Mount.Restriction, Boolean> r : restrictions.entrySet()) {
                if (r.getValue()) {
                    bound = switch (r.getKey()) {
                        case NOSUID -> bound.noSuid();
                        case NODEV -> bound.noDev();
                        case NOEXEC -> bound.noExec();
                    };
                }
            }
            if (idmap && m.uidMappings() == null && m.gidMappings() == null) {
                bound = bound.idmapped();
            } else if (m.uidMappings() != null || m.gidMappings() != null) {
                bound = bound.idmapped();
                Linux linux = spec.linux();
                if (linux == null || !Objects.equals(m.uidMappings(), linux.uidMappings())
                        || !Objects.equals(m.gidMappings() == null ? m.uidMappings() : m.gidMappings(),
                        linux.gidMappings() == null ? linux.uidMappings() : linux.gidMappings())) {
                    warn(path + ".uidMappings", "differ from the container's; hako idmaps a bind through the"
                            + " container's own user namespace");
                }
            }
            b.mount(bound);
        }

        private void tmpfs(String path, MountSpec m) {
            Mount.Tmpfs[] t = {null};
            apply(path + ".destination", () -> t[0] = Mount.tmpfs(m.destination()));
            Mount.Tmpfs fs = t[0];
            List<String> options = m.optionList();
            for (int j = 0; j < options.size(); j++) {
                String o = options.get(j);
                String at = path + ".options[" + j + "]";
                Mount.Tmpfs before = fs;
                if (o.startsWith("size=")) {
                    String size = o.substring(5);
                    if (size.endsWith("%")) {
                        warn(at, "\"" + o + "\" (a share of RAM) is not supported, ignored: give bytes, like size=64m");
                        continue;
                    }
                    Mount.Tmpfs[] sized = {null};
                    apply(at, () -> sized[0] = before.size(ByteSizes.parse(size, "size")));
                    fs = sized[0];
                } else if (o.startsWith("mode=")) {
                    int mode;
                    try {
                        mode = Integer.parseInt(o.substring(5), 8);
                    } catch (NumberFormatException e) {
                        throw new SpecException(at + ": \"" + o + "\" is not an octal mode, like mode=1777", e);
                    }
                    Mount.Tmpfs[] moded = {null};
                    apply(at, () -> moded[0] = before.mode(mode));
                    fs = moded[0];
                } else if (o.equals("ro")) {
                    fs = fs.readOnly();
                } else if (!Set.of("rw", "nosuid", "nodev", "strictatime", "relatime", "tmpcopyup").contains(o)) {
                    warn(at, "\"" + o + "\" is not supported on a tmpfs (hako's are nosuid and nodev), ignored");
                }
            }
            b.mount(fs);
        }

        private void devices(Linux linux) {
            List<Linux.Device> devices = linux.devices() == null ? List.of() : linux.devices();
            Set<String> standard = new HashSet<>(Set.of("/dev/ptmx", "/dev/console"));
            StandardDevices.NODES.forEach(n -> standard.add("/dev/" + n.name()));
            for (int i = 0; i < devices.size(); i++) {
                Linux.Device d = devices.get(i);
                String path = "linux.devices[" + i + "]";
                if (standard.contains(d.path())) {
                    continue; // every hako container has it
                }
                if (!d.type().equals("c") && !d.type().equals("b")) {
                    warn(path, "a device of type " + d.type() + " is not supported, ignored");
                    continue;
                }
                Optional<DeviceFile> host;
                try {
                    host = DeviceFile.stat(Path.of(d.path()));
                } catch (IOException e) {
                    host = Optional.empty();
                }
                boolean block = d.type().equals("b");
                if (host.isEmpty() || host.get().block() != block || host.get().major() != d.major()
                        || host.get().minor() != d.minor()) {
                    throw new SpecException(path + ": the host has no " + d.type() + " " + d.major() + ":" + d.minor()
                            + " at " + d.path() + "; hako gives a container the host's device nodes, so the host"
                            + " must have this one at the same path");
                }
                if (d.fileMode() != null && d.fileMode() != host.get().mode()
                        || d.uid() != null && d.uid() != host.get().uid() || d.gid() != null && d.gid() != host.get().gid()) {
                    warn(path, "the mode and owner of the host's node are used, not those given");
                }
                String access = access(linux.resources(), d);
                apply(path, () -> b.device(Device.of(d.path()).permissions(access)));
            }
        }

        /** The access the device rules allow {@code d} (the last matching rule wins, as in the cgroup), "rwm" by default. */
        private static String access(Resources resources, Linux.Device d) {
            String access = "rwm";
            if (resources == null || resources.devices() == null) {
                return access;
            }
            for (Resources.DeviceRule r : resources.devices()) {
                boolean type = r.type() == null || r.type().equals("a") || r.type().equals(d.type());
                boolean major = r.major() == null || r.major() == -1 || r.major().equals(d.major());
                boolean minor = r.minor() == null || r.minor() == -1 || r.minor().equals(d.minor());
                if (type && major && minor && Boolean.TRUE.equals(r.allow()) && r.access() != null
                        && !r.access().isEmpty() && !(r.type() == null || r.type().equals("a"))) {
                    access = r.access();
                }
            }
            return access;
        }

        private void resources(Resources r, List<Linux.Device> devices) {
            if (r.devices() != null) {
                for (int i = 0; i < r.devices().size(); i++) {
                    Resources.DeviceRule rule = r.devices().get(i);
                    boolean denyAll = !rule.allow() && (rule.type() == null || rule.type().equals("a"))
                            && rule.major() == null && rule.minor() == null;
                    boolean forListed = rule.allow() && devices != null && devices.stream().anyMatch(d ->
                            d.type().equals(rule.type()) && d.major().equals(rule.major()) && d.minor().equals(rule.minor()));
                    boolean standardNode = rule.allow() && DevicePolicy.DEFAULT_RULES.stream().anyMatch(d -> covers(d, rule));
                    if (!denyAll && !forListed && !standardNode) {
                        warn("linux.resources.devices[" + i + "]", "not applied: hako's device policy allows the standard"
                                + " devices and those of linux.devices, nothing else");
                    }
                }
            }
            Resources.Memory m = r.memory();
            if (m != null) {
                if (m.limit() != null && m.limit() > 0) {
                    b.memoryLimit(m.limit());
                }
                if (m.reservation() != null && m.reservation() > 0) {
                    b.memoryReservation(m.reservation());
                }
                if (m.swap() != null && m.swap() != 0 && m.limit() != null && m.limit() > 0) {
                    b.memorySwapLimit(m.swap());
                }
                notApplied("linux.resources.memory.kernel", m.kernel());
                notApplied("linux.resources.memory.kernelTCP", m.kernelTCP());
                notApplied("linux.resources.memory.swappiness", m.swappiness());
                if (Boolean.TRUE.equals(m.disableOOMKiller())) {
                    warn("linux.resources.memory.disableOOMKiller", "not supported, ignored");
                }
            }
            Resources.Cpu c = r.cpu();
            if (c != null) {
                if (c.shares() != null && c.shares() > 0) {
                    apply("linux.resources.cpu.shares", () -> b.cpuShares((int) Math.min(Integer.MAX_VALUE, c.shares())));
                }
                if (c.quota() != null && c.quota() > 0) {
                    long period = c.period() == null || c.period() == 0 ? 100_000 : c.period();
                    if (period != 100_000) {
                        warn("linux.resources.cpu.period", period + " becomes hako's 100000 (the same share of CPU"
                                + " time: quota " + c.quota() + " per " + period + ")");
                    }
                    apply("linux.resources.cpu.quota", () -> b.cpus((double) c.quota() / period));
                }
                if (c.cpus() != null && !c.cpus().isEmpty()) {
                    apply("linux.resources.cpu.cpus", () -> b.cpusetCpus(c.cpus()));
                }
                if (c.mems() != null && !c.mems().isEmpty()) {
                    apply("linux.resources.cpu.mems", () -> b.cpusetMems(c.mems()));
                }
                notApplied("linux.resources.cpu.burst", c.burst());
                notApplied("linux.resources.cpu.realtimeRuntime", c.realtimeRuntime());
                notApplied("linux.resources.cpu.realtimePeriod", c.realtimePeriod());
                notApplied("linux.resources.cpu.idle", c.idle());
            }
            if (r.pids() != null && r.pids().limit() != null && r.pids().limit() > 0) {
                b.pidsLimit(r.pids().limit());
            }
            Resources.BlockIO io = r.blockIO();
            if (io != null) {
                if (io.weight() != null && io.weight() > 0) {
                    b.ioWeight(io.weight());
                }
                notApplied("linux.resources.blockIO.leafWeight", io.leafWeight() == null ? null : (long) io.leafWeight());
                notEmpty("linux.resources.blockIO.weightDevice", io.weightDevice());
                notEmpty("linux.resources.blockIO.throttleReadBpsDevice", io.throttleReadBpsDevice());
                notEmpty("linux.resources.blockIO.throttleWriteBpsDevice", io.throttleWriteBpsDevice());
                notEmpty("linux.resources.blockIO.throttleReadIOPSDevice", io.throttleReadIOPSDevice());
                notEmpty("linux.resources.blockIO.throttleWriteIOPSDevice", io.throttleWriteIOPSDevice());
            }
            notEmpty("linux.resources.hugepageLimits", r.hugepageLimits());
            if (r.network() != null) {
                warn("linux.resources.network", "not supported (net_cls, net_prio), ignored");
            }
            ignored("linux.resources.rdma", r.rdma());
            if (r.unified() != null && !r.unified().isEmpty()) {
                warn("linux.resources.unified", "not supported, ignored");
            }
        }

        /** Whether hako's default rule {@code d} allows all that {@code rule} does. */
        private static boolean covers(DeviceRule d, Resources.DeviceRule rule) {
            String type = rule.type() == null ? "a" : rule.type();
            long major = rule.major() == null ? DeviceRule.ANY : rule.major();
            long minor = rule.minor() == null ? DeviceRule.ANY : rule.minor();
            String access = rule.access() == null || rule.access().isEmpty() ? "rwm" : rule.access();
            return type.equals(String.valueOf(d.type().letter())) && major == d.major() && minor == d.minor()
                    && access.chars().allMatch(c -> d.access().indexOf(c) >= 0);
        }

        private void seccomp(Linux linux) {
            if (linux.seccomp() == null) {
                b.seccomp(Profile.unconfined()); // the engine decides the profile; it gave none
                return;
            }
            Profile profile = Profile.parse(linux.seccomp().json()); // parses: Spec.validate checked it
            b.seccomp(profile);
        }

        private void notApplied(String path, Long value) {
            if (value != null && value != 0) {
                warn(path, "not supported, ignored");
            }
        }

        private void notEmpty(String path, List<?> list) {
            if (list != null && !list.isEmpty()) {
                warn(path, "not supported, ignored");
            }
        }

        private void ignored(String path, Object value) {
            if (value != null && !(value instanceof String s && s.isEmpty())) {
                warn(path, "not supported, ignored");
            }
        }

        private void warn(String path, String what) {
            warnings.add(path + ": " + what);
        }

        /** Runs a builder call; what it refuses becomes a SpecException naming {@code path}. */
        private static void apply(String path, Runnable call) {
            try {
                call.run();
            } catch (SpecException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new SpecException(path + ": " + e.getMessage(), e);
            }
        }
    }
}
