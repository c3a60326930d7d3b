package dev.hako.netlink;

import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;

import java.io.IOException;

/**
 * Work done inside another network namespace without leaving a thread of the JVM there:
 * each call runs on a fresh platform thread that joins the namespace, does the work,
 * returns to its original namespace and ends. Whatever the work creates (a netlink socket,
 * a Java socket channel) stays in the namespace it was created in and can be used from any
 * thread afterwards.
 */
public final class NetworkNamespace {
    private static final String OWN = "/proc/thread-self/ns/net";

    private NetworkNamespace() {
    }

    /** Work to run inside a namespace. */
    @FunctionalInterface
    public interface Task<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code task} in the network namespace {@code netnsFd} names and returns its
     * result; its exception is rethrown here.
     *
     * @throws SyscallException when the namespace cannot be joined (such as EINVAL for an
     *     fd that is not a network namespace)
     */
    public static <T> T callIn(int netnsFd, Task<T> task) throws IOException {
        return onFreshThread(() -> {
            int original = openOwn();
            try {
                Libc.setns(netnsFd, linux_h.CLONE_NEWNET());
                try {
                    return task.run();
                } finally {
                    // The thread ends right after, so a failure here leaves no thread behind either.
                    Libc.setns(original, linux_h.CLONE_NEWNET());
                }
            } finally {
                Libc.closeQuietly(original);
            }
        });
    }

    /**
     * Makes a new, empty network namespace (only a loopback device, down) and returns a
     * close-on-exec descriptor of it; the namespace lives until its last descriptor is
     * closed and nothing else is in it. Made by a thread that unshares and then ends.
     */
    public static int create() throws IOException {
        return onFreshThread(() -> {
            Libc.unshare(linux_h.CLONE_NEWNET());
            return openOwn();
        });
    }

    /** A descriptor of the calling thread's network namespace. */
    public static int openOwn() throws SyscallException {
        return Libc.openat2(linux_h.AT_FDCWD(), OWN, linux_h.O_RDONLY() | linux_h.O_CLOEXEC(), 0);
    }

    private static <T> T onFreshThread(Task<T> task) throws IOException {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread thread = Thread.ofPlatform().name("hako-netns").daemon().start(() -> {
            try {
                result[0] = task.run();
            } catch (Throwable t) {
                failure[0] = t;
            }
        });
        boolean interrupted = false;
        while (true) {
            try {
                thread.join(); // never abandoned: its result may hold a descriptor
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        switch (failure[0]) {
            case null -> {
            }
            case IOException e -> throw e;
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            default -> throw new IllegalStateException(failure[0]);
        }
        @SuppressWarnings("unchecked")
        T value = (T) result[0];
        return value;
    }
}
