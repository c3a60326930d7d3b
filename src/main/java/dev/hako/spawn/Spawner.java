package dev.hako.spawn;

import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;
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
 *
 * <p>For exec into a running container the clone must land in the container's PID
 * namespace, which applies only to the <em>children</em> of a caller: this thread then
 * joins it with {@code setns(CLONE_NEWPID)} for the one clone and goes back to the JVM's
 * own right after. That is allowed in a multi-threaded process (it changes only this
 * thread's {@code pid_for_children}, not its own pid nor any other thread) and is why every
 * clone, not only this one, must happen here: no other clone may run in between. A
 * container that shares another's network ({@code Network.container}) is born in that
 * network namespace the same way: this thread joins it ({@code setns(CLONE_NEWNET)} also
 * changes only the calling thread) for the one clone.
 */
final class Spawner {
    private record Request(Trampoline trampoline, long controlBlock, int join, int joinTypes,
                           CompletableFuture<Long> result) {
    }

    /** The JVM's own PID namespace, opened on this thread on first use, to come back to after a join. */
    private static int ownPidNamespace = -1;
    /** This thread's own network namespace, likewise. */
    private static int ownNetNamespace = -1;
    /** Set when leaving a container's PID namespace failed: this thread can no longer clone safely. */
    private static volatile String broken;

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
                if (broken != null) {
                    throw new IllegalStateException(broken);
                }
                r.result().complete(r.join() < 0 ? r.trampoline().spawn(r.controlBlock()) : spawnJoined(r));
            } catch (Throwable t) {
                r.result().completeExceptionally(t);
            }
        }
    }

    /** On this thread: joins the namespaces for the children, clones, and always goes back. */
    private static long spawnJoined(Request r) throws SyscallException {
        boolean pid = (r.joinTypes() & linux_h.CLONE_NEWPID()) != 0;
        boolean net = (r.joinTypes() & linux_h.CLONE_NEWNET()) != 0;
        if (pid && ownPidNamespace < 0) {
            ownPidNamespace = Libc.openat2(linux_h.AT_FDCWD(), "/proc/self/ns/pid",
                    linux_h.O_RDONLY() | linux_h.O_CLOEXEC(), 0);
        }
        if (net && ownNetNamespace < 0) {
            ownNetNamespace = Libc.openat2(linux_h.AT_FDCWD(), "/proc/thread-self/ns/net",
                    linux_h.O_RDONLY() | linux_h.O_CLOEXEC(), 0);
        }
        Libc.setns(r.join(), r.joinTypes());
        try {
            return r.trampoline().spawn(r.controlBlock());
        } finally {
            goBack(pid, ownPidNamespace, linux_h.CLONE_NEWPID(), "PID");
            goBack(net, ownNetNamespace, linux_h.CLONE_NEWNET(), "network");
        }
    }

    private static void goBack(boolean joined, int own, int type, String which) {
        if (!joined) {
            return;
        }
        try {
            Libc.setns(own, type);
        } catch (SyscallException | RuntimeException e) {
            // A later start would create its namespace inside the container's: refuse all.
            broken = "the hako-spawner thread could not return to the JVM's " + which + " namespace after joining a"
                    + " container's (" + e.getMessage() + "); no container can be started in this JVM any more";
        }
    }

    /** Clones on the spawner thread; returns the child's pid, or -errno. Not interruptible: the child must be accounted for. */
    static long spawn(Trampoline trampoline, long controlBlock) {
        return spawn(trampoline, controlBlock, -1, 0);
    }

    /**
     * Like {@link #spawn(Trampoline, long)}, with the child born in the namespaces
     * {@code joinTypes} ({@code CLONE_NEWPID}, {@code CLONE_NEWNET}, or both) of the process
     * whose pidfd is {@code join} (-1: the JVM's own).
     */
    static long spawn(Trampoline trampoline, long controlBlock, int join, int joinTypes) {
        CompletableFuture<Long> result = new CompletableFuture<>();
        QUEUE.add(new Request(trampoline, controlBlock, join, joinTypes, result));
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
