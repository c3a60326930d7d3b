package dev.hako.it;

import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * hako's runc-compatible launcher driven by real podman: {@code src/test/oci/podman-accept.sh}
 * with the launcher as podman's {@code --runtime} (run, exec, logs, stop, kill, pause, a
 * terminal, limits, volumes, exit codes; see the script). The same script with runc first,
 * as the control: when runc fails it, the machine is at fault, not hako.
 *
 * <p>The launcher's path is the system property {@code hako.launcher} (the build's
 * {@code target/hako}).
 */
@KernelTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PodmanIT {

    static final String SCRIPT = "podman-accept.sh";

    @Test
    @Order(1)
    @Timeout(1200)
    void runcPassesEveryCheckAsTheControl() throws Exception {
        AcceptanceRun.control(SCRIPT).assertAllPassed();
    }

    @Test
    @Order(2)
    @Timeout(1200)
    void hakoPassesEveryCheck() throws Exception {
        AcceptanceRun.hako(SCRIPT).assertAllPassed();
    }

    /**
     * One run of an acceptance script of {@code src/test/oci} with a runtime, read as the
     * TAP-like lines the scripts print: {@code ok - name}, {@code not ok - name: detail},
     * {@code Bail out! reason}, and a closing {@code # N checks, M failed} that shows the
     * script got to its end.
     */
    record AcceptanceRun(String script, Path runtime, boolean control, int status, List<String> passed,
                         List<String> failed, List<String> bailOuts, boolean finished, String output) {

        static final Path RUNC = Path.of("/usr/sbin/runc");
        // hako starts a JVM per runtime call, so its runs take minutes where runc takes seconds.
        static final int SCRIPT_GUARD_MINUTES = 18;

        /** The script with Debian's runc, which the script installs when it is missing. */
        static AcceptanceRun control(String script) throws IOException, InterruptedException {
            AcceptanceRun run = run(script, RUNC, true);
            assertTrue(Files.isExecutable(RUNC), "the control needs Debian's runc at " + RUNC
                    + ", which the script did not install: apt-get install runc");
            return run;
        }

        /** The script with hako's launcher, {@code hako.launcher}. */
        static AcceptanceRun hako(String script) throws IOException, InterruptedException {
            Path launcher = Path.of(System.getProperty("hako.launcher", "target/hako")).toAbsolutePath();
            assertTrue(Files.isExecutable(launcher), "hako's runc-compatible launcher " + launcher
                    + " does not exist or is not executable: the build makes it (./mvnw package);"
                    + " system property hako.launcher names another");
            return run(script, launcher, false);
        }

        static AcceptanceRun run(String script, Path runtime, boolean control) throws IOException, InterruptedException {
            Path path = Path.of("src/test/oci", script).toAbsolutePath();
            assertTrue(Files.isExecutable(path), "the acceptance script " + path + " is missing or not executable");
            Process p = new ProcessBuilder("bash", path.toString(), runtime.toString())
                    .redirectErrorStream(true).start();
            p.getOutputStream().close();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    p.getInputStream().transferTo(out);
                } catch (IOException e) {
                    // The process was destroyed; what was read is kept.
                }
            });
            // A guard against a hung script only: each of its checks has its own guards.
            if (!p.waitFor(SCRIPT_GUARD_MINUTES, TimeUnit.MINUTES)) {
                // TERM first: the script cleans up (containers, daemons, mounts, cgroups) on it.
                p.destroy();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
                reader.join(TimeUnit.SECONDS.toMillis(10));
                fail(script + " with " + runtime + " did not end within " + SCRIPT_GUARD_MINUTES
                        + " minutes; killed. Its output:\n" + output(out));
            }
            reader.join(TimeUnit.SECONDS.toMillis(60));
            if (reader.isAlive()) {
                fail(script + " exited but something it started still holds its output: " + output(out));
            }
            return parse(script, runtime, control, p.exitValue(), output(out));
        }

        private static String output(ByteArrayOutputStream out) {
            synchronized (out) {
                return out.toString(StandardCharsets.UTF_8);
            }
        }

        static AcceptanceRun parse(String script, Path runtime, boolean control, int status, String output) {
            List<String> passed = new ArrayList<>();
            List<String> failed = new ArrayList<>();
            List<String> bailOuts = new ArrayList<>();
            boolean finished = false;
            for (String line : output.split("\n")) {
                if (line.startsWith("ok - ")) {
                    passed.add(line.substring(5));
                } else if (line.startsWith("not ok - ")) {
                    failed.add(line.substring(9));
                } else if (line.startsWith("Bail out!")) {
                    bailOuts.add(line.substring(9).strip());
                } else if (line.matches("# \\d+ checks, \\d+ failed.*")) {
                    finished = true;
                }
            }
            return new AcceptanceRun(script, runtime, control, status, passed, failed, bailOuts, finished, output);
        }

        /** Fails naming every failed check, or why the script did not get through them. */
        void assertAllPassed() {
            if (status == 0 && failed.isEmpty() && bailOuts.isEmpty() && finished && !passed.isEmpty()) {
                return;
            }
            StringBuilder m = new StringBuilder();
            if (control) {
                m.append("the control run with runc failed, so this machine (or the script) is at fault, not hako: ");
            } else {
                m.append("hako's launcher ").append(runtime).append(" under ").append(script).append(": ");
            }
            m.append(failed.size()).append(" of ").append(failed.size() + passed.size()).append(" checks failed");
            for (String bail : bailOuts) {
                m.append("\n  bailed out: ").append(bail);
            }
            for (String check : failed) {
                m.append("\n  not ok - ").append(check);
            }
            if (!finished) {
                m.append("\n  the script did not reach its end (exit status ").append(status).append("); its last output:\n")
                        .append(tail(output, 20));
            } else if (status != 0 && failed.isEmpty()) {
                m.append("\n  but it exited with status ").append(status);
            }
            fail(m.toString());
        }

        private static String tail(String text, int lines) {
            String[] all = text.split("\n");
            return String.join("\n", java.util.Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
        }
    }
}
