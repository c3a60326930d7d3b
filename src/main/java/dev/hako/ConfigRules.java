package dev.hako;

import dev.hako.cgroup.CgroupLimits;
import dev.hako.cgroup.CgroupTree;
import dev.hako.cgroup.DevicePolicy;
import dev.hako.cgroup.DeviceRule;
import dev.hako.cgroup.RootlessCgroups;
import dev.hako.fs.DeviceNode;
import dev.hako.linux.DeviceFile;

import dev.hako.linux.Errno;
import dev.hako.linux.Kernel;
import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;
import dev.hako.net.DnsSettings;
import dev.hako.net.Ipv4Subnet;
import dev.hako.net.NetworkPlan;
import dev.hako.net.PortMapping;
import dev.hako.netlink.InterfaceName;
import dev.hako.seccomp.Profile;
import dev.hako.security.Capabilities;
import dev.hako.security.ResourceLimit;
import dev.hako.security.User;
import dev.hako.spawn.PassedFd;
import dev.hako.terminal.TerminalSize;
import dev.hako.userns.RootlessMapping;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Every rule a container's configuration must meet, each in one place, run by
 * {@link Container.Builder#build()}: a bad option fails there, naming the option, never
 * later in {@code start()}. (Rules on a single value, like a mount target or a byte size,
 * stay with the value's own factory, where the value is made.)
 */
final class ConfigRules {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern HOST_LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    private ConfigRules() {
    }

    /** Letters, digits, {@code _ . -}, up to 64, starting with a letter or digit: also a valid cgroup name. */
    static void id(String id) {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("container id '" + id + "' is invalid:"
                    + " use 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit");
        }
    }

    static void command(List<String> command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("no command: call command(...) with the program"
                    + " to run inside the container and its arguments");
        }
        for (String arg : command) {
            if (arg == null || arg.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("command " + command + " has a null argument or one containing NUL");
            }
        }
        if (command.get(0).isEmpty()) {
            throw new IllegalArgumentException("command " + command
                    + " starts with an empty program name: name the program to run");
        }
    }

    /**
     * The container's user namespace, null for none: the one given, or the maps given line
     * by line (gids as the uids when no gid line is given, as podman does), or
     * {@link UserNamespace#auto()} when the namespaces include USER without maps. Container
     * id 0 must be mapped: the child's setup runs as the namespace's root. Also whether the
     * namespace denies setgroups: a JVM without root whose gid map is its own gid alone,
     * which the kernel takes only so.
     */
    static UserNamespaceRule userNamespace(UserNamespace given, List<IdMapping> uids, List<IdMapping> gids,
                                           Set<Namespace> namespaces) {
        if (given != null && !(uids.isEmpty() && gids.isEmpty())) {
            throw new IllegalArgumentException("userNamespace(...) and uidMap/gidMap(...) both given: use one of them");
        }
        if (given == null && uids.isEmpty() && !gids.isEmpty()) {
            throw new IllegalArgumentException("gidMap(...) without uidMap(...): map the uids too (or use"
                    + " userNamespace(UserNamespace.auto()))");
        }
        RootlessMapping rootless = Kernel.rootless() ? rootlessMapping() : null;
        UserNamespace ns = given != null ? given
                : !uids.isEmpty() ? UserNamespace.of(uids, gids.isEmpty() ? uids : gids)
                : rootless != null ? rootless.defaultNamespace()
                : namespaces.contains(Namespace.USER) ? UserNamespace.auto() : null;
        if (rootless != null) {
            rootless.checkOwned(ns); // and auto() needs root
        }
        if (ns != null && !ns.isAuto() && (ns.hostUid(0) < 0 || ns.hostGid(0) < 0)) {
            throw new IllegalArgumentException((ns.hostUid(0) < 0 ? "uidMap" : "gidMap") + ": container id 0 is not"
                    + " mapped; the container's setup runs as its root, so map 0, like uidMap(0, 100000, 65536)");
        }
        return new UserNamespaceRule(ns, rootless != null && rootless.mustDenySetgroups(ns));
    }

    /** The container's user namespace (null for none), and whether it denies setgroups. */
    record UserNamespaceRule(UserNamespace namespace, boolean setgroupsDenied) {
    }

    /** What this JVM's user may map: its own ids, and the ranges of /etc/subuid and /etc/subgid. */
    private static RootlessMapping rootlessMapping() {
        try {
            return RootlessMapping.forCurrentUser();
        } catch (IOException e) {
            throw new UncheckedIOException("reading /etc/subuid and /etc/subgid for this user failed", e);
        }
    }

    /**
     * A JVM without root gives a container a cgroup only in a cgroup v2 subtree delegated to
     * its user, with the controllers delegated there: a limit it cannot keep fails here.
     */
    static void rootlessLimits(CgroupLimits limits, String cgroupParent) {
        if (Kernel.rootless()) {
            RootlessCgroups.check(limits, cgroupParent);
        }
    }

    /** An {@code idmapped()} bind needs a user namespace to map through, and a JVM with root to make it. */
    static void idmappedBinds(List<Mount> mounts, UserNamespace ns) {
        for (Mount m : mounts) {
            if (m instanceof Mount.Bind b && b.idmap()) {
                if (ns == null) {
                    throw new IllegalArgumentException("mount " + b.source() + " at " + b.target() + ": idmapped() needs"
                            + " a user namespace to map through: add userNamespace(...) or uidMap(...), or leave it out");
                }
                if (Kernel.rootless()) {
                    throw new IllegalArgumentException("mount " + b.source() + " at " + b.target() + ": idmapped()"
                            + " needs a JVM with root (only it may idmap the host's filesystems): leave it out");
                }
            }
        }
    }

    /** The user's uid, gid and groups must be ids of the user namespace, if there is one. */
    static void mappedUser(User user, UserNamespace ns) {
        if (ns == null) {
            return;
        }
        if (!mapped(ns, user.uid(), true)) {
            throw new IllegalArgumentException("user: uid " + user.uid() + " is not mapped in the user namespace ("
                    + ns + "): map it with uidMap(...), or run as a mapped user");
        }
        List<Integer> gids = new ArrayList<>(user.groups());
        gids.addFirst(user.gid());
        for (int gid : gids) {
            if (!mapped(ns, gid, false)) {
                throw new IllegalArgumentException("user: gid " + gid + " is not mapped in the user namespace ("
                        + ns + "): map it with gidMap(...), or leave it out");
            }
        }
    }

    private static boolean mapped(UserNamespace ns, long id, boolean uid) {
        if (ns.isAuto()) {
            return id >= 0 && id < UserNamespace.AUTO_SIZE;
        }
        return (uid ? ns.hostUid(id) : ns.hostGid(id)) >= 0;
    }

    /**
     * The network plan, and the namespaces it implies (NETWORK added or removed in
     * {@code namespaces}). Without {@code network(...)}: a bridge (as root) or slirp (without)
     * when ports are published, else what the namespaces say, as before.
     */
    static NetworkPlan network(Network given, Set<Namespace> namespaces, boolean namespacesGiven, List<String> publish,
                               List<String> dns) {
        List<PortMapping> ports = new ArrayList<>();
        for (String p : publish) {
            try {
                ports.add(PortMapping.parse(p));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("publish(\"" + p + "\"): " + e.getMessage(), e);
            }
        }
        requireDistinctHostPorts(ports);
        List<String> servers = dnsServers(dns);
        Network network = given != null ? given
                : !ports.isEmpty() ? (Kernel.rootless() ? Network.slirp() : Network.bridge())
                : namespaces.contains(Namespace.NETWORK) ? Network.none() : Network.host();
        boolean own = !(network instanceof Network.Host) && !(network instanceof Network.Joined);
        if (own && namespacesGiven && !namespaces.contains(Namespace.NETWORK)) {
            throw new IllegalArgumentException("network(" + network + ") gives the container a network namespace of"
                    + " its own, but namespaces(" + namespaces + ") leaves out NETWORK: add Namespace.NETWORK, or use"
                    + " Network.host()");
        }
        if (!ports.isEmpty() && !(network instanceof Network.Bridge) && !(network instanceof Network.Slirp)) {
            throw new IllegalArgumentException("publish(" + String.join(", ", publish) + ") needs a network the host can"
                    + " forward to: Network.bridge() (root) or Network.slirp(), not " + describe(network)
                    + (network instanceof Network.Host ? ", where the container's ports are the host's already" : "")
                    + (network instanceof Network.Joined ? ": publish the ports on the container whose network it shares"
                    : ""));
        }
        if (!servers.isEmpty() && !own) {
            throw new IllegalArgumentException("dns(...) is for a container with a network of its own, not "
                    + describe(network) + ", whose resolv.conf the host's or the other container's network decides");
        }
        if (own) {
            namespaces.add(Namespace.NETWORK);
        } else {
            namespaces.remove(Namespace.NETWORK);
        }
        return switch (network) {
            case Network.None n -> new NetworkPlan.LoopbackOnly();
            case Network.Host h -> new NetworkPlan.Host();
            case Network.Joined j -> {
                if (Kernel.rootless()) {
                    throw new IllegalArgumentException("network(Network.container(" + j.container().id() + ")) needs"
                            + " root: the JVM joins that container's network namespace for the clone, which the kernel"
                            + " allows only with CAP_SYS_ADMIN; without root, use Network.slirp() for each");
                }
                yield new NetworkPlan.Joined();
            }
            case Network.Bridge b -> bridged(b, ports, servers);
            case Network.Slirp s -> new NetworkPlan.UserMode(ports, servers);
        };
    }

    private static NetworkPlan.Bridged bridged(Network.Bridge b, List<PortMapping> ports, List<String> dns) {
        try {
            InterfaceName.validate(b.name());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Network.bridge().named(\"" + b.name() + "\"): " + e.getMessage(), e);
        }
        Ipv4Subnet subnet;
        try {
            subnet = Ipv4Subnet.parseBridgeNetwork(b.subnet());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Network.bridge().subnet(\"" + b.subnet() + "\"): " + e.getMessage(), e);
        }
        for (String uplink : b.uplinks()) {
            try {
                InterfaceName.validate(uplink);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Network.bridge().outboundVia(\"" + uplink + "\"): " + e.getMessage(), e);
            }
            if (uplink.equals(b.name())) {
                throw new IllegalArgumentException("Network.bridge().outboundVia(\"" + uplink + "\") names the bridge"
                        + " itself: name the host interfaces beyond it");
            }
        }
        if (Kernel.rootless()) {
            throw new IllegalArgumentException("network(Network.bridge()) needs root (a bridge and veths are made on the"
                    + " host): without root use Network.slirp(), which publishes ports too");
        }
        return new NetworkPlan.Bridged(b.name(), subnet, b.isolated(), b.outbound(), b.uplinks(), ports, dns);
    }

    private static String describe(Network n) {
        return switch (n) {
            case Network.None x -> "Network.none()";
            case Network.Host x -> "Network.host()";
            case Network.Joined j -> "Network.container(" + j.container().id() + ")";
            case Network.Bridge b -> "Network.bridge() " + b.name();
            case Network.Slirp x -> "Network.slirp()";
        };
    }

    /** Two mappings of one host port, protocol and address (or all addresses) cannot both be bound. */
    private static void requireDistinctHostPorts(List<PortMapping> ports) {
        for (int i = 0; i < ports.size(); i++) {
            for (int j = i + 1; j < ports.size(); j++) {
                PortMapping a = ports.get(i);
                PortMapping b = ports.get(j);
                if (a.hostPort() != 0 && a.hostPort() == b.hostPort() && a.protocol() == b.protocol()
                        && (a.allAddresses() || b.allAddresses() || a.hostAddress().equals(b.hostAddress()))) {
                    throw new IllegalArgumentException("publish(" + a + ") and publish(" + b + ") both want host port "
                            + a.hostPort() + ": give each its own host port (or 0 for a free one)");
                }
            }
        }
    }

    /** The dns(...) servers, checked: an IP literal each, never a name to look up. */
    private static List<String> dnsServers(List<String> dns) {
        try {
            return new DnsSettings(dns, List.of(), List.of()).servers();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("dns(" + String.join(", ", dns) + "): " + e.getMessage(), e);
        }
    }

    static void namespaces(Set<Namespace> namespaces) {
        if (!namespaces.contains(Namespace.MOUNT)) {
            throw new IllegalArgumentException("namespaces " + namespaces + " lack MOUNT:"
                    + " a container with a rootfs needs its own mount namespace, or pivot_root"
                    + " would change the host's root");
        }
    }

    /**
     * The hostname to set: {@code hostname} checked, or by default the first 12 characters
     * of the id when the container has a UTS namespace; null without one.
     */
    static String hostname(String hostname, Set<Namespace> namespaces, String id) {
        if (hostname != null) {
            boolean ok = !hostname.isEmpty() && hostname.length() <= 64;
            if (ok) {
                for (String label : hostname.split("\\.", -1)) {
                    ok &= HOST_LABEL.matcher(label).matches();
                }
            }
            if (!ok) {
                throw new IllegalArgumentException("hostname '" + hostname + "' is invalid: use at most"
                        + " 64 characters in dot-separated labels of letters, digits and '-'"
                        + " (not starting or ending with '-')");
            }
            if (!namespaces.contains(Namespace.UTS)) {
                throw new IllegalArgumentException("hostname '" + hostname + "' needs the UTS"
                        + " namespace: add Namespace.UTS, or do not set a hostname");
            }
            return hostname;
        }
        if (!namespaces.contains(Namespace.UTS)) {
            return null;
        }
        String fromId = id.length() > 12 ? id.substring(0, 12) : id;
        return HOST_LABEL.matcher(fromId).matches() ? fromId : "container";
    }

    static void workingDir(String workingDir) {
        if (!workingDir.startsWith("/") || workingDir.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("working directory '" + workingDir
                    + "' must be an absolute path inside the container, like /app");
        }
    }

    /** The cgroup layer's own rule for parents (absolute, below the root, plain names). */
    static void cgroupParent(String parent) {
        CgroupTree.parentPath(parent);
    }

    /** The limits against Docker's and the kernel's ranges, and this machine's CPUs and memory nodes. */
    static CgroupLimits limits(CgroupLimits limits) {
        try {
            limits.validate();
        } catch (IOException e) {
            throw new UncheckedIOException("reading this machine's online CPUs and memory nodes failed", e);
        }
        return limits;
    }

    static void environment(Map<String, String> environment) {
        for (Map.Entry<String, String> e : environment.entrySet()) {
            if (e.getValue().indexOf('\0') >= 0) {
                throw new IllegalArgumentException("environment variable " + e.getKey() + " contains a NUL character");
            }
        }
    }

    /** An rlimit as the builder was given it, checked by {@link #rlimits}. */
    record RawLimit(String name, long soft, long hard) {
    }

    /**
     * Docker's defaults with {@code add} added and {@code drop} taken away; an unknown name
     * fails naming capAdd or capDrop. A container can only get what the JVM holds (capset
     * refuses more): a capability named in capAdd that the JVM lacks fails here, while
     * {@code ALL} and the defaults quietly mean "of those the JVM has".
     */
    static Capabilities capabilities(List<String> add, List<String> drop) {
        // A JVM without CAP_SYS_ADMIN cannot start a container at all (start() says so), so
        // its own capabilities say nothing about what a container could get: not clamped.
        boolean canStart = Kernel.hasCapability(linux_h.CAP_SYS_ADMIN());
        return capabilities(add, drop, canStart ? Kernel.effectiveCapabilities() : -1L);
    }

    /** The last default profile made, found again by identity: Capabilities values are shared and immutable. */
    private static volatile DefaultProfile lastDefaultProfile;

    private record DefaultProfile(Capabilities capabilities, Profile profile) {
    }

    /** Docker's default seccomp profile for a container with {@code capabilities}. */
    static Profile defaultProfile(Capabilities capabilities) {
        DefaultProfile last = lastDefaultProfile;
        if (last == null || last.capabilities() != capabilities) {
            lastDefaultProfile = last = new DefaultProfile(capabilities, Profile.dockerDefault(capabilities.names()));
        }
        return last.profile();
    }

    static Capabilities capabilities(List<String> add, List<String> drop, long available) {
        Capabilities wanted = Capabilities.of(add, drop);
        long lacking = Capabilities.named(add, "capAdd") & wanted.mask() & ~available;
        if (lacking != 0) {
            throw new IllegalArgumentException("capAdd: this JVM lacks " + Capabilities.names(lacking)
                    + " (see CapEff in /proc/self/status), and a container gets only capabilities its JVM has:"
                    + " leave it out of capAdd, or run the JVM with it");
        }
        return wanted.within(available);
    }

    /**
     * Each limit checked (a known name, soft at most hard), one per resource (the last
     * given wins), and none whose hard value is above the JVM's own hard limit unless both
     * the JVM and the container have CAP_SYS_RESOURCE: the kernel would refuse it in the
     * child.
     */
    static List<ResourceLimit> rlimits(List<RawLimit> raw, Capabilities capabilities) {
        Map<Integer, ResourceLimit> byResource = new LinkedHashMap<>();
        for (RawLimit r : raw) {
            ResourceLimit limit = ResourceLimit.of(r.name(), r.soft(), r.hard());
            byResource.remove(limit.resource());
            byResource.put(limit.resource(), limit);
        }
        int sysResource = linux_h.CAP_SYS_RESOURCE();
        for (ResourceLimit limit : byResource.values()) {
            long jvmHard;
            try {
                jvmHard = Libc.getrlimit(limit.resource())[1];
            } catch (SyscallException e) {
                throw new IllegalStateException("reading the JVM's own RLIMIT_" + limit.name() + " failed", e);
            }
            if (Long.compareUnsigned(limit.hard(), jvmHard) <= 0) {
                continue;
            }
            String raising = "rlimit(\"" + limit.name() + "\", " + ResourceLimit.show(limit.soft()) + ", "
                    + ResourceLimit.show(limit.hard()) + ") raises the hard limit above the JVM's own ("
                    + ResourceLimit.show(jvmHard) + "), which needs CAP_SYS_RESOURCE";
            if (!Kernel.hasCapability(sysResource)) {
                throw new IllegalArgumentException(raising + ", and this JVM lacks it (it is not in its"
                        + " effective set, see CapEff in /proc/self/status): lower the hard limit to at most "
                        + ResourceLimit.show(jvmHard) + ", or raise the JVM's own");
            }
            if (!capabilities.has(sysResource)) {
                throw new IllegalArgumentException(raising + " in the container: add capAdd(\"SYS_RESOURCE\")");
            }
        }
        return List.copyOf(byResource.values());
    }

    /** The devices a container gets beyond the standard ones: the nodes to make and the policy allowing them. */
    record Devices(List<DeviceNode> nodes, DevicePolicy policy) {
    }

    /**
     * Each {@code device(...)} checked on the host (there, and a character or block device,
     * a symbolic link followed), one per path inside the container; the policy is Docker's
     * default list plus a rule for each, compiled once here.
     */
    static Devices devices(List<Device> devices) {
        List<DeviceNode> nodes = new ArrayList<>();
        List<DeviceRule> rules = new ArrayList<>();
        Set<String> inside = new HashSet<>();
        for (Device d : devices) {
            if (!inside.add(d.containerPath())) {
                throw new IllegalArgumentException("device " + d + ": another device(...) is at "
                        + d.containerPath() + " already; give each its own path inside the container");
            }
            DeviceFile host = hostDevice(d);
            nodes.add(new DeviceNode(d.containerPath(), host, d.hostPath()));
            rules.add(new DeviceRule(host.block() ? DeviceRule.Type.BLOCK : DeviceRule.Type.CHAR, host.major(),
                    host.minor(), d.permissions()));
        }
        return new Devices(List.copyOf(nodes), DevicePolicy.defaultsAnd(rules));
    }

    private static DeviceFile hostDevice(Device d) {
        String what = "device " + d + ": the host path " + d.hostPath();
        try {
            return DeviceFile.stat(Path.of(d.hostPath())).orElseThrow(() -> new IllegalArgumentException(what
                    + " is not a character or block device: give a device node, like /dev/fuse"));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(what + " does not exist (or is a dangling symbolic link):"
                    + " check the path, or load the driver that makes it", e);
        } catch (FileSystemException e) {
            String reason = e.getReason() == null ? e.toString() : e.getReason();
            throw new IllegalArgumentException(what + " cannot be read: " + reason
                    + (reason.contains("symbolic links") ? " (a loop of symbolic links)" : ""), e);
        } catch (IOException e) {
            throw new UncheckedIOException(what + " cannot be read", e);
        }
    }

    /**
     * The terminal's size, or null without a terminal. A terminal replaces stdin, stdout and
     * stderr, as {@code docker run -t} and {@code docker exec -t} do: an explicit redirect
     * (anything but the default pipe) would be silently dropped, so it is refused, naming
     * both options.
     *
     * @param whose "the container" or "the exec'd process", for the messages
     * @param docker the Docker command line that does the same, for the messages
     */
    static TerminalSize terminal(boolean terminal, int[] size, Redirect stdin, Redirect stdout, Redirect stderr,
                                 String whose, String docker) {
        if (!terminal) {
            if (size != null) {
                throw new IllegalArgumentException("terminalSize(" + size[0] + ", " + size[1] + ") sizes a terminal "
                        + whose + " does not have: add terminal(true), or drop terminalSize");
            }
            return null;
        }
        String[] options = {"redirectInput", "redirectOutput", "redirectError"};
        Redirect[] redirects = {stdin, stdout, stderr};
        for (int i = 0; i < 3; i++) {
            if (redirects[i].type() != Redirect.Type.PIPE) {
                throw new IllegalArgumentException("terminal(true) and " + options[i] + "(" + redirects[i]
                        + ") (or inheritIO()) conflict: the terminal is " + whose + "'s stdin, stdout and stderr,"
                        + " as with " + docker + "; drop one of them");
            }
        }
        return size == null ? TerminalSize.DEFAULT : TerminalSize.of(size[0], size[1], "terminalSize");
    }

    /**
     * The descriptors passed to the container: each to a number of 3 or more (0 to 2 are
     * stdio) below the open-file limit the child starts with (the JVM's), no two to one
     * number, each an fd open in the JVM now. {@code start()} checks the last again.
     */
    static List<PassedFd> passedFds(List<PassedFd> passed) {
        if (passed.isEmpty()) {
            return List.of();
        }
        long softLimit;
        try {
            softLimit = Libc.getrlimit(linux_h.RLIMIT_NOFILE())[0];
        } catch (SyscallException e) {
            throw new IllegalStateException("reading the JVM's own RLIMIT_NOFILE failed", e);
        }
        Map<Integer, PassedFd> byTarget = new LinkedHashMap<>();
        for (PassedFd f : passed) {
            if (f.containerFd() < 3) {
                throw new IllegalArgumentException(f.option() + ": the container's fd " + f.containerFd()
                        + " is its stdin, stdout or stderr: pass descriptors as 3 or more (redirectInput,"
                        + " redirectOutput and redirectError set 0 to 2)");
            }
            if (Long.compareUnsigned(f.containerFd(), softLimit) >= 0) {
                throw new IllegalArgumentException(f.option() + ": the container's fd " + f.containerFd()
                        + " is beyond its open-file limit (RLIMIT_NOFILE " + softLimit + "): use a lower number");
            }
            PassedFd before = byTarget.put(f.containerFd(), f);
            if (before != null) {
                throw new IllegalArgumentException(before.option() + " and " + f.option()
                        + " both give the container's fd " + f.containerFd() + ": use a different number for one");
            }
            if (f.hostFd() < 0) {
                throw new IllegalArgumentException(f.option() + ": " + f.hostFd() + " is no descriptor");
            }
            try {
                Libc.fstat(f.hostFd());
            } catch (SyscallException e) {
                throw new IllegalArgumentException(f.option() + ": the JVM's fd " + f.hostFd() + " is not open ("
                        + Errno.describe(e.errno()) + "): pass a descriptor the JVM holds until start()", e);
            }
        }
        return List.copyOf(passed);
    }
    // ---- OCI runtime options: sysctl, domainname, umask, groupAdd, oomScoreAdj,
    // joinNamespace, cgroupPath, capabilitySets ----

    private static final Pattern SYSCTL_NAME = Pattern.compile("[a-z0-9_]+(\\.[a-z0-9_]+)+");
    /** The longest sysctl value taken: /proc/sys files read at most a page. */
    static final int MAX_SYSCTL_VALUE = 4096;

    /**
     * Each sysctl checked as runc and Docker check them: only those of a namespace the
     * container has (of its own, or joined) may be set, since any other would change the
     * host: {@code kernel.shm*}, {@code kernel.msg*}, {@code kernel.sem} and {@code fs.mqueue.*}
     * (IPC), {@code net.*} (network), {@code kernel.hostname} and {@code kernel.domainname}
     * (UTS, and not beside {@code hostname(...)} or {@code domainname(...)}, which set the same).
     */
    static Map<String, String> sysctls(Map<String, String> given, java.util.function.Predicate<Namespace> has,
                                       boolean hostnameGiven, boolean domainnameGiven) {
        for (Map.Entry<String, String> e : given.entrySet()) {
            String name = e.getKey();
            String value = e.getValue();
            String option = "sysctl(\"" + name + "\", \"" + value + "\")";
            if (!SYSCTL_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(option + ": the name must be dot-separated parts of a-z, 0-9 and"
                        + " '_', like net.ipv4.ip_forward (no '/', no '..', no empty part)");
            }
            if (value.indexOf('\0') >= 0 || value.length() > MAX_SYSCTL_VALUE) {
                throw new IllegalArgumentException(option + ": the value contains NUL or is longer than "
                        + MAX_SYSCTL_VALUE + " characters");
            }
            Namespace needed = sysctlNamespace(name);
            if (needed == null) {
                throw new IllegalArgumentException(option + ": " + name + " is not a namespaced sysctl, so setting it"
                        + " would change the host, not the container; only kernel.shm*, kernel.msg*, kernel.sem,"
                        + " fs.mqueue.* (IPC namespace), net.* (network namespace), kernel.hostname and"
                        + " kernel.domainname (UTS namespace) can be set");
            }
            if (!has.test(needed)) {
                String hint = needed == Namespace.NETWORK
                        ? ": with the host's network it would change the host's; give the container a network of its own"
                        + " (Network.none(), bridge(), ...) or join one (joinNamespace)"
                        : ": add Namespace." + needed + " (or joinNamespace(Namespace." + needed + ", ...))";
                throw new IllegalArgumentException(option + " needs the " + needed + " namespace, which the container"
                        + " does not have" + hint);
            }
            if (name.equals("kernel.hostname") && hostnameGiven || name.equals("kernel.domainname") && domainnameGiven) {
                String other = name.equals("kernel.hostname") ? "hostname" : "domainname";
                throw new IllegalArgumentException(option + " and " + other + "(...) both set the " + other
                        + ": use one of them");
            }
        }
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(given));
    }

    /** The namespace a sysctl belongs to, or null for one of the host's. */
    static Namespace sysctlNamespace(String name) {
        if (name.startsWith("kernel.shm") || name.startsWith("kernel.msg") || name.equals("kernel.sem")
                || name.startsWith("fs.mqueue.")) {
            return Namespace.IPC;
        }
        if (name.startsWith("net.")) {
            return Namespace.NETWORK;
        }
        if (name.equals("kernel.hostname") || name.equals("kernel.domainname")) {
            return Namespace.UTS;
        }
        return null;
    }

    /** The NIS domain name: at most 64 bytes (the kernel's {@code __NEW_UTS_LEN}), in a UTS namespace. */
    static void domainname(String domainname, boolean hasUts) {
        if (domainname == null) {
            return;
        }
        int bytes = domainname.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (domainname.isEmpty() || bytes > 64 || domainname.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("domainname '" + domainname + "' is invalid: use 1 to 64 bytes"
                    + " without NUL");
        }
        if (!hasUts) {
            throw new IllegalArgumentException("domainname '" + domainname + "' needs the UTS namespace, or it would"
                    + " change the host's: add Namespace.UTS (or joinNamespace(Namespace.UTS, ...))");
        }
    }

    /** A umask is nine permission bits: 0 to 0777; -1 for the default. */
    static void umask(int umask) {
        if (umask != -1 && (umask < 0 || umask > 0777)) {
            throw new IllegalArgumentException("umask(0" + Integer.toOctalString(umask) + ") is not a umask: give"
                    + " 0 to 0777, like 022 or 027");
        }
    }

    /** Within the kernel's range for {@code /proc/PID/oom_score_adj}. */
    static void oomScoreAdj(Integer adj) {
        if (adj != null && (adj < -1000 || adj > 1000)) {
            throw new IllegalArgumentException("oomScoreAdj(" + adj + ") is out of range: give -1000 (never"
                    + " OOM-killed) to 1000 (killed first)");
        }
    }

    /**
     * The namespaces joined by path: only types the spawner thread may join for the clone
     * (network, IPC, UTS, PID for its children, cgroup), each once and not also created.
     * Mount and user namespaces refuse a multi-threaded process such as the JVM. Joining
     * needs a JVM with root, and is not combined with a user namespace of the container's own
     * (the namespaces would be owned by another user namespace than the container's).
     */
    static List<dev.hako.spawn.LaunchConfig.JoinedNamespace> joinedNamespaces(
            List<dev.hako.spawn.LaunchConfig.JoinedNamespace> given, Set<Namespace> namespaces,
            UserNamespace userNamespace) {
        Set<Namespace> seen = new HashSet<>();
        for (dev.hako.spawn.LaunchConfig.JoinedNamespace j : given) {
            String option = "joinNamespace(" + j.type() + ", " + j.path() + ")";
            switch (j.type()) {
                case MOUNT, USER -> throw new IllegalArgumentException(option + ": a " + j.type() + " namespace cannot"
                        + " be joined by path: the kernel lets only a single-threaded process setns into a mount or"
                        + " user namespace, and the JVM is multi-threaded; let the container create its own");
                default -> {
                }
            }
            if (Kernel.rootless()) {
                throw new IllegalArgumentException(option + " needs root: the JVM joins the namespace for the clone,"
                        + " which the kernel allows only with CAP_SYS_ADMIN");
            }
            if (!j.path().isAbsolute()) {
                throw new IllegalArgumentException(option + ": give an absolute path, like /proc/PID/ns/net or"
                        + " /run/netns/NAME");
            }
            if (!seen.add(j.type())) {
                throw new IllegalArgumentException(option + ": another joinNamespace(" + j.type() + ", ...) is given"
                        + " already; a container is in one namespace of each type");
            }
            if (userNamespace != null) {
                throw new IllegalArgumentException(option + " and a user namespace of the container's own conflict:"
                        + " the joined namespace belongs to another user namespace; leave one of them out");
            }
            namespaces.remove(j.type());
        }
        return List.copyOf(given);
    }

    /**
     * The container's cgroup path as given ({@code cgroupPath}): absolute (from each
     * hierarchy's root), or relative to {@code cgroupParent}; plain names, at least two levels
     * (the cgroup's own directory and the parent it is made in, never a hierarchy's root).
     * Returns the absolute path, or null when none was given.
     */
    static String cgroupPath(String path, String cgroupParent, boolean forPool) {
        if (path == null) {
            return null;
        }
        String option = "cgroupPath(\"" + path + "\")";
        if (forPool) {
            throw new IllegalArgumentException(option + ": a pool's members each need a cgroup of their own, so"
                    + " they cannot share one exact path; use cgroupParent(...) for the pool");
        }
        if (Kernel.rootless()) {
            throw new IllegalArgumentException(option + " needs root: without it a container's cgroup is made in the"
                    + " subtree delegated to this user; use cgroupParent(...)");
        }
        String absolute = path.startsWith("/") ? path : cgroupParent + "/" + path;
        String inner = absolute.substring(1);
        List<String> parts = List.of(inner.split("/", -1));
        for (String part : parts) {
            if (part.isEmpty() || part.equals(".") || part.equals("..") || part.indexOf('\0') >= 0) {
                throw new IllegalArgumentException(option + " has " + (part.isEmpty() ? "an empty component"
                        : "the component \"" + part + "\"") + ": use plain names separated by single '/', like"
                        + " /libpod_parent/libpod-abc or, relative to cgroupParent, pod1/app");
            }
        }
        if (parts.size() < 2) {
            throw new IllegalArgumentException(option + " is directly below the hierarchy's root: give a path with a"
                    + " parent, like /machine/" + parts.getFirst());
        }
        return absolute;
    }

    /**
     * The five capability sets given one by one (OCI's {@code process.capabilities}): names
     * as capAdd takes them ({@code ALL}: every one the JVM has); the kernel's rules are
     * checked here, each failure naming the set: effective within permitted, ambient within
     * permitted and inheritable, inheritable within bounding (capset refuses to raise one
     * beyond it); and no named capability the JVM lacks.
     */
    static Capabilities capabilitySets(List<Set<String>> sets) {
        boolean canStart = Kernel.hasCapability(linux_h.CAP_SYS_ADMIN());
        return capabilitySets(sets, canStart ? Kernel.effectiveCapabilities() : -1L);
    }

    static Capabilities capabilitySets(List<Set<String>> sets, long available) {
        String[] names = {"bounding", "effective", "permitted", "inheritable", "ambient"};
        long[] masks = new long[5];
        for (int i = 0; i < 5; i++) {
            String option = "capabilitySets " + names[i];
            long named = Capabilities.named(sets.get(i), option);
            boolean all = sets.get(i).stream().anyMatch(n -> n != null && n.trim().equalsIgnoreCase("ALL"));
            long lacking = named & ~available;
            if (lacking != 0) {
                throw new IllegalArgumentException(option + ": this JVM lacks " + Capabilities.names(lacking)
                        + " (see CapEff in /proc/self/status), and a container gets only capabilities its JVM has:"
                        + " leave it out, or run the JVM with it");
            }
            masks[i] = (all ? -1L : named) & available;
        }
        requireWithin(masks[1], masks[2], "effective", "permitted");
        requireWithin(masks[4], masks[2], "ambient", "permitted");
        requireWithin(masks[4], masks[3], "ambient", "inheritable");
        requireWithin(masks[3], masks[0], "inheritable", "bounding");
        return Capabilities.explicit(masks[0], masks[1], masks[2], masks[3], masks[4]);
    }

    private static void requireWithin(long set, long within, String name, String withinName) {
        long outside = set & ~within;
        if (outside != 0) {
            throw new IllegalArgumentException("capabilitySets: the " + name + " set has " + Capabilities.names(outside)
                    + ", which the " + withinName + " set lacks; the kernel keeps the " + name + " set within the "
                    + withinName + " set: add them there, or leave them out of " + name);
        }
    }
}
