package dev.hako.spawn;

import dev.hako.ContainerException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The waiting members of a container pool, and the pool's worker threads that make them
 * and clean up after them: members are set up there, up to one per core at a time (their
 * clone on the spawner thread, as every clone), and what a start leaves (its member's
 * memory, its cgroup and network once its process has exited) is released there too,
 * never on the thread that starts.
 *
 * <p>A member that fails its setup is reported and replaced; after
 * {@link #FAILURES_IN_A_ROW} failures in a row the workers stop trying until the next
 * {@link #take()}, which throws the last failure when no member is waiting.
 */
public final class WarmMembers implements AutoCloseable {
    /** Failures in a row after which refilling pauses until a start asks again. */
    static final int FAILURES_IN_A_ROW = 3;
    /**
     * How long after a start its member is replaced, unless its process exits sooner or no
     * member is left: a setup (mounts, a clone, cgroup files) costs a core for milliseconds,
     * and on a small machine it would slow the start it follows, and that start's command.
     */
    static final long REFILL_DELAY_MILLIS = 10;
    /** How long a take() waits at a time before it looks again at closing and failures. */
    private static final long WAIT_STEP_MILLIS = 50;

    private final String name;
    private final int size;
    private final boolean refill;
    private final Supplier<LaunchConfig> nextConfig;
    private final Supplier<Launched> networkOf;
    private final Consumer<ContainerException> onFailure;
    private final LinkedBlockingDeque<StartingChild> waiting = new LinkedBlockingDeque<>();
    private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private final List<Thread> workers = new ArrayList<>();
    private final Object lock = new Object();
    /** Members made so far (set up, or being set up), for a pool that does not refill. */
    private int made;
    /** Members being set up now. */
    private int preparing;
    private int failuresInARow;
    private volatile ContainerException lastFailure;
    private volatile boolean closed;
    /** Workers that have run their last task; once all have, later tasks run where they are submitted. */
    private int workersDone;

    /**
     * @param nextConfig the configuration of the next member (each its own id)
     * @param networkOf the running container whose network members join, or null
     * @param onFailure told about each member whose setup failed, on the pool's thread
     */
    public WarmMembers(String name, int size, boolean refill, Supplier<LaunchConfig> nextConfig,
                       Supplier<Launched> networkOf, Consumer<ContainerException> onFailure) {
        this.name = name;
        this.size = size;
        this.refill = refill;
        this.nextConfig = nextConfig;
        this.networkOf = networkOf;
        this.onFailure = onFailure;
        // Up to one setup per core at a time: starters on several threads get members as fast
        // as the machine can make them, and a pool of one never takes more than one core.
        int count = Math.max(1, Math.min(size, Runtime.getRuntime().availableProcessors()));
        for (int i = 0; i < count; i++) {
            Thread t = Thread.ofPlatform().daemon().name("hako-pool-" + name + "-" + i).unstarted(this::serve);
            workers.add(t);
        }
        workers.forEach(Thread::start);
        requestRefill();
    }

    /** How many members wait for a start now. */
    public int waiting() {
        return waiting.size();
    }

    /**
     * A member that waits for its start, taken out of the pool (a new one is made in its
     * place); waits for one when none is ready.
     *
     * @throws ContainerException when members fail their setup (the last failure, as cause)
     * @throws IllegalStateException when the pool is closed, or used up without refilling
     */
    public StartingChild take() throws ContainerException {
        boolean interrupted = false;
        try {
            while (true) {
                StartingChild member = waiting.poll();
                if (member != null) {
                    if (member.isAlive()) {
                        if (waiting.isEmpty()) {
                            requestRefill(); // none left: the next start would wait, so no later than now
                        }
                        return member;
                    }
                    submit(member::discard); // killed while it waited: replaced
                    continue;
                }
                if (closed) {
                    throw new IllegalStateException("container pool " + name + " is closed");
                }
                synchronized (lock) {
                    if (!refill && made >= size && preparing == 0 && waiting.isEmpty()) {
                        throw new IllegalStateException("container pool " + name + " is used up: its " + size
                                + " members were all started, and it does not refill (Refill.NEVER)");
                    }
                    if (failuresInARow >= FAILURES_IN_A_ROW) {
                        failuresInARow = 0; // the next take() tries again
                        ContainerException last = lastFailure;
                        requestRefill();
                        throw new ContainerException("container pool " + name + ": no member could be set up ("
                                + FAILURES_IN_A_ROW + " attempts in a row failed); the last: " + last.getMessage(),
                                last);
                    }
                }
                requestRefill();
                try {
                    member = waiting.poll(WAIT_STEP_MILLIS, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
                if (member != null) {
                    waiting.addFirst(member);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * After a member's start has returned: its memory is freed on the pool's thread (a
     * shared arena's close waits for every thread), and once its process has exited, its
     * pidfd, cgroup and network are released there too; its streams stay the caller's.
     */
    public void started(StartingChild member, Launched launched) {
        AtomicBoolean once = new AtomicBoolean();
        Runnable afterTheStart = () -> {
            if (once.compareAndSet(false, true)) {
                submit(member::freeMemory);
                requestRefill();
            }
        };
        launched.exit().whenComplete((status, failure) -> {
            afterTheStart.run();
            submit(launched::releaseAfterExit);
        });
        CompletableFuture.delayedExecutor(REFILL_DELAY_MILLIS, TimeUnit.MILLISECONDS).execute(afterTheStart);
    }

    /** After a start that failed (its member is gone with it): a new member in its place. */
    public void replace() {
        requestRefill();
    }

    /** Asks the workers for as many new members as are wanted now, one setup per worker at most. */
    private void requestRefill() {
        synchronized (lock) {
            while (!closed && failuresInARow < FAILURES_IN_A_ROW && preparing < workers.size()
                    && (refill ? waiting.size() + preparing < size : made < size)) {
                made++;
                preparing++;
                submit(this::prepareOne);
            }
        }
    }

    /** Sets up one member, then asks for the next. */
    private void prepareOne() {
        try {
            StartingChild member = StartingChild.prepareMember(nextConfig.get(), networkOf.get());
            synchronized (lock) {
                failuresInARow = 0;
                preparing--;
                if (!closed) {
                    waiting.add(member);
                    member = null;
                }
            }
            if (member != null) {
                member.discard(); // the pool was closed meanwhile
            }
        } catch (ContainerException | RuntimeException e) {
            ContainerException failure = e instanceof ContainerException c ? c
                    : new ContainerException("setting up a member of container pool " + name + " failed: " + e, e);
            synchronized (lock) {
                failuresInARow++;
                made--;
                preparing--;
                lastFailure = failure;
            }
            try {
                onFailure.accept(failure);
            } catch (RuntimeException ignored) {
                // A listener's own failure must not stop the pool.
            }
        }
        requestRefill();
    }

    private void submit(Runnable task) {
        synchronized (lock) {
            if (workersDone < workers.size()) {
                tasks.add(task);
                return;
            }
        }
        task.run(); // the pool is closed and its workers gone: done where it is asked for
    }

    private void serve() {
        while (true) {
            Runnable task;
            try {
                task = tasks.take();
            } catch (InterruptedException e) {
                continue; // only close() ends a worker, through its STOP
            }
            if (task == STOP) {
                break; // each worker takes one STOP, and nothing after it
            }
            runQuietly(task);
        }
        boolean last;
        synchronized (lock) {
            last = ++workersDone == workers.size(); // from now on, submit() runs tasks where they are asked for
        }
        if (last) {
            Runnable task;
            while ((task = tasks.poll()) != null) {
                runQuietly(task);
            }
        }
    }

    private static void runQuietly(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            System.getLogger(WarmMembers.class.getName()).log(System.Logger.Level.WARNING,
                    "a container pool's cleanup failed: " + e.getMessage(), e);
        }
    }

    private static final Runnable STOP = () -> {
    };

    /**
     * Discards every waiting member (killed and reaped, with its cgroup, network, memory and
     * descriptors) and ends the pool's thread once it has done what was asked before.
     * Containers already started stay their callers'. Safe to call more than once.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        workers.forEach(w -> tasks.add(STOP));
        boolean interrupted = false;
        for (Thread w : workers) {
            while (true) {
                try {
                    w.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        StartingChild member;
        while ((member = waiting.poll()) != null) {
            member.discard();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
