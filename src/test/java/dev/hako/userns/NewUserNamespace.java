package dev.hako.userns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A process in a user namespace of its own that has no maps yet, for map-writing tests:
 * {@code unshare --user sleep 60}, started by this JVM (so owned by its user), ready once
 * its {@code /proc/PID/ns/user} differs from this JVM's. {@link #close()} kills it.
 */
final class NewUserNamespace implements AutoCloseable {
    private final Process process;

    private NewUserNamespace(Process process) {
        this.process = process;
    }

    static NewUserNamespace start() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("unshare", "--user", "sleep", "60").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        NewUserNamespace ns = new NewUserNamespace(p);
        String own = Files.readSymbolicLink(Path.of("/proc/self/ns/user")).toString();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try {
                if (!Files.readSymbolicLink(Path.of("/proc/" + p.pid() + "/ns/user")).toString().equals(own)) {
                    return ns;
                }
            } catch (IOException notYet) {
                // the process is being set up
            }
            if (!p.isAlive()) {
                throw new IllegalStateException("unshare --user sleep 60 ended with " + p.exitValue());
            }
            Thread.sleep(5);
        }
        ns.close();
        throw new IllegalStateException("unshare --user did not make a user namespace within 10 s");
    }

    long pid() {
        return process.pid();
    }

    /** A map or setgroups as the kernel shows it, lines joined by ", " with single spaces; "" when unwritten. */
    String read(String file) throws IOException {
        return Files.readString(Path.of("/proc/" + pid() + "/" + file)).strip().lines()
                .map(l -> l.strip().replaceAll("\\s+", " ")).collect(Collectors.joining(", "));
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
