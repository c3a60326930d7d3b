package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerException;
import dev.hako.ContainerProcess;
import dev.hako.ExitStatus;
import dev.hako.Mount;
import dev.hako.Namespace;
import dev.hako.linux.Libc;
import dev.hako.linux.linux_h;
import dev.hako.seccomp.Profile;
import dev.hako.testing.JvmResources;
import dev.hako.testing.KernelTest;
import dev.hako.testing.ProcState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

import static dev.hako.testing.Containers.builder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code container.exec(...)}, like {@code docker exec}: a second process in a running
 * container is in all of its namespaces and its cgroup, with its privileges, and exits on
 * its own; and nothing inside can reach the JVM's memory through the joining child.
 */
@KernelTest
class ExecIT {

    private static final List<String> NAMESPACES = List.of("mnt", "pid", "uts", "ipc", "net", "cgroup");

    /** Runs an exec to completion: stdin closed, stdout read; fails on a non-zero exit. */
    private static String run(ContainerProcess p) throws Exception {
        p.getOutputStream().close();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        String out = readAll(p.getInputStream());
        int code = p.waitFor();
        assertEquals(0, code, () -> "exec failed: " + p + "\nstdout: " + out + "\nstderr: " + err.join());
        return out;
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String link(long pid, String ns) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + ns)).toString();
    }

    @Test
    void execJoinsEveryNamespaceOfTheContainer() throws Exception {
        try (Container box = builder().hostname("box").command("sleep", "1000").build()) {
            ContainerProcess first = box.start();
            ContainerProcess second = box.exec("sleep", "1000");
            for (String ns : NAMESPACES) {
                assertEquals(link(first.pid(), ns), link(second.pid(), ns), ns + " namespace of the exec'd process");
                assertNotEquals(link(ProcessHandle.current().pid(), ns), link(second.pid(), ns),
                        ns + ": the container's namespace is not the JVM's");
            }
            assertEquals("box\n", run(box.exec("hostname")));
            second.destroyForcibly();
            assertEquals(ExitStatus.killed(9), second.awaitStatus());
        }
    }

    @Test
    void execJoinsOnlyTheNamespacesTheContainerHas() throws Exception {
        try (Container box = builder().namespaces(Namespace.MOUNT, Namespace.UTS).hostname("nopid")
                .command("sleep", "1000").build()) {
            ContainerProcess first = box.start();
            ContainerProcess second = box.exec("sleep", "1000");
            for (String ns : NAMESPACES) {
                String expected = ns.equals("mnt") || ns.equals("uts") ? link(first.pid(), ns)
                        : link(ProcessHandle.current().pid(), ns);
                assertEquals(expected, link(second.pid(), ns), ns + " namespace of the exec'd process");
            }
            assertEquals("nopid\n", run(box.exec("hostname")));
            second.destroyForcibly().waitFor();
        }
    }

    @Test
    void execSeesTheFirstProcessTheSameMountsAndTheSameCgroups() throws Exception {
        try (Container box = builder().memoryLimit("64m").command("sleep", "1000").build()) {
            ContainerProcess first = box.start();
            String[] parts = run(box.exec("sh", "-c", "cat /proc/1/cmdline; echo; echo $$; echo ---;"
                    + " cat /proc/self/mountinfo; echo ---; cat /proc/1/mountinfo; echo ---;"
                    + " cat /proc/self/cgroup; echo ---; cat /proc/1/cgroup")).split("---\n");
            String[] head = parts[0].split("\n");
            assertEquals("sleep\0" + "1000\0", head[0], "PID 1 as the exec'd process sees it");
            assertTrue(Integer.parseInt(head[1]) > 1, "the exec'd shell has a pid of the container's: " + head[1]);
            assertEquals(withoutIds(parts[2]), withoutIds(parts[1]), "mountinfo of the exec'd process and of PID 1");
            assertTrue(parts[1].lines().anyMatch(l -> l.split(" ")[4].equals("/")), "a root mount: " + parts[1]);
            assertEquals(parts[4], parts[3], "/proc/self/cgroup of the exec'd process and of PID 1");

            ContainerProcess second = box.exec("sleep", "1000");
            String hostView = Files.readString(Path.of("/proc/" + second.pid() + "/cgroup"));
            assertEquals(Files.readString(Path.of("/proc/" + first.pid() + "/cgroup")), hostView,
                    "the cgroups of both, seen from the host");
            String memory = hostView.lines().filter(l -> l.contains(":memory:")).findFirst().orElseThrow();
            assertTrue(memory.endsWith("/" + box.id()), "in the container's memory cgroup: " + memory);
            second.destroyForcibly().waitFor();
        }
    }

    /** mountinfo lines without their mount and parent ids. */
    private static List<String> withoutIds(String mountinfo) {
        return mountinfo.lines().map(l -> l.split(" ", 3)[2]).toList();
    }

    @Test
    void execHasTheContainersCapabilitiesNoNewPrivsSeccompFilterAndRlimits() throws Exception {
        try (Container box = builder().seccomp(Profile.dockerDefault()).capDrop("CHOWN").capAdd("NET_ADMIN")
                .rlimit("NOFILE", 100, 200).command("sleep", "1000").build()) {
            box.start();
            String[] parts = run(box.exec("sh", "-c", "cat /proc/self/status; echo ---; cat /proc/1/status;"
                    + " echo ---; cat /proc/self/limits")).split("---\n");
            Map<String, String> exec = fields(parts[0]);
            Map<String, String> first = fields(parts[1]);
            for (String f : List.of("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp",
                    "Seccomp_filters")) {
                assertEquals(first.get(f), exec.get(f), f + " of the exec'd process and of PID 1");
            }
            assertEquals("2", exec.get("Seccomp"), "a seccomp filter");
            assertEquals("1", exec.get("NoNewPrivs"));
            assertTrue(parts[2].lines().anyMatch(l -> l.matches("Max open files\\s+100\\s+200\\s+files\\s*")),
                    "the container's NOFILE limit: " + parts[2]);
        }
    }

    private static Map<String, String> fields(String status) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : status.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).strip());
            }
        }
        return fields;
    }

    @Test
    void execExitsWithItsOwnCodeAndTheContainerRunsOn() throws Exception {
        try (Container box = builder().command("sleep", "1000").build()) {
            ContainerProcess first = box.start();
            ContainerProcess p = box.exec("sh", "-c", "exit 7");
            assertEquals(7, p.waitFor());
            assertEquals(ExitStatus.exited(7), p.exitStatus());
            assertTrue(first.isAlive(), "the container's command is not affected");
        }
    }

    @Test
    void envUserAndWorkingDirAreTheExecsOwnAndTheUserIsLookedUpInTheRunningContainer(@TempDir Path tmp)
            throws Exception {
        // An /etc/passwd that exists only in the running container (bind-mounted over the
        // rootfs's own, which has no "app"): the exec's user is looked up there.
        Path passwd = tmp.resolve("passwd");
        Files.writeString(passwd, "root:x:0:0:root:/root:/bin/sh\napp:x:4242:4343::/home/app:/bin/sh\n");
        try (Container box = builder().env("FROM_CONTAINER", "yes").workingDir("/tmp")
                .mount(Mount.bind(passwd, "/etc/passwd").readOnly()).command("sleep", "1000").build()) {
            box.start();
            String script = "echo $(id -u) $(id -g) $HOME $FROM_CONTAINER ${FOO:-unset} $(pwd)";
            assertEquals("0 0 /root yes unset /tmp\n", run(box.exec("sh", "-c", script)), "the container's defaults");
            assertEquals("4242 4343 /home/app yes bar /proc\n", run(box.execBuilder("sh", "-c", script)
                    .user("app").env("FOO", "bar").workingDir("/proc").start()));
            assertEquals("1234 5678\n", run(box.execBuilder("sh", "-c", "echo $(id -u) $(id -g)")
                    .user("1234:5678").start()));
        }
    }

    @Test
    void aPasswdThatTheRunningContainerMadeHostileIsRefusedNeitherReadNorFollowed() throws Exception {
        // The container's own processes may replace /etc/passwd while it runs (on an overlay,
        // so the shared test rootfs stays as it is): a FIFO, whose reading would hang the
        // exec, and a link through /proc/1/root, which without a PID namespace is the host's
        // root and its /etc/passwd.
        Set<Namespace> noPidNamespace = java.util.EnumSet.copyOf(Namespace.all());
        noPidNamespace.remove(Namespace.PID);
        Map<String, String> tricks = new LinkedHashMap<>();
        tricks.put("mkfifo /etc/passwd", "FIFO");
        tricks.put("ln -s /proc/1/root/etc/passwd /etc/passwd", "cannot be looked up");
        for (Map.Entry<String, String> trick : tricks.entrySet()) {
            try (Container box = builder().rootfs(dev.hako.Rootfs.overlay(dev.hako.testing.TestRootfs.path()))
                    .namespaces(noPidNamespace).command("sh", "-c", "rm /etc/passwd && " + trick.getKey()
                            + " && echo ready && exec sleep 1000").build()) {
                ContainerProcess first = box.start();
                assertEquals("ready", new java.io.BufferedReader(new java.io.InputStreamReader(first.getInputStream(),
                        StandardCharsets.UTF_8)).readLine(), trick.getKey());
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> box.execBuilder("true").user("daemon").start(), trick.getKey());
                assertTrue(e.getMessage().contains(trick.getValue()) && e.getMessage().contains("/etc/passwd"),
                        trick.getKey() + ": " + e.getMessage());
                assertTrue(first.isAlive(), "the container's command is not affected");
            }
        }
    }

    @Test
    void stdinStdoutAndStderrArePipesOrFiles(@TempDir Path tmp) throws Exception {
        try (Container box = builder().command("sleep", "1000").build()) {
            box.start();
            ContainerProcess cat = box.exec("cat");
            try (OutputStream in = cat.getOutputStream()) {
                in.write("hello through exec\n".getBytes(StandardCharsets.UTF_8));
            }
            assertEquals("hello through exec\n", readAll(cat.getInputStream()));
            assertEquals(0, cat.waitFor());

            ContainerProcess merged = box.execBuilder("sh", "-c", "echo out; echo err >&2")
                    .redirectErrorStream(true).start();
            assertEquals("out\nerr\n", run(merged));

            Path file = tmp.resolve("out.txt");
            ContainerProcess toFile = box.execBuilder("echo", "into a host file")
                    .redirectOutput(Redirect.to(file.toFile())).start();
            assertEquals(0, toFile.waitFor());
            assertEquals("into a host file\n", Files.readString(file), "a redirect names a host file, as ProcessBuilder's");
        }
    }

    @Test
    void execdProcessesDieWithTheFirstProcessAndWhenTheContainerIsClosed() throws Exception {
        try (Container box = builder().command("sh", "-c", "read line").build()) {
            ContainerProcess first = box.start();
            ContainerProcess second = box.exec("sleep", "1000");
            first.getOutputStream().close(); // the shell reads EOF and exits
            assertEquals(1, first.waitFor());
            assertEquals(ExitStatus.killed(9), second.awaitStatus(), "killed with the PID namespace, as in Docker");
        }
        ContainerProcess left;
        try (Container box = builder().command("sleep", "1000").build()) {
            box.start();
            left = box.exec("sleep", "1000");
        }
        assertFalse(left.isAlive(), "close() kills the exec'd processes too and waits for them");
        assertEquals(ExitStatus.killed(9), left.exitStatus());
    }

    @Test
    void execIntoAContainerThatIsNotRunningFailsClearlyAndLeavesNothing() throws Exception {
        try (Container warm = builder().command("sleep", "1000").build()) {
            warm.start();
            run(warm.exec("true"));
        }
        JvmResources before = JvmResources.snapshot();
        try (Container box = builder().command("true").build()) {
            IllegalStateException notStarted = assertThrows(IllegalStateException.class, () -> box.exec("true"));
            assertTrue(notStarted.getMessage().contains("was not started"), notStarted.getMessage());
            assertEquals(0, box.start().waitFor());
            IllegalStateException exited = assertThrows(IllegalStateException.class, () -> box.exec("true"));
            assertTrue(exited.getMessage().contains("has exited") && exited.getMessage().contains(box.id()),
                    exited.getMessage());
            box.close();
            IllegalStateException closed = assertThrows(IllegalStateException.class, () -> box.exec("true"));
            assertTrue(closed.getMessage().contains("is closed"), closed.getMessage());
        }
        try (Container box = builder().command("sleep", "1000").build()) {
            box.start();
            ContainerException notFound = assertThrows(ContainerException.class, () -> box.exec("no-such-program"));
            assertTrue(notFound.getMessage().contains("cannot run 'no-such-program'"), notFound.getMessage());
            IllegalArgumentException user = assertThrows(IllegalArgumentException.class,
                    () -> box.execBuilder("true").user("nosuchuser").start());
            assertTrue(user.getMessage().contains("nosuchuser"), user.getMessage());
            IllegalArgumentException dir = assertThrows(IllegalArgumentException.class,
                    () -> box.execBuilder("true").workingDir("relative").start());
            assertTrue(dir.getMessage().contains("relative"), dir.getMessage());
            assertThrows(IllegalArgumentException.class, () -> box.execBuilder().start());
            ContainerException missingDir = assertThrows(ContainerException.class,
                    () -> box.execBuilder("true").workingDir("/no/such/dir").start());
            assertTrue(missingDir.getMessage().contains("workingDir"), missingDir.getMessage());
            box.pause();
            IllegalStateException paused = assertThrows(IllegalStateException.class, () -> box.exec("true"));
            assertTrue(paused.getMessage().contains("paused"), paused.getMessage());
            box.resume();
            run(box.exec("true"));
        }
        try (Container box = builder().capAdd("SYS_PTRACE").command("sleep", "1000").build()) {
            box.start();
            IllegalStateException ptrace = assertThrows(IllegalStateException.class, () -> box.exec("true"));
            assertTrue(ptrace.getMessage().contains("CAP_SYS_PTRACE"), ptrace.getMessage());
        }
        JvmResources.assertNoLeakSince(before);
    }

    @Test
    void aJoiningChildKilledOnItsWayFailsTheExecClearlyAndLeavesNothing(@TempDir Path tmp) throws Exception {
        Path gate = tmp.resolve("gate");
        assertEquals(0, new ProcessBuilder("mkfifo", gate.toString()).inheritIO().start().waitFor(), "mkfifo");
        try (Container box = builder().command("sleep", "1000").build()) {
            ContainerProcess first = box.start();
            run(box.exec("true"));
            List<String> before = JvmResources.snapshot().fds();
            CompletableFuture<ContainerProcess> held = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    held.complete(box.execBuilder("cat").redirectInput(Redirect.from(gate.toFile())).start());
                } catch (Throwable t) {
                    held.completeExceptionally(t);
                }
            });
            long child = awaitJoiningChild();
            ProcessHandle.of(child).orElseThrow().destroyForcibly(); // as the container's root could
            Throwable failure = assertThrows(java.util.concurrent.ExecutionException.class, held::get).getCause();
            assertTrue(failure instanceof ContainerException && failure.getMessage().contains("died before its command"),
                    String.valueOf(failure));
            // fds only: the host's mount table and the JDK's own threads change with whatever else runs
            // (fewer is fine: the previous exec's pidfd is closed on the reaper thread, maybe only now)
            List<String> after = JvmResources.snapshot().fds();
            assertTrue(after.size() <= before.size(), () -> "fds before: " + before + ", after: " + after);
            assertTrue(first.isAlive());
            run(box.exec("true"));
        }
    }

    /** The JVM's child that still bears the spawner thread's name: a joining child before its execve. */
    private static long awaitJoiningChild() throws IOException, InterruptedException {
        long jvm = ProcessHandle.current().pid();
        while (true) {
            try (var procs = Files.list(Path.of("/proc"))) {
                for (Path p : (Iterable<Path>) procs::iterator) {
                    String name = p.getFileName().toString();
                    if (!name.chars().allMatch(Character::isDigit)) {
                        continue;
                    }
                    try {
                        String stat = Files.readString(p.resolve("stat"));
                        String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                        long ppid = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
                        if (ppid == jvm && comm.equals("hako-spawner")) {
                            return Long.parseLong(name);
                        }
                    } catch (IOException e) {
                        // gone meanwhile
                    }
                }
            }
            Thread.sleep(5);
        }
    }

    @Test
    void twoHundredExecsLeaveNothingBehind() throws Exception {
        try (Container box = builder().command("sleep", "1000").build()) {
            ContainerProcess first = box.start();
            run(box.exec("true")); // warm-up: classes and hako's threads belong to "before"
            Path procs = unifiedProcs(first.pid());
            int dumpable = Libc.prctl(linux_h.PR_GET_DUMPABLE(), 0);
            JvmResources before = JvmResources.snapshot();
            for (int i = 0; i < 200; i++) {
                ContainerProcess p = box.exec("true");
                p.getOutputStream().close();
                p.getInputStream().close();
                p.getErrorStream().close();
                assertEquals(0, p.waitFor());
            }
            JvmResources.assertNoLeakSince(before);
            assertEquals(dumpable, Libc.prctl(linux_h.PR_GET_DUMPABLE(), 0),
                    "the JVM is made non-dumpable only while a joining child shares its memory");
            assertEquals(List.of(Long.toString(first.pid())), Files.readAllLines(procs),
                    "only the first process is left in the container's cgroup");
            assertTrue(first.isAlive());
        }
    }

    @Test
    void twentyExecsAtOnceFromVirtualThreads() throws Exception {
        try (Container box = builder().command("sleep", "1000").build()) {
            box.start();
            int dumpable = Libc.prctl(linux_h.PR_GET_DUMPABLE(), 0);
            List<CompletableFuture<String>> outputs = new ArrayList<>();
            try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 20; i++) {
                    String index = String.valueOf(i);
                    outputs.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            return run(box.execBuilder("sh", "-c", "echo exec $INDEX").env("INDEX", index).start());
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }, executor));
                }
            }
            for (int i = 0; i < 20; i++) {
                assertEquals("exec " + i + "\n", outputs.get(i).join());
            }
            assertEquals(dumpable, Libc.prctl(linux_h.PR_GET_DUMPABLE(), 0), "restored once none is in flight");
        }
    }

    /**
     * A process inside may ptrace one exec'd into the container (as in Docker) and never
     * wait for it: once that one dies, the JVM cannot reap it until the tracer lets go, and
     * its pidfd stays readable meanwhile. The reaper must sleep through that (not spin on
     * the readable pidfd), and reap it once it is released.
     */
    @Test
    void anExecdProcessHeldDeadByATracerInsideIsReapedOnceReleasedAndTheReaperSleepsMeanwhile()
            throws Exception {
        Path spy = StaticPrograms.binary("exec-spy");
        try (Container box = builder().mount(Mount.bind(spy, "/spy").readOnly()).command("sleep", "1000").build()) {
            box.start();
            ContainerProcess victim = box.exec("sh", "-c", "echo $$; exec sleep 1000");
            String victimPid = victim.inputReader().readLine();
            ContainerProcess holder = box.exec("/spy", "--hold", victimPid);
            assertEquals("HOLDING " + victimPid, holder.inputReader().readLine());
            victim.destroyForcibly();
            while (ProcState.state(victim.pid()) != 'Z') { // dead, and not reapable by the JVM yet
                Thread.sleep(5);
            }
            long reaper = threadId("hako-reaper");
            int sleeping = 0;
            for (int i = 0; i < 100; i++) {
                if (ProcState.state(reaper) == 'S') {
                    sleeping++;
                }
                Thread.sleep(1);
            }
            assertTrue(sleeping >= 50, "the reaper thread slept in " + sleeping + " of 100 looks");
            assertTrue(victim.isAlive(), "not reaped while held");
            holder.getOutputStream().close(); // the tracer exits and lets go
            assertEquals(ExitStatus.killed(9), victim.awaitStatus());
            assertEquals(0, holder.waitFor());
        }
    }

    /** The tid of this JVM's thread named {@code name} (as /proc/self/task/TID/comm shows it). */
    private static long threadId(String name) throws IOException {
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                if (Files.readString(task.resolve("comm")).strip().equals(name)) {
                    return Long.parseLong(task.getFileName().toString());
                }
            }
        }
        throw new AssertionError("no thread " + name);
    }

    /** cgroup.procs of the process's v2 directory. */
    private static Path unifiedProcs(long pid) throws IOException {
        String line = Files.readAllLines(Path.of("/proc/" + pid + "/cgroup")).stream()
                .filter(l -> l.startsWith("0::")).findFirst().orElseThrow();
        return Path.of("/sys/fs/cgroup/unified" + line.substring(3) + "/cgroup.procs");
    }

    /**
     * The hostile test. A process inside the container (exec-spy.c) tries, in a loop, to
     * ptrace (ATTACH and SEIZE), open /proc/PID/mem and /proc/PID/root of, and
     * process_vm_readv from every joining exec child it sees (recognised by the name it
     * inherits from the JVM's spawner thread) while execs happen. One exec is held at its
     * fd table by a FIFO as stdin, so the spy surely meets a joining child; the test fails
     * if it never does. A control (an exec'd `sleep`, an ordinary process of the
     * container) shows that the same attacks succeed where the kernel allows them.
     */
    @Test
    void nothingInTheContainerCanPtraceOrReadTheMemoryOfAJoiningChild(@TempDir Path tmp) throws Exception {
        Path spy = StaticPrograms.binary("exec-spy");
        Path gate = tmp.resolve("gate");
        assertEquals(0, new ProcessBuilder("mkfifo", gate.toString()).inheritIO().start().waitFor(), "mkfifo");
        String spawner = "hako-spawner";
        try (Container box = builder().seccomp(Profile.dockerDefault()).mount(Mount.bind(spy, "/spy").readOnly())
                .command("/spy", spawner, "sleep").build()) {
            ContainerProcess first = box.start();
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread.ofVirtual().start(() -> first.inputReader().lines().forEach(lines::add));
            assertEquals("READY", lines.take());
            assertTrue(JvmResources.snapshot().threads().contains(spawner),
                    "the JVM has a thread named " + spawner + ", whose name a joining child inherits");

            ContainerProcess control = box.exec("sleep", "1000");
            List<String> seen = new ArrayList<>();
            awaitLine(lines, seen, l -> l.startsWith("CONTROL " ));

            CompletableFuture<ContainerProcess> held = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    held.complete(box.execBuilder("cat").redirectInput(Redirect.from(gate.toFile())).start());
                } catch (Throwable t) {
                    held.completeExceptionally(t);
                }
            });
            // Every attack refused against one joining child, the held one.
            Set<String> attacks = Set.of("attach", "seize", "mem", "root", "vm_readv");
            Map<String, Set<String>> refusedByPid = new HashMap<>();
            awaitLine(lines, seen, l -> {
                String[] f = l.split(" ");
                if (f[0].equals("REFUSED")) {
                    Set<String> refused = refusedByPid.computeIfAbsent(f[1], k -> new HashSet<>());
                    refused.add(f[2]);
                    return refused.containsAll(attacks);
                }
                return false;
            });
            try (OutputStream w = Files.newOutputStream(gate)) {
                w.write("through the gate\n".getBytes(StandardCharsets.UTF_8));
            }
            assertEquals("through the gate\n", run(held.get()));

            for (int i = 0; i < 100; i++) {
                run(box.exec("true"));
            }
            control.destroyForcibly().waitFor();
            first.getOutputStream().close(); // the spy stops and sums up
            String summary = awaitLine(lines, seen, l -> l.startsWith("SUMMARY "));
            assertEquals(0, first.waitFor(), "the spy ran to the end: " + seen);
            Map<String, Long> counts = new HashMap<>();
            for (String kv : summary.substring("SUMMARY ".length()).split(" ")) {
                String[] f = kv.split("=");
                counts.put(f[0], Long.parseLong(f[1]));
            }
            List<String> breaches = seen.stream().filter(l -> l.startsWith("BREACH ")).toList();
            assertEquals(List.of(), breaches, "attacks that succeeded against a joining child; " + summary);
            assertEquals(0, counts.get("breaches"), summary);
            System.out.println("exec-spy: " + summary);
            assertTrue(counts.get("refused") >= attacks.size(), "the spy was refused by joining children: " + summary);
            assertTrue(counts.get("control") > 0, "the same attacks work on an ordinary process: " + summary);
        }
    }

    private interface LineTest {
        boolean matches(String line);
    }

    /** Takes lines until one matches (the class's timeout bounds the wait); returns it. */
    private static String awaitLine(BlockingQueue<String> lines, List<String> seen, LineTest test)
            throws InterruptedException {
        while (true) {
            String line = lines.take();
            if (seen.size() < 50) {
                System.out.println("exec-spy said: " + line); // in the test report, should it hang
            }
            seen.add(line);
            if (test.matches(line)) {
                return line;
            }
        }
    }
}
