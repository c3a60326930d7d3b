package dev.hako.process;

import dev.hako.ExitStatus;
import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Reaps every container process from one thread: an epoll set over their pidfds (a pidfd
 * becomes readable when its process exits), then {@code waitid(P_PIDFD)} for exactly that
 * process. One thread serves any number of containers, and nothing ever waits on -1,
 * which would steal {@link Process}'s children.
 */
public final class Reaper {
    private static final int MAX_EVENTS = 64;
    /** How often a process that exited but cannot be reaped yet is tried again. */
    private static final int HELD_RETRY_MILLIS = 100;
    private static volatile Reaper instance;

    private final int epollFd;
    private final Map<Integer, CompletableFuture<ExitStatus>> watched = new ConcurrentHashMap<>();
    /**
     * Pidfds whose process has exited but cannot be waited for yet: a tracer holds it as a
     * ptrace zombie (a process inside a container may ptrace one exec'd into it and never
     * wait for it). Such a pidfd stays readable, so it is taken out of the epoll set, or
     * this thread would spin, and tried again every {@link #HELD_RETRY_MILLIS}. Reaper thread only.
     */
    private final java.util.Set<Integer> held = new java.util.HashSet<>();

    private Reaper(int epollFd) {
        this.epollFd = epollFd;
    }

    /** The JVM's reaper, started on first use. */
    public static Reaper get() throws SyscallException {
        Reaper r = instance;
        if (r == null) {
            synchronized (Reaper.class) {
                r = instance;
                if (r == null) {
                    r = new Reaper(Libc.epollCreate1(linux_h.EPOLL_CLOEXEC()));
                    Thread.ofPlatform().daemon().name("hako-reaper").start(r::loop);
                    instance = r;
                }
            }
        }
        return r;
    }

    /**
     * Completes the returned future with the exit status of the process behind
     * {@code pidfd}, once it has exited and been reaped. The caller keeps owning the pidfd
     * and must not close it before the future completes.
     */
    public CompletableFuture<ExitStatus> watch(int pidfd) throws SyscallException {
        CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
        watched.put(pidfd, exit);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment event = arena.allocate(linux_h.HAKO_EPOLL_EVENT_SIZE(), 8);
            event.set(JAVA_INT, linux_h.HAKO_EPOLL_EVENT_EVENTS(), linux_h.EPOLLIN());
            event.set(JAVA_LONG.withByteAlignment(1), linux_h.HAKO_EPOLL_EVENT_DATA(), pidfd);
            Libc.epollCtl(epollFd, linux_h.EPOLL_CTL_ADD(), pidfd, event);
        } catch (SyscallException e) {
            watched.remove(pidfd);
            throw e;
        }
        return exit;
    }

    /**
     * Waits for the process behind {@code pidfd} and reaps it, on the calling thread: for a
     * child that never got as far as being watched.
     */
    public static ExitStatus reapNow(int pidfd) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(linux_h.HAKO_SIGINFO_SIZE(), 8);
            Libc.waitid(pidfd, info, linux_h.WEXITED());
            return decode(info);
        }
    }

    /**
     * Whether the process behind {@code pidfd} has exited (a pidfd polls readable then),
     * without waiting and without reaping it.
     */
    public static boolean hasExited(int pidfd) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fd = arena.allocate(linux_h.HAKO_POLLFD_SIZE(), 8);
            fd.set(JAVA_INT, linux_h.HAKO_POLLFD_FD(), pidfd);
            fd.set(JAVA_SHORT, linux_h.HAKO_POLLFD_EVENTS(), (short) linux_h.POLLIN());
            return Libc.poll(fd, 1, 0) > 0;
        }
    }

    private void loop() {
        try (Arena arena = Arena.ofConfined()) {
            long eventSize = linux_h.HAKO_EPOLL_EVENT_SIZE();
            MemorySegment events = arena.allocate(eventSize * MAX_EVENTS, 8);
            MemorySegment info = arena.allocate(linux_h.HAKO_SIGINFO_SIZE(), 8);
            while (true) {
                int n;
                try {
                    n = Libc.epollWait(epollFd, events, MAX_EVENTS, held.isEmpty() ? -1 : HELD_RETRY_MILLIS);
                } catch (SyscallException e) {
                    failAll(e);
                    return;
                }
                for (int i = 0; i < n; i++) {
                    long data = events.get(JAVA_LONG.withByteAlignment(1), i * eventSize + linux_h.HAKO_EPOLL_EVENT_DATA());
                    reap((int) data, info);
                }
                for (Integer pidfd : List.copyOf(held)) {
                    reap(pidfd, info);
                }
            }
        }
    }

    private void reap(int pidfd, MemorySegment info) {
        CompletableFuture<ExitStatus> exit = watched.get(pidfd);
        try {
            info.fill((byte) 0);
            Libc.waitid(pidfd, info, linux_h.WEXITED() | linux_h.WNOHANG());
            if (info.get(JAVA_INT, linux_h.HAKO_SI_PID()) == 0) {
                // Readable, yet nothing to reap: exited but held (see held). Retry it later.
                if (held.add(pidfd)) {
                    Libc.epollCtl(epollFd, linux_h.EPOLL_CTL_DEL(), pidfd, MemorySegment.NULL);
                }
                return;
            }
            if (!held.remove(pidfd)) {
                Libc.epollCtl(epollFd, linux_h.EPOLL_CTL_DEL(), pidfd, MemorySegment.NULL);
            }
            watched.remove(pidfd);
            if (exit != null) {
                exit.complete(decode(info));
            }
        } catch (SyscallException e) {
            watched.remove(pidfd);
            held.remove(pidfd);
            try {
                Libc.epollCtl(epollFd, linux_h.EPOLL_CTL_DEL(), pidfd, MemorySegment.NULL);
            } catch (SyscallException ignored) {
                // Already gone from the set; the failure below is what matters.
            }
            if (exit != null) {
                exit.completeExceptionally(e);
            }
        }
    }

    private void failAll(SyscallException e) {
        watched.values().forEach(f -> f.completeExceptionally(e));
        watched.clear();
    }

    private static ExitStatus decode(MemorySegment info) {
        int code = info.get(JAVA_INT, linux_h.HAKO_SI_CODE());
        int status = info.get(JAVA_INT, linux_h.HAKO_SI_STATUS());
        return code == linux_h.CLD_EXITED() ? ExitStatus.exited(status) : ExitStatus.killed(status);
    }
}
