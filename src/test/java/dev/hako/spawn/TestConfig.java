package dev.hako.spawn;

import dev.hako.Mount;
import dev.hako.Namespace;
import dev.hako.Rootfs;
import dev.hako.UserNamespace;
import dev.hako.cgroup.CgroupLimits;
import dev.hako.cgroup.DevicePolicy;
import dev.hako.fs.DeviceNode;
import dev.hako.fs.MaskedPaths;
import dev.hako.net.NetworkPlan;
import dev.hako.seccomp.Filter;
import dev.hako.security.Capabilities;
import dev.hako.security.ResourceLimit;
import dev.hako.security.User;
import dev.hako.terminal.TerminalSize;

import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link LaunchConfig} for plan tests, with the builder's defaults and a setter for what a
 * test changes: the one place in the tests that calls the record's long constructor, so a new
 * field is added here only.
 */
final class TestConfig {
    String id = "c1";
    Rootfs rootfs = new Rootfs.Directory(Path.of("/srv/root"));
    Set<Namespace> namespaces = Namespace.all();
    String hostname;
    List<String> command = List.of("sh", "-c", "true");
    Map<String, String> env = new LinkedHashMap<>(Map.of("PATH", "/usr/bin:/bin"));
    String workingDir = "/";
    boolean readonlyRootfs;
    Redirect stdin = Redirect.INHERIT;
    Redirect stdout = Redirect.INHERIT;
    Redirect stderr = Redirect.INHERIT;
    boolean redirectErrorStream;
    boolean dieWithJvm = true;
    CgroupLimits limits = CgroupLimits.NONE;
    String cgroupParent = "/hako";
    List<Mount> mounts = List.of();
    List<String> maskedPaths = MaskedPaths.DEFAULT_MASKED;
    List<String> readonlyPaths = MaskedPaths.DEFAULT_READONLY;
    boolean etcFiles = true;
    User user = User.ROOT;
    Capabilities capabilities = Capabilities.dockerDefault();
    boolean noNewPrivileges = true;
    List<ResourceLimit> rlimits = List.of();
    Filter seccomp;
    List<DeviceNode> devices = List.of();
    DevicePolicy devicePolicy = DevicePolicy.defaultsAnd(List.of());
    TerminalSize terminal;
    List<PassedFd> passedFds = List.of();
    UserNamespace userNamespace;
    boolean setgroupsDenied;
    Map<String, String> sysctls = Map.of();
    String domainname;
    int umask = -1;
    List<Integer> groupAdd = List.of();
    Integer oomScoreAdj;
    List<LaunchConfig.JoinedNamespace> joinedNamespaces = List.of();
    String cgroupPath;

    /** The builder's defaults (no filter: unconfined). */
    TestConfig() {
    }

    /** A copy of {@code c}, to change a field or two. */
    static TestConfig of(LaunchConfig c) {
        TestConfig t = new TestConfig();
        t.id = c.id();
        t.rootfs = c.rootfs();
        t.namespaces = c.namespaces();
        t.hostname = c.hostname();
        t.command = c.command();
        t.env = c.env();
        t.workingDir = c.workingDir();
        t.readonlyRootfs = c.readonlyRootfs();
        t.stdin = c.stdin();
        t.stdout = c.stdout();
        t.stderr = c.stderr();
        t.redirectErrorStream = c.redirectErrorStream();
        t.dieWithJvm = c.dieWithJvm();
        t.limits = c.limits();
        t.cgroupParent = c.cgroupParent();
        t.mounts = c.mounts();
        t.maskedPaths = c.maskedPaths();
        t.readonlyPaths = c.readonlyPaths();
        t.etcFiles = c.etcFiles();
        t.user = c.user();
        t.capabilities = c.capabilities();
        t.noNewPrivileges = c.noNewPrivileges();
        t.rlimits = c.rlimits();
        t.seccomp = c.seccomp();
        t.devices = c.devices();
        t.devicePolicy = c.devicePolicy();
        t.terminal = c.terminal();
        t.passedFds = c.passedFds();
        t.userNamespace = c.userNamespace();
        t.setgroupsDenied = c.setgroupsDenied();
        return t;
    }

    /** A user namespace with these maps; USER joins the namespaces. */
    TestConfig userNamespace(UserNamespace userNamespace) {
        this.userNamespace = userNamespace;
        java.util.EnumSet<Namespace> ns = java.util.EnumSet.copyOf(namespaces);
        ns.add(Namespace.USER);
        this.namespaces = ns;
        return this;
    }

    TestConfig user(User user) {
        this.user = user;
        return this;
    }

    TestConfig capabilities(Capabilities capabilities) {
        this.capabilities = capabilities;
        return this;
    }

    TestConfig noNewPrivileges(boolean noNewPrivileges) {
        this.noNewPrivileges = noNewPrivileges;
        return this;
    }

    TestConfig rlimits(List<ResourceLimit> rlimits) {
        this.rlimits = rlimits;
        return this;
    }

    TestConfig seccomp(Filter seccomp) {
        this.seccomp = seccomp;
        return this;
    }

    TestConfig devices(List<DeviceNode> devices) {
        this.devices = devices;
        return this;
    }

    TestConfig terminal(TerminalSize terminal) {
        this.terminal = terminal;
        return this;
    }

    TestConfig passedFds(List<PassedFd> passedFds) {
        this.passedFds = passedFds;
        return this;
    }

    TestConfig sysctls(Map<String, String> sysctls) {
        this.sysctls = sysctls;
        return this;
    }

    TestConfig domainname(String domainname) {
        this.domainname = domainname;
        return this;
    }

    TestConfig umask(int umask) {
        this.umask = umask;
        return this;
    }

    TestConfig groupAdd(List<Integer> groupAdd) {
        this.groupAdd = groupAdd;
        return this;
    }

    LaunchConfig build() {
        return new LaunchConfig(id, rootfs, namespaces, hostname, command, env, workingDir, readonlyRootfs, stdin,
                stdout, stderr, redirectErrorStream, dieWithJvm, limits, cgroupParent, mounts, maskedPaths,
                readonlyPaths, etcFiles, user, capabilities, noNewPrivileges, rlimits, seccomp, devices, devicePolicy,
                terminal, passedFds, userNamespace, setgroupsDenied,
                namespaces.contains(Namespace.NETWORK) ? new NetworkPlan.LoopbackOnly() : new NetworkPlan.Host(),
                sysctls, domainname, umask, groupAdd, oomScoreAdj, joinedNamespaces, cgroupPath);
    }
}
