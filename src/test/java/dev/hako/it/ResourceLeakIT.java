package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerProcess;
import dev.hako.testing.JvmResources;
import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Many containers, one after another or all at once, leave nothing behind in the JVM. */
@KernelTest
class ResourceLeakIT {

    @Test
    void twoHundredContainersInARowLeaveNoFdMountOrThread() throws Exception {
        runTrue(); // warm-up: lazily started hako threads and loaded classes belong to "before"
        ok(builder().command("/bin/true").run());
        JvmResources before = JvmResources.snapshot();
        for (int i = 0; i < 200; i++) {
            runTrue();
        }
        JvmResources.assertNoLeakSince(before);
    }

    @Test
    void fiftyContainersAtOnceFromVirtualThreads() throws Exception {
        ok(builder().command("/bin/true").run());
        JvmResources before = JvmResources.snapshot();
        List<Future<Container.Result>> results = new ArrayList<>();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 50; i++) {
                String index = String.valueOf(i);
                results.add(executor.submit(() -> builder().env("INDEX", index)
                        .command("/bin/sh", "-c", "echo \"container $INDEX\"").run()));
            }
        }
        for (int i = 0; i < 50; i++) {
            assertEquals("container " + i + "\n", ok(results.get(i).get()), "output of container " + i);
        }
        JvmResources.assertNoLeakSince(before);
    }

    private static void runTrue() throws Exception {
        try (Container c = builder().command("/bin/true").build()) {
            ContainerProcess p = c.start();
            assertEquals(0, p.waitFor());
        }
    }
}
