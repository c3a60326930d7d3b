package dev.hako.net;

import dev.hako.linux.Libc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace for the tests, held by {@code unshare --net [--user --map-root-user]
 * sleep 600}, which the test starts (as root, or in a child JVM as a test user) and
 * {@link #close()} kills, by pid, with whatever was started inside. Commands run inside
 * through {@code nsenter}.
 */
final class SlirpTestNamespace implements AutoCloseable {
    final Process holder;
    final int pidfd;
    final boolean userNamespace;
    private final List<Process> started = new ArrayList<>();

    private SlirpTestNamespace(Process holder, int pidfd, boolean userNamespace) {
        this.holder = holder;
        this.pidfd = pidfd;
        this.userNamespace = userNamespace;
    }

    /** A new network namespace, and a user namespace owning it when {@code userNamespace}. */
    static SlirpTestNamespace create(boolean userNamespace) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("unshare", "--net"));
        if (userNamespace) {
            cmd.addAll(List.of("--user", "--map-root-user"));
        }
        cmd.addAll(List.of("sleep", "600"));
        Process holder = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            awaitExec(holder);
            return new SlirpTestNamespace(holder, Libc.pidfdOpen(holder.pid()), userNamespace);
        } catch (IOException | RuntimeException | InterruptedException | Error e) {
            holder.destroyForcibly();
            holder.waitFor(10, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** unshare makes the namespaces, then execs sleep: once the process is "sleep", they are there. */
    private static void awaitExec(Process holder) throws IOException, InterruptedException {
        Path comm = Path.of("/proc/" + holder.pid() + "/comm");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            if (!holder.isAlive()) {
                throw new IOException("unshare failed: " + new String(holder.getInputStream().readAllBytes(),
                        StandardCharsets.UTF_8));
            }
            try {
                if (Files.readString(comm).strip().equals("sleep")) {
                    return;
                }
            } catch (IOException e) {
                // between fork and exec
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("unshare did not exec sleep within 30 s");
            }
            Thread.sleep(2);
        }
    }

    long pid() {
        return holder.pid();
    }

    /** {@code command} run in the namespaces (the user namespace with this user's credentials kept). */
    List<String> inside(List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "-t", Long.toString(pid()), "-n"));
        if (userNamespace) {
            cmd.addAll(List.of("-U", "--preserve-credentials"));
        }
        cmd.add("--");
        cmd.addAll(command);
        return cmd;
    }

    /** Runs {@code command} inside and returns its stdout; fails with its output unless it exits 0. */
    String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(inside(List.of(command))).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " inside failed: " + out);
        }
        return out;
    }

    /** Starts {@code command} inside; {@link #close()} kills it if it still runs. */
    synchronized Process start(List<String> command) throws IOException {
        Process p = new ProcessBuilder(inside(command)).start();
        started.add(p);
        return p;
    }

    @Override
    public synchronized void close() throws InterruptedException {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        holder.destroyForcibly();
        holder.waitFor(10, TimeUnit.SECONDS);
        Libc.closeQuietly(pidfd);
    }
}
