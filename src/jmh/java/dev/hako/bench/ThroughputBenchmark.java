package dev.hako.bench;

import dev.hako.Container;
import dev.hako.ContainerPool;
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

    /** One pool for all starters, as large as the most starters: they compete for its members and its setup. */
    @State(Scope.Benchmark)
    public static class Pool {
        ContainerPool pool;

        @Setup(Level.Trial)
        public void start(BenchRootfs fs) {
            pool = WarmPool.of(fs, 16, true);
        }

        @TearDown(Level.Trial)
        public void stop() {
            pool.close();
        }
    }

    private static int runPooled(Pool p) throws Exception {
        return p.pool.start("/bin/true").waitFor();
    }

    @Benchmark
    @Threads(1)
    public int pooledStarters01(Pool p) throws Exception {
        return runPooled(p);
    }

    @Benchmark
    @Threads(2)
    public int pooledStarters02(Pool p) throws Exception {
        return runPooled(p);
    }

    @Benchmark
    @Threads(4)
    public int pooledStarters04(Pool p) throws Exception {
        return runPooled(p);
    }

    @Benchmark
    @Threads(16)
    public int pooledStarters16(Pool p) throws Exception {
        return runPooled(p);
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
