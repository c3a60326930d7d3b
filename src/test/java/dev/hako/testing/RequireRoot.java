package dev.hako.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fails every test of a class when the JVM does not run as root: kernel integration tests
 * must not pass silently by being skipped.
 */
public final class RequireRoot implements BeforeAllCallback {

    static final String MESSAGE = "kernel integration tests need root: run sudo ./mvnw verify";

    @Override
    public void beforeAll(ExtensionContext context) {
        long euid = effectiveUid();
        if (euid != 0) {
            fail(MESSAGE + " (running with effective uid " + euid + ")");
        }
    }

    /** The effective uid, the second number of the Uid line of /proc/self/status. */
    public static long effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.split("\\s+")[2]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no Uid line in /proc/self/status");
    }
}
