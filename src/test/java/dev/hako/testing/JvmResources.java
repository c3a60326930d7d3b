package dev.hako.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * What the kernel holds for this JVM: open file descriptors (/proc/self/fd), mounts
 * (/proc/self/mountinfo) and threads (/proc/self/task), for leak checks.
 *
 * <p>Threads the JVM starts and retires on its own (JIT compiler and GC workers, the
 * ForkJoin pools that carry virtual threads) come and go with load, so thread checks
 * leave them out; every other thread counts, by name.
 */
public record JvmResources(List<String> fds, List<String> mounts, List<String> threads) {

    private static final List<String> JVM_MANAGED_THREADS = List.of("C1 CompilerThre", "C2 CompilerThre",
            "GC Thread#", "G1 Conc#", "G1 Refine#", "G1 Service", "ForkJoinPool");

    /** Takes a snapshot now. */
    public static JvmResources snapshot() {
        return new JvmResources(fdTargets(), mountPoints(), threadNames());
    }

    public static int openFds() {
        return fdTargets().size();
    }

    public static int mountCount() {
        return mountPoints().size();
    }

    public static int threadCount() {
        return threadNames().size();
    }

    /**
     * Waits up to 10 s for the JVM to hold no more fds, mounts or (non-JVM-managed) threads
     * than in {@code before}, and fails naming what is left over otherwise. Resources may be
     * released a little after the container is gone, hence the polling.
     */
    public static void assertNoLeakSince(JvmResources before) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        String leak;
        while ((leak = snapshot().leakedSince(before)) != null) {
            if (System.nanoTime() > deadline) {
                fail("resources leaked: " + leak);
            }
            Thread.sleep(20);
        }
    }

    /** What this snapshot holds beyond {@code before}, or null when nothing. */
    public String leakedSince(JvmResources before) {
        List<String> problems = new ArrayList<>();
        if (fds.size() > before.fds.size()) {
            problems.add("open fds " + before.fds.size() + " -> " + fds.size() + ", new: " + excess(before.fds, fds));
        }
        if (mounts.size() != before.mounts.size()) {
            problems.add("mounts " + before.mounts.size() + " -> " + mounts.size()
                    + ", new: " + excess(before.mounts, mounts) + ", gone: " + excess(mounts, before.mounts));
        }
        List<String> ownThreads = threads.stream().filter(JvmResources::counted).toList();
        List<String> ownBefore = before.threads.stream().filter(JvmResources::counted).toList();
        Map<String, Integer> newThreads = excess(ownBefore, ownThreads);
        if (!newThreads.isEmpty()) {
            problems.add("threads " + before.threads.size() + " -> " + threads.size() + ", new: " + newThreads);
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    private static boolean counted(String thread) {
        return JVM_MANAGED_THREADS.stream().noneMatch(thread::startsWith);
    }

    /** The entries of {@code after} beyond those in {@code before}, with how many more. */
    private static Map<String, Integer> excess(List<String> before, List<String> after) {
        Map<String, Integer> counts = new TreeMap<>();
        after.forEach(s -> counts.merge(s, 1, Integer::sum));
        before.forEach(s -> counts.merge(s, -1, Integer::sum));
        counts.values().removeIf(n -> n <= 0);
        return counts;
    }

    /** What each open fd points to ("pipe:[123]", "anon_inode:[pidfd]", a path). */
    private static List<String> fdTargets() {
        return list(Path.of("/proc/self/fd"), fd -> Files.readSymbolicLink(fd).toString());
    }

    private static List<String> threadNames() {
        return list(Path.of("/proc/self/task"), task -> Files.readString(task.resolve("comm")).strip());
    }

    private static List<String> mountPoints() {
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(line -> line.split(" ")[4]).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface Reader {
        String read(Path entry) throws IOException;
    }

    /** Reads every entry of a /proc directory, skipping those gone meanwhile. */
    private static List<String> list(Path dir, Reader reader) {
        List<String> result = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                try {
                    result.add(reader.read(entry));
                } catch (NoSuchFileException e) {
                    // closed or exited while we looked
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }
}
