package dev.hako.bench;

import dev.hako.Container;
import dev.hako.ContainerPool;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Starts N containers one after another (default 10,000) and prints what the JVM holds
 * before and after: open fds, mounts, threads, resident memory and, when the JVM runs with
 * {@code -XX:NativeMemoryTracking=summary}, the native memory it tracks (FFM arenas are
 * malloc'd through it). Run: {@code java --enable-native-access=ALL-UNNAMED
 * -XX:NativeMemoryTracking=summary -cp target/benchmarks.jar dev.hako.bench.LeakCheck 10000},
 * and with a second argument {@code pooled}, the same number of starts from a
 * {@link ContainerPool} of two (what is counted after waits until the pool is full again).
 */
public final class LeakCheck {
    private LeakCheck() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        if (args.length > 1 && args[1].equals("pooled")) {
            pooled(n);
            return;
        }
        try (BenchRootfs fs = BenchRootfs.create()) {
            for (int i = 0; i < 200; i++) {
                run(fs); // warm-up: lazily started threads, JIT, class loading
            }
            snapshot(); // the first jcmd starts the JVM's attach listener: a thread and a socket
            System.gc();
            String before = snapshot();
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                run(fs);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.gc();
            System.out.printf("%d containers in %.1f s (%.2f ms each)%n", n, seconds, seconds * 1000 / n);
            System.out.println("before: " + before);
            System.out.println("after:  " + snapshot());
        }
    }

    private static void pooled(int n) throws Exception {
        try (BenchRootfs fs = BenchRootfs.create();
             ContainerPool pool = WarmPool.of(fs, 2, true)) {
            for (int i = 0; i < 200; i++) {
                runPooled(pool);
            }
            WarmPool.awaitFull(pool, 2);
            snapshot();
            System.gc();
            String before = snapshot();
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                runPooled(pool);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            WarmPool.awaitFull(pool, 2);
            Thread.sleep(500); // what the workers release after the last exits
            System.gc();
            System.out.printf("%d pooled starts in %.1f s (%.2f ms each)%n", n, seconds, seconds * 1000 / n);
            System.out.println("before: " + before);
            System.out.println("after:  " + snapshot());
        }
    }

    private static void runPooled(ContainerPool pool) throws Exception {
        if (pool.start("/bin/true").waitFor() != 0) {
            throw new IllegalStateException("container failed");
        }
    }

    private static void run(BenchRootfs fs) throws Exception {
        try (Container c = Container.builder().rootfs(fs.rootfs).redirectInput(Redirect.INHERIT)
                .redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD).command("/bin/true").build()) {
            if (c.start().waitFor() != 0) {
                throw new IllegalStateException("container failed");
            }
        }
    }

    private static String snapshot() throws IOException, InterruptedException {
        return "fds=" + count(Path.of("/proc/self/fd"))
                + " mounts=" + Files.readAllLines(Path.of("/proc/self/mountinfo")).size()
                + " threads=" + count(Path.of("/proc/self/task"))
                + " rss=" + status("VmRSS") + " " + nativeMemory();
    }

    private static long count(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    private static String status(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key + ":")) {
                return line.substring(key.length() + 1).trim().replace(" ", "");
            }
        }
        return "?";
    }

    /** The "Total" and "Other" (malloc'd by Unsafe/FFM) lines of NMT, if it is on. */
    private static String nativeMemory() throws IOException, InterruptedException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        Process p = new ProcessBuilder(jcmd, Long.toString(ProcessHandle.current().pid()), "VM.native_memory", "summary")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        StringBuilder found = new StringBuilder();
        for (String line : out.lines().toList()) {
            String t = line.trim();
            if (t.startsWith("Total:") || t.startsWith("-                     Other")) {
                found.append(t.replaceAll("\\s+", " ")).append("; ");
            }
        }
        return found.isEmpty() ? "(native memory tracking off)" : "nmt: " + found;
    }
}
