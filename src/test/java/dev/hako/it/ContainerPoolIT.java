package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerException;
import dev.hako.ContainerPool;
import dev.hako.ContainerProcess;
import dev.hako.Mount;
import dev.hako.Network;
import dev.hako.testing.HostnameFetch;
import dev.hako.testing.JvmResources;
import dev.hako.testing.KernelTest;
import dev.hako.testing.TestBridges;
import dev.hako.testing.TestCgroups;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A pool's members against the real kernel: each start runs its own command with its own
 * environment, directory, user and stdio; a member is what a cold container of the same
 * configuration is; closing releases every waiting member; members that fail or die are
 * replaced; thousands of starts leave nothing behind.
 */
@KernelTest
class ContainerPoolIT {

    static String out(ContainerProcess p) throws Exception {
        p.getOutputStream().close();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), () -> "pooled command failed: " + text + err);
        return text;
    }

    /** Waits (up to 30 s) until {@code n} members wait. */
    static void awaitWaiting(ContainerPool pool, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (pool.waiting() < n) {
            if (System.nanoTime() > deadline) {
                fail("the pool has " + pool.waiting() + " waiting members, not " + n);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void eachStartHasItsOwnCommandEnvironmentDirectoryUserAndStdio(@TempDir Path dir) throws Exception {
        try (ContainerPool pool = ContainerPool.builder(builder().env("FROM_POOL", "pool")).size(2).build()) {
            assertEquals("pool hi / 0\n", out(pool.command("/bin/sh", "-c", "echo $FROM_POOL $X $(pwd) $(id -u)")
                    .env("X", "hi").start()));
            assertEquals("/tmp 1234 5678 /\n", out(pool.command("/bin/sh", "-c", "echo $(pwd) $(id -u) $(id -g) $HOME")
                    .workingDir("/tmp").user("1234:5678").start()));
            ContainerProcess echo = pool.command("cat").start();
            echo.getOutputStream().write("through stdin\n".getBytes(StandardCharsets.UTF_8));
            assertEquals("through stdin\n", out(echo));
            Path file = dir.resolve("out.txt");
            ContainerProcess toFile = pool.command("/bin/sh", "-c", "echo to a file; echo and stderr >&2")
                    .redirectOutput(Redirect.to(file.toFile())).redirectErrorStream(true).start();
            assertEquals(0, toFile.waitFor());
            assertEquals("to a file\nand stderr\n", Files.readString(file));
            ContainerProcess code = pool.start("/bin/sh", "-c", "exit 7");
            assertEquals(7, code.waitFor());
            String names = out(pool.start("/bin/sh", "-c", "echo $HOSTNAME; hostname"));
            assertEquals(names.lines().toList().get(0), names.lines().toList().get(1), "HOSTNAME is the member's");
            assertThrows(ContainerException.class, () -> pool.start("/no/such/command"));
            awaitWaiting(pool, 2); // the member that failed is replaced
        }
    }

    /**
     * What a member's command sees of itself (its status: ids, capabilities, seccomp,
     * no_new_privs, signal masks; its mounts; its descriptors; its limits and hostname's
     * length) is what a cold container of the same configuration sees.
     */
    @Test
    void aMemberIsWhatAColdContainerIs() throws Exception {
        String script = "grep -vE '^(Pid|PPid|Tgid|NSpid|NStgid|NSpgid|NSsid|Vm|Rss|voluntary|nonvoluntary|Threads"
                + "|SigQ|Kthread)' /proc/self/status; echo ---;"
                + " cut -d' ' -f4- /proc/self/mountinfo | sed 's/ shared:[0-9]*//; s/ master:[0-9]*//';"
                + " echo ---; ls -l /proc/self/fd | sed 's/ [A-Z][a-z][a-z] *[0-9]* [0-9:]* / /; s/[0-9]*]/]/';"
                + " echo ---; ulimit -a; echo ---; hostname | wc -c; cat /sys/fs/cgroup/memory/memory.limit_in_bytes"
                + " 2>/dev/null; cat /proc/self/cgroup | sed 's/[0-9a-f]\\{12\\}//g'";
        Container.Builder config = builder().memoryLimit("48m").pidsLimit(32).rlimit("NOFILE", 512, 512)
                .capDrop("NET_RAW").readonlyRootfs(true);
        String cold = ok(config.user("1234").command("/bin/sh", "-c", script).run());
        try (ContainerPool pool = ContainerPool.builder(builder().memoryLimit("48m").pidsLimit(32)
                .rlimit("NOFILE", 512, 512).capDrop("NET_RAW").readonlyRootfs(true)).size(1).build()) {
            awaitWaiting(pool, 1);
            String pooled = out(pool.command("/bin/sh", "-c", script).user("1234").start());
            assertEquals(cold, pooled);
        }
    }

    /** Members in user namespaces of their own (a root JVM mapping an unprivileged range): the same as cold ones. */
    @Test
    void membersInAUserNamespaceAreWhatColdOnesAre(@TempDir Path dir) throws Exception {
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path rootfs = dev.hako.cli.MinimalRootfs.build(dir.resolve("rootfs"));
        String script = "id -u; id -g; cat /proc/self/uid_map; grep -E '^(Cap|NoNewPrivs|Seccomp)' /proc/self/status;"
                + " cut -d' ' -f4- /proc/self/mountinfo | sed 's/ shared:[0-9]*//; s/ master:[0-9]*//'";
        Container.Builder mapped = Container.builder().rootfs(rootfs).cgroupParent(TestCgroups.parent())
                .uidMap(0, 1_310_000, 65536);
        String cold = ok(mapped.command("/bin/sh", "-c", script).run());
        try (ContainerPool pool = ContainerPool.builder(Container.builder().rootfs(rootfs)
                .cgroupParent(TestCgroups.parent()).uidMap(0, 1_310_000, 65536)).size(1).build()) {
            assertEquals(cold, out(pool.start("/bin/sh", "-c", script)));
            assertTrue(out(pool.command("id", "-u").user("1234").start()).equals("1234\n"));
        }
        assertTrue(cold.startsWith("0\n0\n"), cold);
    }

    /**
     * On a bridge, each member has its own address and its own random host port for the
     * published one; a pool refuses a fixed host port, which only one member could hold.
     */
    @Test
    void onABridgeEachMemberHasItsOwnAddressAndHostPort() throws Exception {
        Network.Bridge net = Network.bridge().named("hktb8").subnet("10.241.0.0/24");
        IllegalArgumentException fixed = assertThrows(IllegalArgumentException.class,
                () -> ContainerPool.builder(builder().network(net).publish("8080:80")).build());
        assertTrue(fixed.getMessage().contains("0:80"), fixed.getMessage());
        try (ContainerPool pool = ContainerPool.builder(builder().network(net).publish("0:80")).size(2).build()) {
            ContainerProcess a = pool.start("httpd", "-f", "-p", "80", "-h", "/etc");
            ContainerProcess b = pool.start("httpd", "-f", "-p", "80", "-h", "/etc");
            try {
                assertNotEquals(a.ipAddress().orElseThrow(), b.ipAddress().orElseThrow());
                assertNotEquals(a.hostPort(80), b.hostPort(80));
                String hostnameA = HostnameFetch.fromLoopback(a.hostPort(80));
                String hostnameB = HostnameFetch.fromLoopback(b.hostPort(80));
                assertEquals(a.container().id().substring(0, 12), hostnameA);
                assertEquals(b.container().id().substring(0, 12), hostnameB);
            } finally {
                a.container().close();
                b.container().close();
            }
        } finally {
            TestBridges.remove(List.of("hktb8"));
        }
    }

    /** The pod model: members that join a running container's network namespace reach its server on loopback. */
    @Test
    void membersJoinAnotherContainersNetwork() throws Exception {
        try (Container server = builder().hostname("pod-server")
                .command("httpd", "-f", "-p", "127.0.0.1:8080", "-h", "/etc").build()) {
            ContainerProcess p = server.start();
            String namespace = Files.readSymbolicLink(Path.of("/proc/" + p.pid() + "/ns/net")).toString();
            try (ContainerPool pool = ContainerPool.builder(builder().network(Network.container(server)))
                    .size(1).build()) {
                String script = "readlink /proc/self/ns/net; for i in $(seq 1 100); do"
                        + " wget -q -O - http://127.0.0.1:8080/hostname && exit 0; sleep 0.05; done; exit 1";
                assertEquals(List.of(namespace, "pod-server"), out(pool.start("/bin/sh", "-c", script)).lines().toList());
            }
        }
    }

    /**
     * A waiting member runs on the JVM's memory. Without a PID namespace a started member's
     * processes see the waiting ones in /proc: root inside, with Docker's capabilities, must
     * not get at them (their memory, environment, root, descriptors), in a loop.
     */
    @Test
    void aStartedMemberCannotReachTheWaitingOnesThroughProc() throws Exception {
        assertEquals("done\n", attackTheWaitingMembers(builder()));
        // The control: with CAP_SYS_PTRACE (not in Docker's set) the same script gets in.
        String control = attackTheWaitingMembers(builder().capAdd("SYS_PTRACE"));
        assertTrue(control.contains("read-mem") && control.contains("read-environ"), control);
    }

    private static String attackTheWaitingMembers(Container.Builder template) throws Exception {
        java.util.Set<dev.hako.Namespace> noPid = java.util.EnumSet.copyOf(dev.hako.Namespace.all());
        noPid.remove(dev.hako.Namespace.PID);
        try (ContainerPool pool = ContainerPool.builder(template.namespaces(noPid)).size(3).build()) {
            awaitWaiting(pool, 3);
            List<Long> waiting = waitingChildren();
            assertEquals(3, waiting.size(), waiting.toString());
            StringBuilder script = new StringBuilder("for i in 1 2 3 4 5 6 7 8 9 10; do for p in");
            for (long pid : waiting) {
                script.append(' ').append(pid);
            }
            // One of them becomes the attacker itself ($$), which may read its own. Listing
            // /proc/PID/fd is allowed for any process of root's without a PID namespace (the
            // JVM's too: the directory is root's); following the links is not.
            script.append("; do [ $p = $$ ] && continue; [ -d /proc/$p ] || echo missing $p;"
                    + " a=$(head -n 1 /proc/$p/maps 2>/dev/null | cut -d- -f1); [ -n \"$a\" ] && echo read-maps $p;"
                    + " [ \"$(dd if=/proc/$p/mem bs=1 count=1 skip=$((0x${a:-0})) 2>/dev/null | wc -c)\" = 1 ]"
                    + " && echo read-mem $p;"
                    + " cat /proc/$p/environ >/dev/null 2>&1 && echo read-environ $p;"
                    + " ls /proc/$p/root/ >/dev/null 2>&1 && echo read-root $p;"
                    + " readlink /proc/$p/fd/0 >/dev/null 2>&1 && echo read-fd $p;"
                    + " readlink /proc/$p/cwd >/dev/null 2>&1 && echo read-cwd $p;"
                    + " done; done; echo done");
            ContainerProcess attacker = pool.start("/bin/sh", "-c", script.toString());
            String said = out(attacker);
            assertTrue(waitingChildren().containsAll(waiting.stream().filter(pid -> pid != attacker.pid()).toList()),
                    "the other waiting members are still there");
            return said;
        }
    }

    @Test
    void closeReleasesEveryWaitingMember() throws Exception {
        ok(builder().command("/bin/true").run());
        JvmResources before = JvmResources.snapshot();
        List<String> cgroupsBefore = TestCgroups.containerCgroups();
        ContainerPool pool = ContainerPool.builder(builder()).size(3).build();
        awaitWaiting(pool, 3);
        assertTrue(TestCgroups.containerCgroups().size() > cgroupsBefore.size(), "waiting members have cgroups");
        assertEquals(3, waitingChildren().size(), "three members wait, each a child of this JVM");
        pool.close();
        assertEquals(List.of(), waitingChildren());
        assertEquals(cgroupsBefore, TestCgroups.containerCgroups());
        JvmResources.assertNoLeakSince(before);
        assertThrows(IllegalStateException.class, () -> pool.start("/bin/true"));
    }

    @Test
    void startedMembersAreReplacedAndReleaseThemselvesAfterExit() throws Exception {
        List<String> cgroupsBefore = TestCgroups.containerCgroups();
        try (ContainerPool pool = ContainerPool.builder(builder()).size(1).build()) {
            for (int i = 0; i < 20; i++) {
                assertEquals(i + "\n", out(pool.start("/bin/sh", "-c", "echo " + i)));
            }
            awaitWaiting(pool, 1);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!TestCgroups.containerCgroups().equals(cgroupsBefore) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(cgroupsBefore, TestCgroups.containerCgroups(), "every started member released its cgroup");
    }

    @Test
    void aMemberKilledWhileItWaitsIsReplaced() throws Exception {
        try (ContainerPool pool = ContainerPool.builder(builder()).size(2).build()) {
            awaitWaiting(pool, 2);
            for (long pid : waitingChildren()) {
                new ProcessBuilder("kill", "-9", String.valueOf(pid)).start().waitFor();
            }
            assertEquals("still here\n", out(pool.start("/bin/echo", "still here")));
        }
    }

    @Test
    void aFailingSetupIsReportedAndReplacedOnceItWorksAgain(@TempDir Path dir) throws Exception {
        Path source = Files.createDirectory(dir.resolve("data"));
        Files.writeString(source.resolve("f"), "data\n");
        List<ContainerException> reported = new CopyOnWriteArrayList<>();
        try (ContainerPool pool = ContainerPool.builder(builder().mount(Mount.bind(source, "/data")))
                .size(1).onMemberFailure(reported::add).build()) {
            awaitWaiting(pool, 1);
            assertEquals("data\n", out(pool.start("cat", "/data/f")));
            Files.delete(source.resolve("f"));
            Files.delete(source); // every member set up from now on fails at its bind mount
            ContainerException e = null;
            for (int i = 0; i < 3 && e == null; i++) {
                try {
                    out(pool.start("cat", "/data/f")); // the member that was waiting may still have it
                } catch (ContainerException thrown) {
                    e = thrown;
                } catch (AssertionError ignored) {
                    // cat failed in a member set up before the delete
                }
            }
            assertTrue(e != null, "starts fail once no member can be set up");
            assertTrue(e.getMessage().contains(source.toString()), e.getMessage());
            assertFalse(reported.isEmpty(), "the failures were reported");
            assertTrue(reported.getFirst().getMessage().contains("mount"), reported.getFirst().getMessage());
            Files.createDirectory(source);
            Files.writeString(source.resolve("f"), "back\n");
            assertEquals("back\n", out(pool.start("cat", "/data/f")));
        }
    }

    /**
     * With terminal(true) each member makes its pty at the setup, as a cold container does;
     * a start's stdio is that terminal, its controlling one, owned by the start's user, and
     * resizable. Redirects are refused: the terminal is every start's stdio.
     */
    @Test
    void membersWithATerminalGiveEachStartItsOwnOwnedByItsUser() throws Exception {
        ok(builder().command("/bin/true").run());
        JvmResources before = JvmResources.snapshot();
        try (ContainerPool pool = ContainerPool.builder(builder().terminal(true)).size(2).build()) {
            ContainerProcess p = pool.command("/bin/sh", "-c",
                    "[ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-three; : </dev/tty && echo has-ctty;"
                            + " stat -c 'owner %u' $(tty); stty size").user("1234").start();
            String shown = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), shown);
            p.container().close(); // a terminal's master stays the caller's until then, as for a Container
            assertTrue(shown.contains("all-three\r\n") && shown.contains("has-ctty\r\n"), shown);
            assertTrue(shown.contains("owner 1234\r\n"), "the start's user owns its terminal:\n" + shown);
            assertTrue(shown.endsWith("24 80\r\n"), shown);
            ContainerProcess resized = pool.start("/bin/sh", "-c", "echo ready; read x; stty size");
            java.io.InputStream in = resized.getInputStream();
            dev.hako.testing.Screen screen = new dev.hako.testing.Screen(in);
            screen.await("ready");
            resized.resize(100, 40);
            resized.getOutputStream().write('\n');
            resized.getOutputStream().flush();
            assertTrue(screen.rest().endsWith("40 100\r\n"), "after resize(100, 40):\n" + screen);
            assertEquals(0, resized.waitFor());
            resized.container().close();
            assertThrows(IllegalArgumentException.class,
                    () -> pool.command("/bin/true").redirectOutput(Redirect.DISCARD).start());
        }
        JvmResources.assertNoLeakSince(before); // the waiting member's master too
    }

    @Test
    void badInputIsRefusedAndLeavesNothing() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> ContainerPool.builder(builder()).size(0));
        ok(builder().command("/bin/true").run());
        JvmResources before = JvmResources.snapshot();
        try (ContainerPool pool = ContainerPool.builder(builder()).size(1).refill(ContainerPool.Refill.NEVER).build()) {
            assertThrows(IllegalArgumentException.class, () -> pool.command().start()); // no command in the template
            assertThrows(IllegalArgumentException.class, () -> pool.command("/bin/true").workingDir("tmp").start());
            assertThrows(IllegalArgumentException.class, () -> pool.command("/bin/true").user("nosuchuser").start());
            ContainerException missing = assertThrows(ContainerException.class, () -> pool.start("/no/such/program"));
            assertTrue(missing.getMessage().contains("/no/such/program"), missing.getMessage());
            IllegalStateException usedUp = assertThrows(IllegalStateException.class, () -> pool.start("/bin/true"));
            assertTrue(usedUp.getMessage().contains("used up"), usedUp.getMessage());
        }
        JvmResources.assertNoLeakSince(before);
    }

    /** 10,000 starts, one after another: no fd, mount, thread, cgroup or byte of native memory more. */
    @Test
    void tenThousandStartsLeaveNothingBehind() throws Exception {
        List<String> cgroupsBefore = TestCgroups.containerCgroups();
        try (ContainerPool pool = ContainerPool.builder(builder().redirectInput(Redirect.INHERIT)
                .redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD)).size(2).build()) {
            for (int i = 0; i < 200; i++) { // warm-up: classes, threads and buffers that stay belong to "before"
                assertEquals(0, pool.start("/bin/true").waitFor());
            }
            awaitWaiting(pool, 2);
            Thread.sleep(200);
            JvmResources before = JvmResources.snapshot();
            long memoryBefore = nativeMemory();
            for (int i = 0; i < 10_000; i++) {
                ContainerProcess p = pool.start("/bin/true");
                assertEquals(0, p.waitFor(), "start " + i);
            }
            awaitWaiting(pool, 2);
            JvmResources.assertNoLeakSince(before);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (nativeMemory() > memoryBefore && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(nativeMemory() <= memoryBefore, "native memory " + memoryBefore + " -> " + nativeMemory());
        }
        assertEquals(cgroupsBefore, TestCgroups.containerCgroups());
    }

    /** Native memory the JVM's arenas hold (counted with direct buffers). */
    private static long nativeMemory() {
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (b.getName().equals("direct")) {
                return b.getMemoryUsed();
            }
        }
        throw new IllegalStateException("no direct buffer pool");
    }

    /**
     * This JVM's children that have not exec'd: a member waiting for its start is a clone
     * that still runs on the JVM's memory, so its executable is the JVM's.
     */
    static List<Long> waitingChildren() throws IOException {
        String java = Files.readSymbolicLink(Path.of("/proc/self/exe")).toString();
        List<Long> found = new ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                String children;
                try {
                    children = Files.readString(task.resolve("children")).trim();
                } catch (IOException gone) {
                    continue;
                }
                for (String pid : children.isEmpty() ? new String[0] : children.split(" ")) {
                    try {
                        String stat = Files.readString(Path.of("/proc", pid, "stat"));
                        if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) {
                            continue;
                        }
                        if (Files.readSymbolicLink(Path.of("/proc", pid, "exe")).toString().equals(java)) {
                            found.add(Long.parseLong(pid));
                        }
                    } catch (IOException gone) {
                        // exited meanwhile
                    }
                }
            }
        }
        return found;
    }
}
