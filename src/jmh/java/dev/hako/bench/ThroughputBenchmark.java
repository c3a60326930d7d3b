package dev.hako.bench;

import dev.hako.Container;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

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
public class ThroughputBenchmark {

    private static int runTrue(BenchRootfs fs) throws Exception {
        return StartLatencyBenchmark.runTrue(Container.builder().rootfs(fs.rootfs));
    }

    @Benchmark
    @Threads(1)
    public int starters01(BenchRootfs fs) throws Exception {
        return runTrue(fs);
    }

    @Benchmark
    @Threads(2)
    public int starters02(BenchRootfs fs) throws Exception {
        return runTrue(fs);
    }

    @Benchmark
    @Threads(4)
    public int starters04(BenchRootfs fs) throws Exception {
        return runTrue(fs);
    }

    @Benchmark
    @Threads(16)
    public int starters16(BenchRootfs fs) throws Exception {
        return runTrue(fs);
    }
}
