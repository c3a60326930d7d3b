package dev.hako;

import dev.hako.spawn.LaunchConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rules of the options an OCI config.json asks for, in {@code build()}: no root needed,
 * nothing is started.
 */
class OciBuilderOptionsTest {
    @TempDir
    Path rootfs;

    private Container.Builder builder() {
        return Container.builder().rootfs(rootfs).command("/bin/true");
    }

    private LaunchConfig config(Container.Builder b) {
        return b.build().config();
    }

    private static void refused(Container.Builder b, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' in: " + e.getMessage());
        }
    }

    @Test
    void sysctlsOfTheContainersNamespacesAreTakenInOrder() {
        LaunchConfig c = config(builder().sysctl("kernel.shmmax", "1").sysctl("net.ipv4.ip_forward", "1")
                .sysctl("fs.mqueue.msg_max", "5").sysctl("kernel.sem", "1 2 3 4").sysctl("kernel.msgmax", "9")
                .sysctl("kernel.shmmax", "2"));
        assertEquals(List.of("net.ipv4.ip_forward", "fs.mqueue.msg_max", "kernel.sem", "kernel.msgmax", "kernel.shmmax"),
                List.copyOf(c.sysctls().keySet()), "a later call replaces, and goes last");
        assertEquals("2", c.sysctls().get("kernel.shmmax"));
    }

    @Test
    void aSysctlOfTheHostIsRefusedNamingItAndWhy() {
        refused(builder().sysctl("kernel.pid_max", "99999"), "sysctl(\"kernel.pid_max\", \"99999\")",
                "not a namespaced sysctl", "would change the host");
        refused(builder().sysctl("vm.overcommit_memory", "1"), "vm.overcommit_memory", "would change the host");
        refused(builder().sysctl("kernel.shm_rmid_forced_x.y", "1").namespaces(Namespace.MOUNT, Namespace.PID),
                "needs the IPC namespace");
    }

    @Test
    void aNetworkSysctlWithTheHostsNetworkIsRefused() {
        refused(builder().sysctl("net.ipv4.ip_forward", "1").network(Network.host()), "net.ipv4.ip_forward",
                "needs the NETWORK namespace", "the host's network it would change the host's");
    }

    @Test
    void sysctlNamesAreDottedPlainParts() {
        for (String bad : List.of("net/ipv4/ip_forward", "net..ipv4", "../../etc", "net.IPV4.x", "kernel", "net.ipv4.",
                ".net.x", "net.ipv4.ip forward")) {
            refused(builder().sysctl(bad, "1"), "dot-separated parts of a-z, 0-9 and '_'");
        }
        refused(builder().sysctl("kernel.shmmax", "1\0"), "NUL");
        refused(builder().sysctl("kernel.shmmax", "1".repeat(4097)), "longer than 4096");
    }

    @Test
    void theUtsSysctlsNeedUtsAndConflictWithTheirOptions() {
        refused(builder().sysctl("kernel.hostname", "x").hostname("y"), "hostname(...) both set the hostname");
        refused(builder().sysctl("kernel.domainname", "x").domainname("y"), "domainname(...) both set");
        refused(builder().sysctl("kernel.hostname", "x").namespaces(Namespace.MOUNT, Namespace.PID),
                "needs the UTS namespace");
        assertEquals("x", config(builder().sysctl("kernel.domainname", "x")).sysctls().get("kernel.domainname"));
    }

    @Test
    void domainnameNeedsUtsAndAtMost64Bytes() {
        assertEquals("example.org", config(builder().domainname("example.org")).domainname());
        assertNull(config(builder()).domainname(), "default: left as it is");
        refused(builder().domainname("x".repeat(65)), "1 to 64 bytes");
        refused(builder().domainname(""), "1 to 64 bytes");
        refused(builder().domainname("a").namespaces(Namespace.MOUNT, Namespace.PID), "needs the UTS namespace",
                "host's");
    }

    @Test
    void umaskIsNinePermissionBits() {
        assertEquals(027, config(builder().umask(027)).umask());
        assertEquals(-1, config(builder()).umask(), "default: the setup's 022");
        refused(builder().umask(01000), "umask(01000) is not a umask");
        refused(builder().umask(-2), "is not a umask");
    }

    @Test
    void groupAddNamesComeFromTheContainersGroupFile() throws Exception {
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\nhktstaff:x:4100:\n");
        assertEquals(List.of(4100, 12, 0), dev.hako.security.User.resolveGroups(List.of("hktstaff", "12", "root"),
                Rootfs.directory(rootfs)));
        if (!dev.hako.linux.Kernel.rootless()) { // without root, only the JVM's own gid is mapped
            assertEquals(List.of(4100, 12, 0), config(builder().groupAdd("hktstaff", "12", "root")).groupAdd());
        }
        refused(builder().groupAdd("nosuchgroup"), "groupAdd(\"nosuchgroup\")", "container's /etc/group");
        refused(builder().groupAdd("a:b"), "give a group name or a number");
        refused(builder().groupAdd(""), "give a group name or a number");
    }

    @Test
    void groupAddInAUserNamespaceMustBeMapped() {
        refused(builder().userNamespace(UserNamespace.of(List.of(IdMapping.of(0, dev.hako.linux.Kernel.effectiveUid(), 1)),
                List.of(IdMapping.of(0, dev.hako.linux.Kernel.effectiveGid(), 1)))).groupAdd("5000"), "gid 5000 is not mapped");
    }

    @Test
    void oomScoreAdjIsWithinTheKernelsRange() {
        assertEquals(500, config(builder().oomScoreAdj(500)).oomScoreAdj());
        assertNull(config(builder()).oomScoreAdj());
        refused(builder().oomScoreAdj(1001), "oomScoreAdj(1001) is out of range");
        refused(builder().oomScoreAdj(-1001), "out of range");
    }

    /**
     * {@code check} as root; without root (Surefire may run as anybody) the option is refused
     * for that reason alone, which is checked instead.
     */
    private void asRoot(Container.Builder b, Runnable check) {
        if (dev.hako.linux.Kernel.rootless()) {
            refused(b, "needs root");
        } else {
            check.run();
        }
    }

    @Test
    void withoutRootJoiningAndExactCgroupPathsAreRefused() {
        asRoot(builder().joinNamespace(Namespace.IPC, Path.of("/a")), () -> config(builder()));
        asRoot(builder().cgroupPath("/a/b"), () -> config(builder()));
    }

    @Test
    void joinedNamespacesReplaceTheOnesOfItsOwn() {
        asRoot(builder().joinNamespace(Namespace.IPC, Path.of("/a")), this::joinedNamespacesAsRoot);
    }

    private void joinedNamespacesAsRoot() {
        LaunchConfig c = config(builder().joinNamespace(Namespace.NETWORK, Path.of("/run/netns/x"))
                .joinNamespace(Namespace.UTS, Path.of("/proc/1/ns/uts")).joinNamespace(Namespace.IPC, Path.of("/a"))
                .joinNamespace(Namespace.PID, Path.of("/b")).joinNamespace(Namespace.CGROUP, Path.of("/c")));
        assertEquals(Set.of(Namespace.MOUNT), c.namespaces(), "only the mount namespace is made");
        assertTrue(c.network() instanceof dev.hako.net.NetworkPlan.Joined, c.network().toString());
        assertNull(c.hostname(), "a joined UTS namespace keeps its hostname");
        assertFalse(c.env().containsKey("HOSTNAME"), c.env().toString());
        assertTrue(c.hasNamespace(Namespace.UTS) && c.joins(Namespace.UTS));
        assertEquals("box", config(builder().joinNamespace(Namespace.UTS, Path.of("/x")).hostname("box")).hostname(),
                "or sets the one given, as runc does");
        assertEquals("1", config(builder().joinNamespace(Namespace.NETWORK, Path.of("/x"))
                .sysctl("net.ipv4.ip_forward", "1")).sysctls().get("net.ipv4.ip_forward"),
                "a joined network's sysctls may be set");
    }

    @Test
    void mountAndUserNamespacesCannotBeJoinedByAMultiThreadedJvm() {
        refused(builder().joinNamespace(Namespace.MOUNT, Path.of("/proc/1/ns/mnt")),
                "joinNamespace(MOUNT, /proc/1/ns/mnt)", "multi-threaded");
        refused(builder().joinNamespace(Namespace.USER, Path.of("/proc/1/ns/user")), "USER namespace cannot be joined");
    }

    @Test
    void aJoinedNamespaceIsGivenOnceAbsoluteAndWithoutConflicts() {
        asRoot(builder().joinNamespace(Namespace.IPC, Path.of("/a")), this::joinConflictsAsRoot);
    }

    private void joinConflictsAsRoot() {
        refused(builder().joinNamespace(Namespace.IPC, Path.of("/a")).joinNamespace(Namespace.IPC, Path.of("/b")),
                "another joinNamespace(IPC, ...) is given already");
        refused(builder().joinNamespace(Namespace.IPC, Path.of("rel")), "give an absolute path");
        refused(builder().joinNamespace(Namespace.NETWORK, Path.of("/a")).network(Network.none()),
                "joinNamespace(NETWORK, ...) and network(...)");
        refused(builder().joinNamespace(Namespace.UTS, Path.of("/a")).uidMap(0, 100000, 65536),
                "user namespace of the container's own conflict");
    }

    @Test
    void cgroupPathIsExactOrUnderTheParent() {
        asRoot(builder().cgroupPath("/a/b"), this::cgroupPathAsRoot);
    }

    private void cgroupPathAsRoot() {
        assertEquals("/libpod_parent/libpod-abc", config(builder().cgroupPath("/libpod_parent/libpod-abc")).cgroupPath());
        assertEquals("/pods/p1/app", config(builder().cgroupParent("/pods").cgroupPath("p1/app")).cgroupPath());
        assertNull(config(builder()).cgroupPath(), "default: cgroupParent/ID");
        for (String bad : List.of("/a//b", "/a/../b", "a/./b", "/a/b/", "/only", "/")) {
            refused(builder().cgroupPath(bad), "cgroupPath(\"" + bad + "\")");
        }
        refused(builder().cgroupPath("/a//b"), "an empty component");
        refused(builder().cgroupPath("/a/../b"), "the component \"..\"");
        refused(builder().cgroupPath("/only"), "directly below the hierarchy's root");
    }

    @Test
    void aPoolCannotShareOneExactCgroupPath() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder().cgroupPath("/a/b").configure("p1", true));
        assertTrue(e.getMessage().contains("a pool's members each need a cgroup of their own"), e.getMessage());
    }

    @Test
    void capabilitySetsFollowTheKernelsRulesNamingTheSet() {
        Set<String> none = Set.of();
        var c = config(builder().capabilitySets(Set.of("CHOWN", "NET_BIND_SERVICE"), Set.of("NET_BIND_SERVICE"),
                Set.of("CAP_NET_BIND_SERVICE"), Set.of("net_bind_service"), Set.of("NET_BIND_SERVICE"))).capabilities();
        assertTrue(c.isExplicit() && c.names().equals(List.of("CAP_CHOWN", "CAP_NET_BIND_SERVICE")), c.toString());
        refused(builder().capabilitySets(Set.of("KILL"), Set.of("KILL"), none, none, none),
                "the effective set has CAP_KILL, which the permitted set lacks");
        refused(builder().capabilitySets(Set.of("KILL"), none, Set.of("KILL"), none, Set.of("KILL")),
                "the ambient set has CAP_KILL, which the inheritable set lacks");
        refused(builder().capabilitySets(Set.of("KILL"), none, none, Set.of("KILL"), Set.of("KILL")),
                "the ambient set has CAP_KILL, which the permitted set lacks");
        refused(builder().capabilitySets(none, none, none, Set.of("KILL"), none),
                "the inheritable set has CAP_KILL, which the bounding set lacks");
        refused(builder().capabilitySets(Set.of("NO_SUCH_CAP"), none, none, none, none),
                "capabilitySets bounding(\"NO_SUCH_CAP\"): no such capability");
        refused(builder().capabilitySets(none, none, none, none, none).capAdd("KILL"),
                "capabilitySets(...) and capAdd/capDrop(...) both given");
    }

    @Test
    void capabilitySetsMayNameAll() {
        var c = config(builder().capabilitySets(Set.of("ALL"), none(), Set.of("ALL"), none(), none())).capabilities();
        if (dev.hako.linux.Kernel.rootless()) {
            // A JVM that cannot start containers does not clamp: every capability the kernel knows.
            assertEquals(dev.hako.linux.Kernel.lastCapability() + 1, c.names().size(), c.toString());
        } else {
            assertEquals(dev.hako.linux.Kernel.effectiveCapabilities(), c.mask(), "ALL: every capability the JVM has");
        }
    }

    private static Set<String> none() {
        return Set.of();
    }

    @Test
    void theDefaultsLeaveEverythingAsBefore() {
        LaunchConfig c = config(builder());
        assertEquals(Map.of(), c.sysctls());
        assertEquals(List.of(), c.groupAdd());
        assertEquals(List.of(), c.joinedNamespaces());
        assertFalse(c.capabilities().isExplicit());
    }
}
