package dev.hako.spawn;

import java.util.concurrent.LinkedBlockingQueue;

/**
 * One long-lived thread for the kernel's slow part of a container's end that nobody has to
 * wait for: the last reference to its mount namespace, whose release unmounts every mount
 * in it after an RCU grace period. A {@code close()} hands it over and returns.
 */
final class Teardown {
    private static final LinkedBlockingQueue<Runnable> QUEUE = new LinkedBlockingQueue<>();

    static {
        Thread.ofPlatform().daemon().name("hako-teardown").start(Teardown::serve);
    }

    private Teardown() {
    }

    /** Runs {@code work} soon on the teardown thread. */
    static void later(Runnable work) {
        QUEUE.add(work);
    }

    private static void serve() {
        while (true) {
            try {
                QUEUE.take().run();
            } catch (InterruptedException e) {
                // Nobody stops this thread; what is queued still has to run.
            } catch (RuntimeException e) {
                System.getLogger(Teardown.class.getName()).log(System.Logger.Level.WARNING,
                        "a container's teardown failed: " + e.getMessage(), e);
            }
        }
    }
}
