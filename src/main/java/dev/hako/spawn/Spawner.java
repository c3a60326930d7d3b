package dev.hako.spawn;

import dev.hako.linux.Flags;
import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;
import dev.hako.program.Trampoline;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * changes only the calling thread) for the one clone, and so is one that joins namespaces
 * by path ({@code joinNamespace}: network, IPC, UTS, PID, cgroup).
 */
final class Spawner {
    /**
     * A namespace the child is born in: {@code fd} a pidfd (then {@code types} may name
     * several of its process's namespaces) or a namespace file's descriptor ({@code types}
     * its one type), joined by this thread for the clone.
     */
    record Join(int fd, int types) {
    }

    private record Request(Trampoline trampoline, long controlBlock, List<Join> joins,
                           CompletableFuture<Long> result) {
    }

    /**
     * The types a join may name, each with this thread's own namespace file: of the JVM's
     * namespaces, these are the ones a thread of a multi-threaded process may leave and
     * come back to (PID for its children only).
     */
    private static final Map<Integer, String> JOINABLE = Map.of(
            linux_h.CLONE_NEWPID(), "/proc/self/ns/pid",
            linux_h.CLONE_NEWNET(), "/proc/thread-self/ns/net",
            linux_h.CLONE_NEWIPC(), "/proc/thread-self/ns/ipc",
            linux_h.CLONE_NEWUTS(), "/proc/thread-self/ns/uts",
            linux_h.CLONE_NEWCGROUP(), "/proc/thread-self/ns/cgroup");
    private static final int JOINABLE_TYPES = JOINABLE.keySet().stream().mapToInt(Integer::intValue)
            .reduce(0, (a, b) -> a | b);
    /** This thread's own namespaces by type, opened on first use, to come back to after a join. */
    private static final Map<Integer, Integer> OWN = new HashMap<>();
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
                r.result().complete(r.joins().isEmpty() ? r.trampoline().spawn(r.controlBlock()) : spawnJoined(r));
            } catch (Throwable t) {
                r.result().completeExceptionally(t);
            }
        }
    }

    /** On this thread: joins the namespaces for the children, clones, and always goes back. */
    private static long spawnJoined(Request r) throws SyscallException {
        List<Integer> types = new ArrayList<>();
        for (Join j : r.joins()) {
            for (int type : JOINABLE.keySet()) {
                if ((j.types() & type) != 0 && !types.contains(type)) {
                    types.add(type);
                }
            }
            if ((j.types() & ~JOINABLE_TYPES) != 0) {
                throw new IllegalArgumentException("the spawner thread cannot join " + Flags.render("CLONE_", j.types()));
            }
        }
        for (int type : types) {
            if (!OWN.containsKey(type)) {
                OWN.put(type, Libc.openat2(linux_h.AT_FDCWD(), JOINABLE.get(type),
                        linux_h.O_RDONLY() | linux_h.O_CLOEXEC(), 0));
            }
        }
        List<Integer> joined = new ArrayList<>();
        try {
            for (Join j : r.joins()) {
                Libc.setns(j.fd(), j.types());
                for (int type : types) {
                    if ((j.types() & type) != 0 && !joined.contains(type)) {
                        joined.add(type);
                    }
                }
            }
            return r.trampoline().spawn(r.controlBlock());
        } finally {
            for (int type : joined.reversed()) {
                goBack(OWN.get(type), type);
            }
        }
    }

    private static void goBack(int own, int type) {
        try {
            Libc.setns(own, type);
        } catch (SyscallException | RuntimeException e) {
            // A later start would create its namespace inside the container's: refuse all.
            broken = "the hako-spawner thread could not return to the JVM's " + Flags.render("CLONE_", type)
                    + " namespace after joining another (" + e.getMessage() + "); no container can be started in"
                    + " this JVM any more";
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
        return spawn(trampoline, controlBlock, join < 0 ? List.of() : List.of(new Join(join, joinTypes)));
    }

    /** Like {@link #spawn(Trampoline, long)}, with the child born in each of {@code joins}, joined in order. */
    static long spawn(Trampoline trampoline, long controlBlock, List<Join> joins) {
        CompletableFuture<Long> result = new CompletableFuture<>();
        QUEUE.add(new Request(trampoline, controlBlock, List.copyOf(joins), result));
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
