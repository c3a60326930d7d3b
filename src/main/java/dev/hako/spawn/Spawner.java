package dev.hako.spawn;

import dev.hako.program.Trampoline;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Runs every clone on one long-lived platform thread.
 *
 * <p>PR_SET_PDEATHSIG fires when the <em>thread</em> that created the child exits, not
 * the JVM. A child cloned from a pool or virtual-thread carrier would be killed when that
 * thread retires; cloned from this thread, which lives as long as the JVM, it dies with
 * the JVM and only then.
 */
final class Spawner {
    private record Request(Trampoline trampoline, long controlBlock, CompletableFuture<Long> result) {
    }

    private static final LinkedBlockingQueue<Request> QUEUE = new LinkedBlockingQueue<>();

    static {
        Thread thread = Thread.ofPlatform().daemon().name("hako-spawner").unstarted(Spawner::serve);
        thread.start();
    }

    private Spawner() {
    }

    private static void serve() {
        while (true) {
            Request r;
            try {
                r = QUEUE.take();
            } catch (InterruptedException e) {
                continue; // Nobody may stop this thread: children's death signal is bound to it.
            }
            try {
                r.result().complete(r.trampoline().spawn(r.controlBlock()));
            } catch (Throwable t) {
                r.result().completeExceptionally(t);
            }
        }
    }

    /** Clones on the spawner thread; returns the child's pid, or -errno. Not interruptible: the child must be accounted for. */
    static long spawn(Trampoline trampoline, long controlBlock) {
        CompletableFuture<Long> result = new CompletableFuture<>();
        QUEUE.add(new Request(trampoline, controlBlock, result));
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return result.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw new IllegalStateException("clone on the spawner thread failed", e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
