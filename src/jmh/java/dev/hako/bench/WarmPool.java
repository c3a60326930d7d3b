package dev.hako.bench;

import dev.hako.Container;
import dev.hako.ContainerPool;

import java.lang.ProcessBuilder.Redirect;

/** The benchmarks' pools of the default configuration on the benchmark rootfs. */
final class WarmPool {
    private WarmPool() {
    }

    /** {@code size} members; stdio piped, or stdin the JVM's and output discarded ({@code quiet}). */
    static ContainerPool of(BenchRootfs fs, int size, boolean quiet) {
        Container.Builder template = Container.builder().rootfs(fs.rootfs);
        if (quiet) {
            template.redirectInput(Redirect.INHERIT).redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD);
        }
        return ContainerPool.builder(template).size(size).build();
    }

    /** Waits until every member is set up and waiting, so that no setup runs during the start that follows. */
    static void awaitFull(ContainerPool pool, int size) throws InterruptedException {
        while (pool.waiting() < size) {
            Thread.sleep(0, 200_000);
        }
    }
}
