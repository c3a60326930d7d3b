package dev.hako.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command line over and over from one long-lived bash, as someone at a shell would:
 * each {@link #runOnce()} costs what the command costs plus bash's fork and exec, and not
 * the JVM's process start, which would otherwise dominate a command-line baseline.
 */
final class CommandLoop implements AutoCloseable {
    private final Process shell;
    private final OutputStream in;
    private final BufferedReader out;
    private long runs;

    private CommandLoop(Process shell) {
        this.shell = shell;
        this.in = shell.getOutputStream();
        this.out = new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8));
    }

    /**
     * {@code command} may use {@code $N}, a fresh number per run (container names).
     * {@code setup} runs once first, in the same shell (e.g. a private cgroup mount).
     */
    static CommandLoop start(String setup, String command, List<String> wrapper) throws IOException {
        List<String> argv = new ArrayList<>(wrapper);
        argv.add("bash");
        argv.add("-c");
        argv.add(setup + "\nwhile read N; do " + command + " >/dev/null 2>&1; echo \"$?\"; done");
        Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        return new CommandLoop(p);
    }

    /** Runs the command once; fails if it did not exit 0. */
    void runOnce() throws IOException {
        in.write((++runs + "\n").getBytes(StandardCharsets.US_ASCII));
        in.flush();
        String status = out.readLine();
        if (!"0".equals(status)) {
            throw new IOException("baseline command failed with status " + status);
        }
    }

    /** The path of {@code tool} if installed, else null. */
    static String find(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        for (String dir : new String[] {"/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        in.close();
        try {
            if (!shell.waitFor(10, TimeUnit.SECONDS)) {
                shell.destroyForcibly();
            }
        } catch (InterruptedException e) {
            shell.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
