package dev.hako.spawn;

import dev.hako.fs.EtcFiles;
import dev.hako.security.Capabilities;
import dev.hako.security.User;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.hako.spawn.ContainerProgramTest.assertInOrder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where the steps of the OCI runtime's options go in a container's plan (sysctl,
 * domainname, umask, groupAdd, capabilitySets): asserted without root.
 */
class OciOptionsProgramTest {

    static String plan(LaunchConfig config) throws Exception {
        try (Arena arena = Arena.ofConfined(); Stdio stdio = Stdio.open(config)) {
            try {
                return ContainerProgram.build(arena, config, stdio, 40, 41, List.<EtcFiles.Entry>of()).toString();
            } finally {
                stdio.closeChildEnds();
            }
        }
    }

    @Test
    void sysctlsAreWrittenAfterProcIsMountedAndBeforeProcSysIsReadOnly() throws Exception {
        Map<String, String> sysctls = new LinkedHashMap<>();
        sysctls.put("kernel.shmmni", "2048");
        sysctls.put("net.ipv4.ip_unprivileged_port_start", "80");
        String plan = plan(new TestConfig().sysctls(sysctls).build());
        assertInOrder(plan, "mount(\"proc\", \"/proc\", \"proc\"",
                "openat(AT_FDCWD, \"/proc/sys/kernel/shmmni\", O_WRONLY|O_CLOEXEC", "write(", "<4 bytes>, 4)",
                "openat(AT_FDCWD, \"/proc/sys/net/ipv4/ip_unprivileged_port_start\", O_WRONLY|O_CLOEXEC",
                "<2 bytes>, 2)", "\"/proc/sys\"", "execve(");
        assertTrue(plan.contains("the sysctl kernel.shmmni=2048 (sysctl)"), "each write names its sysctl:\n" + plan);
        assertFalse(plan(new TestConfig().build()).contains("/proc/sys/kernel"), "none given, none written");
    }

    @Test
    void theDomainNameFollowsTheHostname() throws Exception {
        TestConfig t = new TestConfig().domainname("example.org");
        t.hostname = "box";
        assertInOrder(plan(t.build()), "sethostname(\"box\", 3)", "setdomainname(\"example.org\", 11)",
                "read(3, buf, 1)", "execve(");
        assertFalse(plan(new TestConfig().build()).contains("setdomainname"), "none given, none set");
    }

    @Test
    void theUmaskIsTheLastStepBeforeExecveAndTheDefaultIsDockers() throws Exception {
        String plan = plan(new TestConfig().umask(027).build());
        assertInOrder(plan, "umask(022)", "read(3, buf, 1)", "setresuid(", "chdir(", "umask(027)", "execve(");
        String defaults = plan(new TestConfig().build());
        assertEquals(2, defaults.split("umask\\(", -1).length - 1, "only the setup's 0 and 022:\n" + defaults);
    }

    @Test
    void groupAddJoinsTheUsersOwnGroupsInSetgroups() throws Exception {
        String plan = plan(new TestConfig().user(new User(1000, 1000, List.of(20), "/home/u")).groupAdd(List.of(5000, 20))
                .build());
        assertInOrder(plan, "setgroups(2, [20, 5000])", "setresgid(1000, 1000, 1000)", "setresuid(1000, 1000, 1000)");
        assertTrue(plan(new TestConfig().groupAdd(List.of(7)).build()).contains("setgroups(1, [7])"), "root too");
    }

    @Test
    void explicitCapabilitySetsGoToCapsetAsGivenAndAmbientIsRaisedAfter() throws Exception {
        long chown = 1L << Capabilities.number("CHOWN", "t");
        long kill = 1L << Capabilities.number("KILL", "t");
        long bind = 1L << Capabilities.number("NET_BIND_SERVICE", "t");
        Capabilities sets = Capabilities.explicit(chown | kill | bind, bind, kill | bind, kill | bind, bind);
        String plan = plan(new TestConfig().user(new User(1000, 1000, List.of(), "/")).capabilities(sets).build());
        assertInOrder(plan, "the capability bounding set CAP_CHOWN|CAP_KILL|CAP_NET_BIND_SERVICE (capabilitySets)",
                "prctl(PR_CAPBSET_DROP, CAP_DAC_OVERRIDE)", "prctl(PR_SET_KEEPCAPS, 1)", "setresuid(1000",
                "capset({_LINUX_CAPABILITY_VERSION_3, 0}, {effective=CAP_NET_BIND_SERVICE, permitted=CAP_KILL"
                        + "|CAP_NET_BIND_SERVICE, inheritable=CAP_KILL|CAP_NET_BIND_SERVICE})",
                "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE)", "execve(");
        assertFalse(plan.contains("PR_CAPBSET_DROP, CAP_KILL)"), "the bounding set keeps what was given:\n" + plan);
        assertFalse(plan.contains("PR_CAP_AMBIENT_RAISE, CAP_KILL"), "only the ambient set is raised:\n" + plan);
        String root = plan(new TestConfig().capabilities(sets).build());
        assertTrue(root.contains("PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE"), "root gets the sets as given too:\n"
                + root);
    }

    @Test
    void theRoomLeftForTheCommandHoldsTheUmaskGroupsAndEveryAmbientCapability() throws Exception {
        TestConfig big = new TestConfig().umask(077).groupAdd(List.of(1, 2, 3))
                .user(new User(1000, 1000, List.of(4), "/"))
                .capabilities(Capabilities.explicit(-1L, -1L, -1L, -1L, -1L)).noNewPrivileges(false)
                .seccomp(dev.hako.seccomp.Profile.dockerDefault().compile(dev.hako.seccomp.Arch.host()));
        LaunchConfig c = big.build();
        try (Arena arena = Arena.ofConfined(); Stdio stdio = Stdio.open(c)) {
            try {
                String whole = ContainerProgram.build(arena, c, stdio, 40, 41, List.of()).toString();
                var p = ContainerProgram.setUp(arena, c, stdio, 40, 41, List.of(), List.of(), -1, null);
                p.buildFirstPart(ContainerProgram.roomForTheCommand(c));
                ContainerProgram.addTheCommand(p, c);
                assertEquals(whole, p.build().toString(), "the same program, written in two parts");
            } finally {
                stdio.closeChildEnds();
            }
        }
    }
}
