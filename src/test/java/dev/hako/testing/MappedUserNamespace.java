package dev.hako.testing;

import dev.hako.linux.Libc;
import dev.hako.linux.Namespaces;
import dev.hako.linux.SyscallException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A process in a user namespace of its own whose maps this JVM (root) writes, as the
 * launcher does for a container: {@code unshare --user sleep 600}, then
 * {@code /proc/PID/uid_map} and {@code gid_map} written here once the process is in its
 * new namespace. Written by the JVM rather than with unshare's {@code --map-users}, which
 * goes through newuidmap and /etc/subuid on Debian 12's util-linux (2.38). Killed by
 * {@link #close()}.
 */
public final class MappedUserNamespace implements AutoCloseable {
    private final Process process;
    private final int pidfd;

    private MappedUserNamespace(Process process, int pidfd) {
        this.process = process;
        this.pidfd = pidfd;
    }

    /** A namespace that maps {@code count} ids from {@code inside} to {@code outside}, uids and gids alike. */
    public static MappedUserNamespace start(long inside, long outside, long count) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("unshare", "--user", "sleep", "600").redirectErrorStream(true).start();
        int pidfd;
        try {
            pidfd = Libc.pidfdOpen(p.pid());
            awaitOwnNamespace(p);
            String map = inside + " " + outside + " " + count + "\n";
            Files.writeString(Path.of("/proc/" + p.pid() + "/uid_map"), map);
            Files.writeString(Path.of("/proc/" + p.pid() + "/gid_map"), map);
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            p.destroyForcibly();
            throw e;
        }
        return new MappedUserNamespace(p, pidfd);
    }

    private static void awaitOwnNamespace(Process p) throws IOException, InterruptedException {
        Path own = Files.readSymbolicLink(Path.of("/proc/self/ns/user"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                if (!Files.readSymbolicLink(Path.of("/proc/" + p.pid() + "/ns/user")).equals(own)) {
                    return;
                }
            } catch (IOException e) {
                // not there yet, or gone: the checks below tell
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                fail("unshare --user did not get its own user namespace: "
                        + new String(p.getInputStream().readAllBytes()));
            }
            Thread.sleep(2);
        }
    }

    public long pid() {
        return process.pid();
    }

    /** A new descriptor of its user namespace ({@link Namespaces#open}); the caller closes it. */
    public int openUserNamespace() throws SyscallException {
        return Namespaces.open(process.pid(), pidfd, "user");
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
        Libc.closeQuietly(pidfd);
    }
}
