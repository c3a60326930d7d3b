package dev.hako.bench;

import dev.hako.Container;
import dev.hako.ContainerProcess;
import dev.hako.Namespace;
import dev.hako.fs.MinimalRootfs;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Start-to-exit latency of {@code /bin/true}: in a container with all namespaces, without
 * the network namespace, and the baseline {@link ProcessBuilder} (no isolation) measured in
 * the same run. Needs root. The full suite (unshare, runc, crun, overlay, cgroups,
 * throughput) is its own issue.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Benchmark)
public class StartLatencyBenchmark {
    private Path rootfs;

    @Setup(Level.Trial)
    public void buildRootfs() throws IOException {
        rootfs = MinimalRootfs.build(Files.createTempDirectory("hako-bench-"));
    }

    @TearDown(Level.Trial)
    public void deleteRootfs() throws IOException {
        try (Stream<Path> files = Files.walk(rootfs)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private int runTrue(EnumSet<Namespace> namespaces) throws Exception {
        try (Container c = Container.builder().rootfs(rootfs).namespaces(namespaces)
                .redirectInput(Redirect.INHERIT).redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD)
                .command("/bin/true").build()) {
            ContainerProcess p = c.start();
            return p.waitFor();
        }
    }

    @Benchmark
    public int containerAllNamespaces() throws Exception {
        return runTrue(EnumSet.allOf(Namespace.class));
    }

    @Benchmark
    public int containerWithoutNetwork() throws Exception {
        EnumSet<Namespace> ns = EnumSet.allOf(Namespace.class);
        ns.remove(Namespace.NETWORK);
        return runTrue(ns);
    }

    @Benchmark
    public int processBuilderBaseline() throws Exception {
        return new ProcessBuilder("/bin/true").redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD)
                .start().waitFor();
    }
}
