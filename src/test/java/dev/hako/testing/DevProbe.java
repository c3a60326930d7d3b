package dev.hako.testing;

import dev.hako.Mount;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code src/test/c/devprobe.c}, compiled once per build with {@code gcc -static} into
 * {@code target/}: a static program that makes one device call (open, read, mknod, a pty)
 * and prints its errno, for tests inside containers (whose rootfs has no such tool) and
 * on the host. A missing compiler or static C library fails the test, naming the package.
 */
public final class DevProbe {
    /** Where containers see it: bind-mounted read-only. */
    public static final String IN_CONTAINER = "/devprobe";

    private static final Path BASEDIR = Path.of(System.getProperty("basedir", "."));
    private static final Path SOURCE = BASEDIR.resolve("src/test/c/devprobe.c");
    private static final Path BINARY = BASEDIR.resolve("target/devprobe");
    private static boolean built;

    private DevProbe() {
    }

    /** The compiled probe on the host. */
    public static synchronized Path path() {
        if (!built) {
            try {
                Files.createDirectories(BINARY.getParent());
                Path tmp = Files.createTempFile(BINARY.getParent(), "devprobe", ".tmp");
                Process gcc = new ProcessBuilder("gcc", "-static", "-O1", "-Wall", "-o", tmp.toString(), SOURCE.toString())
                        .redirectErrorStream(true).start();
                String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (gcc.waitFor() != 0) {
                    Files.deleteIfExists(tmp);
                    fail("compiling " + SOURCE + " with gcc -static failed (apt-get install gcc libc6-dev):\n" + out);
                }
                Files.move(tmp, BINARY, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                fail("cannot run gcc to build " + SOURCE + " (apt-get install gcc libc6-dev): " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted while compiling " + SOURCE);
            }
            built = true;
        }
        return BINARY;
    }

    /** The probe, bind-mounted read-only at {@link #IN_CONTAINER}. */
    public static Mount mount() {
        return Mount.bind(path(), IN_CONTAINER).readOnly();
    }
}
