package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerException;
import dev.hako.ContainerProcess;
import dev.hako.Mount;
import dev.hako.Namespace;
import dev.hako.Rootfs;
import dev.hako.cli.MinimalRootfs;
import dev.hako.linux.Kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

/**
 * Runs in a child JVM as an unprivileged user ({@link RootlessIT}): each scenario starts
 * containers the way a user's program would and prints {@code key=value} lines (values with
 * newlines escaped as {@code \n}) for the test to check.
 */
public final class RootlessProbe {
    private RootlessProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("hako-rootless-");
        try {
            Path rootfs = MinimalRootfs.build(dir.resolve("rootfs"));
            put("rootless", Boolean.toString(Kernel.rootless()));
            put("uid", Long.toString(Kernel.effectiveUid()));
            for (String scenario : args) {
                try {
                    switch (scenario) {
                        case "basics" -> basics(rootfs);
                        case "files" -> files(rootfs, dir);
                        case "lifecycle" -> lifecycle(rootfs);
                        case "refusals" -> refusals(rootfs);
                        case "exec" -> exec(rootfs);
                        case "many" -> many(rootfs);
                        case "concurrent" -> concurrent(rootfs);
                        default -> throw new IllegalArgumentException("no scenario " + scenario);
                    }
                } catch (Exception e) {
                    put("failed." + scenario, e.toString());
                }
            }
        } finally {
            // overlayfs makes its work directory's "work" with mode 0: a user must open it up to delete it.
            new ProcessBuilder("chmod", "-R", "u+rwX", dir.toString()).inheritIO().start().waitFor();
            MinimalRootfs.delete(dir);
        }
        System.exit(0);
    }

    private static void put(String key, String value) {
        System.out.println(key + "=" + value.replace("\\", "\\\\").replace("\n", "\\n"));
        System.out.flush();
    }

    private static String sh(Container.Builder b, String script) throws IOException, InterruptedException {
        Container.Result r = b.command("/bin/sh", "-c", script).run();
        return r.exitCode() + ":" + r.stdout() + (r.stderr().isEmpty() ? "" : "stderr:" + r.stderr());
    }

    /** Who the container is inside, its namespaces, and the security defaults. */
    private static void basics(Path rootfs) throws Exception {
        put("id", sh(Container.builder().rootfs(rootfs), "id -u; id -g; cat /proc/self/uid_map"));
        put("isolation", sh(Container.builder().rootfs(rootfs).hostname("rl"),
                "hostname; echo $$; set -- /proc/[0-9]*; echo $#; ls /sys/class/net"));
        put("security", sh(Container.builder().rootfs(rootfs),
                "grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status;"
                        + " mount -t tmpfs x /mnt 2>/dev/null && echo mounted || echo no-mount;"
                        + " cat /proc/kcore | wc -c"));
        try (Container c = Container.builder().rootfs(rootfs).command("/bin/sleep", "60").build()) {
            ContainerProcess p = c.start();
            String status = Files.readString(Path.of("/proc", Long.toString(p.pid()), "status"));
            put("hostUid", status.lines().filter(l -> l.startsWith("Uid:")).findFirst().orElse("none"));
        }
    }

    /** Overlay and bind rootfs, and who owns what the container writes. */
    private static void files(Path rootfs, Path dir) throws Exception {
        Path layer = Files.createDirectories(dir.resolve("layer"));
        Files.writeString(layer.resolve("hello"), "from the layer\n");
        Path upper = dir.resolve("upper");
        put("overlay", sh(Container.builder().rootfs(Rootfs.overlay(layer, rootfs).persistent(upper)),
                "cat /hello; echo new > /new; cat /new"));
        put("upperFile", Files.exists(upper.resolve("new")) ? Files.readString(upper.resolve("new")) : "missing");
        Path shared = Files.createDirectories(dir.resolve("shared"));
        put("bind", sh(Container.builder().rootfs(rootfs).mount(Mount.bind(shared, "/mnt")),
                "echo hi > /mnt/f; stat -c %u /mnt/f"));
        put("bindOwner", Files.getAttribute(shared.resolve("f"), "unix:uid").toString());
        put("tmpfs", sh(Container.builder().rootfs(rootfs).readonlyRootfs(true).mount(Mount.tmpfs("/scratch").size("1m")),
                "echo t > /scratch/f && cat /scratch/f; touch /x 2>/dev/null && echo wrote-root || echo ro-root"));
        put("hostRootfs", sh(Container.builder().rootfs(Rootfs.host()), "test -x /bin/sh && echo sh;"
                + " touch /usr/x 2>/dev/null && echo wrote || echo read-only"));
    }

    /** Exit codes, stdin, a kill. */
    private static void lifecycle(Path rootfs) throws Exception {
        put("exit", sh(Container.builder().rootfs(rootfs), "exit 7"));
        try (Container c = Container.builder().rootfs(rootfs).command("/bin/cat").build()) {
            ContainerProcess p = c.start();
            p.getOutputStream().write("through stdin\n".getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            put("stdin", new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8) + p.waitFor());
        }
        try (Container c = Container.builder().rootfs(rootfs).command("/bin/sleep", "60").build()) {
            ContainerProcess p = c.start();
            p.destroyForcibly();
            put("killed", p.awaitStatus().toString());
        }
        try (Container c = Container.builder().rootfs(rootfs)
                .command("/bin/sh", "-c", "sleep 60 & sleep 60 & echo started; wait").build()) {
            ContainerProcess p = c.start();
            new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine();
            c.killAll();
            put("killAll", p.awaitStatus().toString());
        }
    }

    /** What a JVM without root cannot have: each a clear exception. */
    private static void refusals(Path rootfs) throws Exception {
        try (Container c = Container.builder().rootfs(rootfs).command("/bin/sleep", "60").build()) {
            c.start();
            try {
                put("stats", c.stats().toString());
            } catch (IllegalStateException e) {
                put("stats", e.getMessage());
            }
            try {
                c.pause();
                put("pause", "paused");
            } catch (IllegalStateException e) {
                put("pause", e.getMessage());
            }
        }
        try (dev.hako.ContainerPool pool = dev.hako.ContainerPool.builder(Container.builder().rootfs(rootfs)).build()) {
            put("pool", "built, " + pool.waiting() + " waiting");
        } catch (IllegalStateException e) {
            put("pool", e.getMessage());
        }
        try {
            Container.builder().rootfs(rootfs).memoryLimit("64m").command("/bin/true").build();
            put("limit", "accepted");
        } catch (IllegalArgumentException e) {
            put("limit", e.getMessage());
        }
        try {
            Container.builder().rootfs(rootfs).uidMap(0, 0, 1).command("/bin/true").build().start().waitFor();
            put("foreignMap", "accepted");
        } catch (IllegalArgumentException | IOException | InterruptedException e) {
            put("foreignMap", e.getMessage());
        }
    }

    /** exec into a running container: without a PID namespace it joins; with one it says why not. */
    private static void exec(Path rootfs) throws Exception {
        Set<Namespace> noPid = EnumSet.copyOf(Namespace.all());
        noPid.remove(Namespace.PID);
        try (Container c = Container.builder().rootfs(rootfs).namespaces(noPid).command("/bin/sleep", "60").build()) {
            c.start();
            ContainerProcess p = c.exec("/bin/sh", "-c", "id -u; hostname");
            put("exec", new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8) + p.waitFor());
        }
        try (Container c = Container.builder().rootfs(rootfs).command("/bin/sleep", "60").build()) {
            c.start();
            try {
                c.exec("/bin/true").waitFor();
                put("execPid", "accepted");
            } catch (ContainerException e) {
                put("execPid", e.getMessage());
            }
        }
    }

    /** 200 containers in a row: what the JVM holds before and after. */
    private static void many(Path rootfs) throws Exception {
        // A first start, whose lazily made threads, descriptors and classes belong to "before".
        Container.builder().rootfs(rootfs).command("/bin/true").run();
        put("before", resources());
        for (int i = 0; i < 200; i++) {
            Container.Result r = Container.builder().rootfs(rootfs).command("/bin/true").run();
            if (r.exitCode() != 0) {
                put("manyFailed", i + ": " + r);
                return;
            }
        }
        put("after", resources());
    }

    /**
     * Starts and execs at once for a while: an exec's child holds the JVM non-dumpable until
     * it has exec'd, which must not stop a start from writing its maps meanwhile.
     */
    private static void concurrent(Path rootfs) throws Exception {
        try (Container box = Container.builder().rootfs(rootfs).command("sleep", "60").build()) {
            box.start();
            long until = System.nanoTime() + 4_000_000_000L;
            java.util.concurrent.atomic.AtomicInteger execs = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicReference<String> failure = new java.util.concurrent.atomic.AtomicReference<>();
            Thread execer = Thread.ofPlatform().start(() -> {
                while (System.nanoTime() < until && failure.get() == null) {
                    try {
                        ContainerProcess p = box.exec("true");
                        p.getOutputStream().close();
                        if (p.waitFor() != 0) {
                            failure.compareAndSet(null, "exec exited " + p.exitValue());
                        }
                        execs.incrementAndGet();
                    } catch (Exception e) {
                        failure.compareAndSet(null, "exec: " + e);
                    }
                }
            });
            int starts = 0;
            while (System.nanoTime() < until && failure.get() == null) {
                try {
                    Container.Result r = Container.builder().rootfs(rootfs).command("/bin/true").run();
                    if (r.exitCode() != 0) {
                        failure.compareAndSet(null, "start exited " + r);
                    }
                    starts++;
                } catch (Exception e) {
                    failure.compareAndSet(null, "start: " + e);
                }
            }
            execer.join();
            put("concurrent", failure.get() == null ? "ok " + starts + " starts, " + execs.get() + " execs"
                    : failure.get());
        }
    }

    /**
     * The counts once they hold still for 100 ms: a container's mount namespace is let go by
     * hako's teardown thread a moment after its close() has returned.
     */
    private static String resources() throws IOException {
        String last = count();
        for (int i = 0; i < 50; i++) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            String now = count();
            if (now.equals(last)) {
                return now;
            }
            last = now;
        }
        return last;
    }

    private static String count() throws IOException {
        long fds;
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            fds = s.count();
        }
        long mounts = Files.readAllLines(Path.of("/proc/self/mountinfo")).size();
        long threads;
        try (var s = Files.list(Path.of("/proc/self/task"))) {
            threads = s.count();
        }
        return "fds " + fds + " mounts " + mounts + " threads " + threads;
    }
}
