package dev.hako.bench;

import dev.hako.Container;
import dev.hako.ContainerPool;
import dev.hako.ContainerProcess;
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

import java.util.concurrent.TimeUnit;

/**
 * From the call to the first byte of {@code echo}'s output through the pipe: what a caller
 * waits before a container answers. The container's exit and cleanup happen after the
 * measured part. Baseline: the same through {@link ProcessBuilder}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class FirstByteBenchmark {
    private Container container;
    private Process process;

    @TearDown(Level.Invocation)
    public void finish() throws Exception {
        process.getInputStream().readAllBytes();
        process.waitFor();
        if (container != null) {
            container.close();
            container = null;
        }
    }

    @Benchmark
    public int hakoEcho(BenchRootfs fs) throws Exception {
        container = Container.builder().rootfs(fs.rootfs).command("echo", "hi").build();
        ContainerProcess p = container.start();
        p.getOutputStream().close();
        process = p;
        return p.getInputStream().read();
    }

    /** The same from a waiting pool member ({@link StartLatencyBenchmark.Pool}, but with piped stdio). */
    @State(Scope.Benchmark)
    public static class Pool {
        ContainerPool pool;

        @Setup(Level.Trial)
        public void start(BenchRootfs fs) {
            pool = WarmPool.of(fs, 2, false);
        }

        @Setup(Level.Invocation)
        public void awaitMembers() throws InterruptedException {
            WarmPool.awaitFull(pool, 2);
        }

        @TearDown(Level.Trial)
        public void stop() {
            pool.close();
        }
    }

    @Benchmark
    public int hakoPooledEcho(Pool pool) throws Exception {
        ContainerProcess p = pool.pool.start("echo", "hi");
        p.getOutputStream().close();
        process = p;
        return p.getInputStream().read();
    }

    @Benchmark
    public int baselineProcessBuilderEcho() throws Exception {
        process = new ProcessBuilder("echo", "hi").start();
        process.getOutputStream().close();
        return process.getInputStream().read();
    }
}
