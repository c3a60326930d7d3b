package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerException;
import dev.hako.ContainerProcess;
import dev.hako.Namespace;
import dev.hako.Rootfs;
import dev.hako.cgroup.CgroupLayout;
import dev.hako.cgroup.Controller;
import dev.hako.cgroup.StaleCgroups;
import dev.hako.linux.Kernel;
import dev.hako.linux.linux_h;
import dev.hako.testing.KernelTest;
import dev.hako.testing.TestCgroups;
import dev.hako.testing.TestRootfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the kernel makes of the options an OCI config.json asks for: sysctl, domainname,
 * umask, groupAdd, oomScoreAdj, joinNamespace, cgroupPath and capabilitySets. Each test has
 * a control that shows it could fail: the same container without the option differs.
 */
@KernelTest
class OciOptionsIT {

    private static String sh(Container.Builder b, String script) throws Exception {
        return ok(b.command("/bin/sh", "-c", script).run());
    }

    // ---- sysctl ----

    @Test
    void namespacedSysctlsAreSetInsideAndTheHostKeepsItsOwn() throws Exception {
        String hostShm = Files.readString(Path.of("/proc/sys/kernel/shmmni")).trim();
        String hostPort = Files.readString(Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start")).trim();
        String script = "cat /proc/sys/kernel/shmmni /proc/sys/net/ipv4/ip_unprivileged_port_start";
        String control = sh(builder(), script);
        assertNotEquals("1234\n77\n", control, "the control: the values are not these by default");
        assertEquals("1234\n77\n", sh(builder().sysctl("kernel.shmmni", "1234")
                .sysctl("net.ipv4.ip_unprivileged_port_start", "77"), script));
        assertEquals(hostShm, Files.readString(Path.of("/proc/sys/kernel/shmmni")).trim(), "the host's IPC sysctl");
        assertEquals(hostPort, Files.readString(Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start")).trim(),
                "the host's network sysctl");
    }

    @Test
    void inAUserNamespaceTheSysctlsOfItsOwnNamespacesAreSetToo() throws Exception {
        String script = "cat /proc/sys/kernel/shmmni /proc/sys/net/ipv4/ip_unprivileged_port_start";
        Container.Builder b = builder().uidMap(0, 200000, 65536);
        assertNotEquals("1234\n77\n", sh(b, script), "the control");
        assertEquals("1234\n77\n", sh(b.sysctl("kernel.shmmni", "1234").sysctl("net.ipv4.ip_unprivileged_port_start",
                "77"), script));
    }

    @Test
    void procSysIsStillReadOnlyAfterTheSysctlsAreWritten() throws Exception {
        assertEquals("read-only\n", sh(builder().sysctl("kernel.shmmni", "1234"),
                "echo 99 > /proc/sys/kernel/shmmni 2>/dev/null && echo writable || echo read-only"));
    }

    @Test
    void aSysctlThisKernelLacksFailsTheStartNamingIt() {
        Container c = builder().sysctl("net.ipv4.hkt_no_such_sysctl", "1").command("/bin/true").build();
        ContainerException e = assertThrows(ContainerException.class, () -> {
            try (c) {
                c.start();
            }
        });
        assertTrue(e.getMessage().contains("the sysctl net.ipv4.hkt_no_such_sysctl=1 (sysctl)")
                && e.getMessage().contains("ENOENT"), e.getMessage());
    }

    @Test
    void aValueTheKernelRefusesFailsTheStartNamingTheSysctl() {
        Container c = builder().sysctl("kernel.shmmni", "not-a-number").command("/bin/true").build();
        ContainerException e = assertThrows(ContainerException.class, () -> {
            try (c) {
                c.start();
            }
        });
        assertTrue(e.getMessage().contains("the sysctl kernel.shmmni=not-a-number (sysctl)")
                && e.getMessage().contains("EINVAL"), e.getMessage());
    }

    // ---- domainname ----

    @Test
    void theDomainNameIsTheContainersAlone() throws Exception {
        String host = Files.readString(Path.of("/proc/sys/kernel/domainname"));
        assertNotEquals("hkt.example\n", sh(builder(), "cat /proc/sys/kernel/domainname"), "the control");
        assertEquals("hkt.example\n", sh(builder().domainname("hkt.example"), "cat /proc/sys/kernel/domainname"));
        assertEquals(host, Files.readString(Path.of("/proc/sys/kernel/domainname")), "the host's stays");
    }

    // ---- umask ----

    @Test
    void theCommandStartsWithTheUmaskGiven() throws Exception {
        String script = "umask; touch /dev/shm/f; stat -c %a /dev/shm/f"; // /dev/shm: the container's own tmpfs
        assertEquals("0022\n644\n", sh(builder(), script), "the control: Docker's 022");
        assertEquals("0027\n640\n", sh(builder().umask(027), script));
    }

    // ---- groupAdd ----

    @Test
    void groupAddGivesGroupsByNumberAndByTheImagesOwnNames(@TempDir Path layer) throws Exception {
        Files.createDirectories(layer.resolve("etc"));
        Files.writeString(layer.resolve("etc/group"), "root:x:0:\nhktaudio:x:6100:\nhktvideo:x:6200:\n");
        Rootfs image = Rootfs.overlay(layer, TestRootfs.path());
        assertEquals("1234 5678\n", sh(builder().rootfs(image).user("1234:5678"), "echo $(id -u) $(id -G)"),
                "the control: no supplementary group");
        // The kernel sorts the supplementary groups.
        assertEquals("1234 5678 777 6100 6200\n", sh(builder().rootfs(image).user("1234:5678")
                .groupAdd("hktaudio", "777").groupAdd("hktvideo"), "echo $(id -u) $(id -G)"));
    }

    @Test
    void aGroupNameOnlyTheHostDefinesIsRefused() {
        // The host's /etc/group has "root"; the container's rootfs decides, and the test rootfs
        // has none of the host's group names but its own.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder().groupAdd("hkt-no-such-group").command("/bin/true").build());
        assertTrue(e.getMessage().contains("hkt-no-such-group") && e.getMessage().contains("container's /etc/group"),
                e.getMessage());
    }

    // ---- oomScoreAdj ----

    private static int jvmScore() throws IOException {
        return Integer.parseInt(Files.readString(Path.of("/proc/self/oom_score_adj")).trim());
    }

    @Test
    void aRaisedScoreIsTheCommandsAndItsChildrensButNotTheJvms() throws Exception {
        int before = jvmScore();
        int raised = Math.min(1000, before + 300);
        try (Container c = builder().oomScoreAdj(raised).command("/bin/sh", "-c",
                "read go; cat /proc/self/oom_score_adj").build()) {
            ContainerProcess p = c.start();
            assertEquals(raised, Integer.parseInt(Files.readString(Path.of("/proc/" + p.pid() + "/oom_score_adj"))
                    .trim()), "the command's, once start() returned");
            p.getOutputStream().write("go\n".getBytes(StandardCharsets.US_ASCII));
            p.getOutputStream().close();
            assertEquals(raised + "\n", new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII),
                    "what it forks after");
            assertEquals(0, p.waitFor());
        }
        assertEquals(before, jvmScore(), "the JVM's own is unchanged");
        assertEquals(before + "\n", sh(builder(), "cat /proc/self/oom_score_adj"), "the control: the JVM's");
    }

    @Test
    void loweringTheScoreBelowTheJvmsNeedsCapSysResource() throws Exception {
        int before = jvmScore();
        Container c = builder().oomScoreAdj(-1000).command("/bin/true").build();
        if (Kernel.hasCapability(linux_h.CAP_SYS_RESOURCE())) {
            try (c) {
                assertEquals(0, c.start().waitFor(), "with CAP_SYS_RESOURCE lowering works");
            }
        } else {
            ContainerException e = assertThrows(ContainerException.class, () -> {
                try (c) {
                    c.start();
                }
            });
            assertTrue(e.getMessage().contains("oomScoreAdj(-1000) lowers the score below the JVM's own (" + before
                    + "), which needs CAP_SYS_RESOURCE, and this JVM lacks it"), e.getMessage());
        }
        assertEquals(before, jvmScore(), "the JVM's own is unchanged");
    }

    // ---- joinNamespace ----

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "hung: " + List.of(command));
        assertEquals(0, p.exitValue(), () -> List.of(command) + ": " + out);
        return out;
    }

    private static long inode(Path nsFile) throws IOException {
        return (Long) Files.getAttribute(nsFile, "unix:ino");
    }

    @Test
    void aContainerJoinsANamedNetworkNamespaceWithItsLinks() throws Exception {
        String name = "hkt" + ProcessHandle.current().pid() % 100000;
        run("ip", "netns", "add", name);
        try {
            Path file = Path.of("/run/netns/" + name);
            run("ip", "netns", "exec", name, "ip", "link", "add", "hkta" + name.substring(3), "type", "veth", "peer",
                    "name", "hktb" + name.substring(3));
            String script = "readlink /proc/self/ns/net; cat /proc/net/dev";
            String joined = sh(builder().joinNamespace(Namespace.NETWORK, file), script);
            assertTrue(joined.startsWith("net:[" + inode(file) + "]\n"), joined);
            assertTrue(joined.contains("hkta" + name.substring(3)) && joined.contains("hktb" + name.substring(3)),
                    "the namespace's veth pair is there:\n" + joined);
            String control = sh(builder(), script);
            assertFalse(control.startsWith("net:[" + inode(file) + "]"), "the control: a namespace of its own");
            assertFalse(control.contains("hkta"), control);
            // The spawner thread went back: a container on the host's network is born in the JVM's.
            assertEquals("net:[" + inode(Path.of("/proc/self/ns/net")) + "]\n", sh(builder().namespaces(Namespace.MOUNT,
                    Namespace.PID, Namespace.UTS, Namespace.IPC), "readlink /proc/self/ns/net"));
        } finally {
            run("ip", "netns", "del", name);
        }
    }

    @Test
    void aContainerJoinsTheUtsNamespaceOfAnother() throws Exception {
        try (Container pod = builder().hostname("hktpod").command("/bin/cat").build()) {
            ContainerProcess first = pod.start();
            Path uts = Path.of("/proc/" + first.pid() + "/ns/uts");
            assertEquals("hktpod\n", sh(builder().joinNamespace(Namespace.UTS, uts), "cat /proc/sys/kernel/hostname"));
            assertNotEquals("hktpod\n", sh(builder(), "cat /proc/sys/kernel/hostname"), "the control");
            first.getOutputStream().close();
            assertEquals(0, first.waitFor());
        }
    }

    @Test
    void aContainerJoinsTheIpcPidAndCgroupNamespacesOfAnother() throws Exception {
        try (Container pod = builder().command("/bin/cat").build()) {
            ContainerProcess first = pod.start();
            Path ns = Path.of("/proc/" + first.pid() + "/ns");
            String script = "for n in ipc pid cgroup; do readlink /proc/self/ns/$n; done";
            String expected = "ipc:[" + inode(ns.resolve("ipc")) + "]\npid:[" + inode(ns.resolve("pid")) + "]\ncgroup:["
                    + inode(ns.resolve("cgroup")) + "]\n";
            assertEquals(expected, sh(builder().joinNamespace(Namespace.IPC, ns.resolve("ipc"))
                    .joinNamespace(Namespace.PID, ns.resolve("pid"))
                    .joinNamespace(Namespace.CGROUP, ns.resolve("cgroup")), script));
            String control = sh(builder(), script);
            for (String line : expected.split("\n")) {
                assertFalse(control.contains(line), "the control has namespaces of its own: " + control);
            }
            // In the joined PID namespace the other container's command is PID 1.
            assertEquals("cat\n", sh(builder().joinNamespace(Namespace.PID, ns.resolve("pid")), "cat /proc/1/comm"));
            first.getOutputStream().close();
            assertEquals(0, first.waitFor());
        }
    }

    @Test
    void writingIntoTheJvmsOwnJoinedNamespaceIsRefused() throws Exception {
        String host = Files.readString(Path.of("/proc/sys/kernel/hostname"));
        Path uts = Path.of("/proc/self/ns/uts");
        for (Container.Builder b : List.of(builder().joinNamespace(Namespace.UTS, uts).hostname("hktnope"),
                builder().joinNamespace(Namespace.UTS, uts).domainname("hktnope"),
                builder().joinNamespace(Namespace.NETWORK, Path.of("/proc/self/ns/net"))
                        .sysctl("net.ipv4.ip_unprivileged_port_start", "77"),
                builder().joinNamespace(Namespace.IPC, Path.of("/proc/self/ns/ipc")).sysctl("kernel.shmmni", "1234"))) {
            Container c = b.command("/bin/true").build();
            ContainerException e = assertThrows(ContainerException.class, () -> {
                try (c) {
                    c.start();
                }
            });
            assertTrue(e.getMessage().contains("is this JVM's own") && e.getMessage().contains("would change the host's"),
                    e.getMessage());
        }
        assertEquals(host, Files.readString(Path.of("/proc/sys/kernel/hostname")), "the host's hostname");
        // The control: another container's UTS namespace takes the hostname.
        try (Container pod = builder().hostname("hktpod2").command("/bin/cat").build()) {
            ContainerProcess first = pod.start();
            assertEquals("hktset\n", sh(builder().joinNamespace(Namespace.UTS, Path.of("/proc/" + first.pid()
                    + "/ns/uts")).hostname("hktset"), "cat /proc/sys/kernel/hostname"));
            assertEquals("hktset\n", sh(builder().joinNamespace(Namespace.UTS, Path.of("/proc/" + first.pid()
                    + "/ns/uts")), "cat /proc/sys/kernel/hostname"), "the namespace's, which the next one sees");
            first.getOutputStream().close();
            first.waitFor();
        }
    }

    @Test
    void aFileThatIsNoNamespaceIsRefusedAtStartNamingIt(@TempDir Path dir) throws Exception {
        Path plain = Files.writeString(dir.resolve("hkt-not-a-namespace"), "x");
        Container c = builder().joinNamespace(Namespace.NETWORK, plain).command("/bin/true").build();
        ContainerException e = assertThrows(ContainerException.class, () -> {
            try (c) {
                c.start();
            }
        });
        assertTrue(e.getMessage().contains("joinNamespace(NETWORK, " + plain + "): " + plain
                + " is not a namespace file (a regular file)"), e.getMessage());
    }

    @Test
    void aFifoADeviceOrADirectoryIsRefusedWithoutBeingOpened(@TempDir Path dir) throws Exception {
        // Opening a FIFO for reading would block the start until a writer came.
        Path fifo = dir.resolve("hkt-fifo");
        run("mkfifo", fifo.toString());
        for (Path p : List.of(fifo, Path.of("/dev/null"), dir)) {
            Container c = builder().joinNamespace(Namespace.IPC, p).command("/bin/true").build();
            ContainerException e = assertThrows(ContainerException.class, () -> {
                try (c) {
                    c.start();
                }
            });
            String what = p.equals(fifo) ? "a fifo" : p.equals(dir) ? "a directory" : "a device";
            assertTrue(e.getMessage().contains(p + " is not a namespace file (" + what + ")"), e.getMessage());
        }
    }

    @Test
    void aMissingFileIsRefusedAtStartNamingIt() {
        Path missing = Path.of("/run/netns/hkt-no-such-netns");
        Container c = builder().joinNamespace(Namespace.NETWORK, missing).command("/bin/true").build();
        ContainerException e = assertThrows(ContainerException.class, () -> {
            try (c) {
                c.start();
            }
        });
        assertTrue(e.getMessage().contains("joinNamespace(NETWORK, " + missing + "): " + missing
                + " cannot be opened (ENOENT"), e.getMessage());
    }

    @Test
    void aNamespaceOfAnotherTypeIsRefusedAtStartNamingIt() throws Exception {
        Path uts = Path.of("/proc/self/ns/uts");
        Container c = builder().joinNamespace(Namespace.NETWORK, uts).command("/bin/true").build();
        ContainerException e = assertThrows(ContainerException.class, () -> {
            try (c) {
                c.start();
            }
        });
        assertTrue(e.getMessage().contains(uts + " is a uts namespace, not a net one"), e.getMessage());
        // The control: the same file for UTS is taken.
        assertEquals("ok\n", sh(builder().joinNamespace(Namespace.UTS, uts), "echo ok"));
    }

    // ---- cgroupPath ----

    @Test
    void theCgroupIsAtTheExactPathAndCloseRemovesOnlyIt() throws Exception {
        String pod = TestCgroups.parent() + "/hktpod";
        Path own = TestCgroups.containerDir(Controller.PIDS, "hktpod/app1");
        try {
            exactPathAndItsParentThatStays(pod, own);
        } finally {
            removeIntermediate("hktpod");
        }
    }

    /** The directories between the test parent and a container at an exact path: made for it, left by close(). */
    private static void removeIntermediate(String name) throws IOException {
        CgroupLayout layout = CgroupLayout.detect();
        StaleCgroups.removeParent(layout, TestCgroups.parent() + "/" + name);
        assertFalse(Files.exists(TestCgroups.containerDir(Controller.PIDS, name)), "the test leaves no " + name);
    }

    private static void exactPathAndItsParentThatStays(String pod, Path own) throws Exception {
        try (Container c = builder().cgroupPath(pod + "/app1").command("/bin/sh", "-c", "read x").build()) {
            ContainerProcess p = c.start();
            assertTrue(Files.readString(own.resolve("cgroup.procs")).contains(Long.toString(p.pid())),
                    "the command is in " + own);
            assertFalse(Files.exists(TestCgroups.containerDir(Controller.PIDS, c.id())),
                    "the control: nothing at cgroupParent/ID");
            p.getOutputStream().close();
            p.waitFor();
        }
        assertFalse(Files.exists(own), own + " is removed by close()");
        assertTrue(Files.isDirectory(own.getParent()), "its parent, which a pod may share, stays");
    }

    @Test
    void aRelativePathIsUnderTheParent() throws Exception {
        Path own = TestCgroups.containerDir(Controller.PIDS, "hktrel/app2");
        try (Container c = builder().cgroupPath("hktrel/app2").command("/bin/sh", "-c", "read x").build()) {
            ContainerProcess p = c.start();
            assertTrue(Files.readString(own.resolve("cgroup.procs")).contains(Long.toString(p.pid())), own.toString());
            p.getOutputStream().close();
            p.waitFor();
        } finally {
            removeIntermediate("hktrel");
        }
    }

    @Test
    void noSweepOfStaleCgroupsRemovesOneAtAnExactPath() throws Exception {
        CgroupLayout layout = CgroupLayout.detect();
        Path parentDir = TestCgroups.containerDir(Controller.PIDS, "x").getParent();
        try (Container exact = builder().cgroupPath("hktswept/app3").command("/bin/true").build();
             Container plain = builder().command("/bin/true").build()) {
            assertEquals(0, exact.start().waitFor());
            assertEquals(0, plain.start().waitFor());
            // Both exited, not closed: their cgroups are empty, as a stale one is.
            List<Path> removed = StaleCgroups.remove(layout, TestCgroups.parent(), Duration.ZERO);
            assertTrue(removed.contains(parentDir.resolve(plain.id())), "the control: the plain one is swept: "
                    + removed);
            assertTrue(Files.isDirectory(parentDir.resolve("hktswept/app3")), "the exact one stays: " + removed);
            assertTrue(removed.stream().noneMatch(d -> d.toString().contains("hktswept")), removed.toString());
        } finally {
            removeIntermediate("hktswept");
        }
    }

    // ---- capabilitySets ----

    @Test
    void theFiveSetsAreTheCommandsAsGiven() throws Exception {
        String script = "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status";
        long bind = 1L << linux_h.CAP_NET_BIND_SERVICE();
        long kill = 1L << linux_h.CAP_KILL();
        long chown = 1L << linux_h.CAP_CHOWN();
        String expected = String.format("CapInh:\t%016x\nCapPrm:\t%016x\nCapEff:\t%016x\nCapBnd:\t%016x\nCapAmb:\t%016x\n",
                kill | bind, bind, bind, chown | kill | bind, bind);
        String control = sh(builder().user("1234:1234"), script);
        assertNotEquals(expected, control, "the control: Docker's default, no ambient capability");
        assertEquals(expected, sh(builder().user("1234:1234").capabilitySets(Set.of("CHOWN", "KILL", "NET_BIND_SERVICE"),
                Set.of("NET_BIND_SERVICE"), Set.of("KILL", "CAP_NET_BIND_SERVICE"), Set.of("kill", "NET_BIND_SERVICE"),
                Set.of("NET_BIND_SERVICE")), script));
    }

    @Test
    void rootKeepsTheSetsAsGivenUnderNoNewPrivsAndGetsItsBoundingSetWithout() throws Exception {
        // execve gives uid 0 its bounding set as permitted and effective, unless no_new_privs
        // (the default) forbids gaining any: then it keeps what it had.
        Container.Builder b = builder().capabilitySets(Set.of("CHOWN", "KILL"), Set.of("KILL"), Set.of("KILL"),
                Set.of(), Set.of());
        String script = "grep -E '^Cap(Prm|Eff|Bnd)' /proc/self/status";
        long kill = 1L << linux_h.CAP_KILL();
        long both = (1L << linux_h.CAP_CHOWN()) | kill;
        assertEquals(String.format("CapPrm:\t%016x\nCapEff:\t%016x\nCapBnd:\t%016x\n", kill, kill, both), sh(b, script));
        assertEquals(String.format("CapPrm:\t%016x\nCapEff:\t%016x\nCapBnd:\t%016x\n", both, both, both),
                sh(b.noNewPrivileges(false), script), "the control: without no_new_privs");
    }
}
