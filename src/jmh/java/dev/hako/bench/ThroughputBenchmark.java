package dev.hako.bench;

import dev.hako.Container;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Containers per second (start to exit of {@code /bin/true}, all namespaces) with 1, 2, 4
 * and 16 threads starting them at once.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Benchmark)
public class ThroughputBenchmark {
    private BenchRootfs fs;

    @Setup(Level.Trial)
    public void buildRootfs() throws IOException {
        fs = BenchRootfs.create();
    }

    @TearDown(Level.Trial)
    public void deleteRootfs() throws IOException {
        fs.close();
    }

    private int runTrue() throws Exception {
        return StartLatencyBenchmark.runTrue(Container.builder().rootfs(fs.rootfs));
    }

    @Benchmark
    @Threads(1)
    public int starters01() throws Exception {
        return runTrue();
    }

    @Benchmark
    @Threads(2)
    public int starters02() throws Exception {
        return runTrue();
    }

    @Benchmark
    @Threads(4)
    public int starters04() throws Exception {
        return runTrue();
    }

    @Benchmark
    @Threads(16)
    public int starters16() throws Exception {
        return runTrue();
    }
}
