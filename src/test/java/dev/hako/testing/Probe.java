package dev.hako.testing;

import dev.hako.Container;
import dev.hako.Mount;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code src/test/c/probe.c}, a static program that makes one system call named on its
 * command line and prints what the kernel answered, for tests that need a call no busybox
 * applet makes, or whose applet hides the errno. Compiled once per JVM with
 * {@code gcc -static} into {@code target/probe/}, never committed; bound read-only into a
 * container at {@link #PATH}.
 *
 * <p>It prints one line, {@code ok RESULT [details]} or {@code errno N NAME}; see probe.c
 * for the calls it knows ({@code mount}, {@code umount2}, {@code unshare}, {@code add_key},
 * {@code keyctl_join}, {@code ptrace_attach}, {@code init_module}, {@code finit_module},
 * {@code delete_module}, {@code name_to_handle_at}, {@code open_by_handle_at}, {@code open},
 * {@code write}, {@code stat}, and {@code syscall NR ARGS...} for anything else).
 */
public final class Probe {
    /** Where the probe is inside a container that has {@link #mount()}. */
    public static final String PATH = "/probe";

    private static Path binary;

    private Probe() {
    }

    /** The compiled probe on the host, built on first use. */
    public static synchronized Path binary() {
        if (binary == null) {
            Path base = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
            Path source = base.resolve("src/test/c/probe.c");
            Path out = base.resolve("target/probe/probe").toAbsolutePath();
            try {
                Files.createDirectories(out.getParent());
                Process gcc;
                try {
                    gcc = new ProcessBuilder("gcc", "-static", "-O1", "-Wall", "-Werror", "-o", out.toString(),
                            source.toString()).redirectErrorStream(true).start();
                } catch (IOException e) {
                    throw new IllegalStateException("the kernel tests compile " + source + " with gcc -static, and there"
                            + " is no gcc: apt-get install gcc libc6-dev", e);
                }
                String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (gcc.waitFor() != 0) {
                    throw new IllegalStateException("gcc -static " + source + " failed (a static libc needs"
                            + " libc6-dev: apt-get install gcc libc6-dev):\n" + output);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            binary = out;
        }
        return binary;
    }

    /** The probe bound read-only at {@link #PATH}, for {@code builder.mount(...)}. */
    public static Mount mount() {
        return Mount.bind(binary(), PATH).readOnly();
    }

    /** {@code builder} with the probe, running {@code probe args...} as its command. */
    public static Container.Builder in(Container.Builder builder, String... args) {
        List<String> command = new ArrayList<>(List.of(PATH));
        command.addAll(List.of(args));
        return builder.mount(mount()).command(command);
    }

    /** Runs {@code probe args...} in a container of {@code builder}: its one line of output. */
    public static String run(Container.Builder builder, String... args) throws IOException, InterruptedException {
        return Containers.ok(in(builder, args).run()).strip();
    }

    /** Runs {@code probe args...} on the host (as this JVM's user): its one line of output. */
    public static String onHost(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(binary().toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe on the host did not end");
        assertEquals(0, p.exitValue(), "probe " + command + ": " + out);
        return out.strip();
    }

    /** Asserts that a probe's line reports errno {@code errno} (a number from the bindings), naming the call. */
    public static void assertErrno(int errno, String line, String what) {
        assertTrue(line.startsWith("errno " + errno + " "), what + ": expected errno " + errno + ", the probe said: " + line);
    }

    /** Asserts that a probe's line reports success and returns it. */
    public static String assertOk(String line, String what) {
        assertTrue(line.startsWith("ok "), what + " should work: the probe said: " + line);
        return line;
    }
}
