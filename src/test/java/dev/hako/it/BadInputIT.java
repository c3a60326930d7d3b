package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerException;
import dev.hako.ContainerProcess;
import dev.hako.Namespace;
import dev.hako.testing.JvmResources;
import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Wrong configurations fail early with a message that says what is wrong. */
@KernelTest
class BadInputIT {

    @TempDir
    Path tmp;

    @Test
    void missingRootfs() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Container.builder().rootfs(Path.of("/nonexistent-hako-rootfs")));
        assertMessage(e, "/nonexistent-hako-rootfs", "does not exist");
    }

    @Test
    void rootfsThatIsAFile() throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        var e = assertThrows(IllegalArgumentException.class, () -> Container.builder().rootfs(file));
        assertMessage(e, file.toString(), "is not a directory");
    }

    @Test
    void noRootfs() {
        var e = assertThrows(IllegalArgumentException.class, () -> Container.builder().command("true").build());
        assertMessage(e, "no rootfs");
    }

    @Test
    void emptyCommand() {
        assertMessage(assertThrows(IllegalArgumentException.class, () -> builder().build()), "no command");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> builder().command(List.of()).build()),
                "no command");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> builder().command("").build()),
                "empty program name");
    }

    @Test
    void invalidHostname() {
        for (String name : List.of("bad_host!", "-leading-dash", "a".repeat(65), "")) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> builder().hostname(name).command("true").build(), name);
            assertMessage(e, "hostname '" + name + "'", "invalid");
        }
    }

    @Test
    void hostnameWithoutUtsNamespace() {
        var e = assertThrows(IllegalArgumentException.class, () -> builder()
                .namespaces(Namespace.MOUNT, Namespace.PID).hostname("box").command("true").build());
        assertMessage(e, "hostname 'box'", "UTS");
    }

    @Test
    void relativeWorkingDirectoryAndWrongRedirects() {
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> builder().workingDir("app").command("true").build()), "'app'", "absolute");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> builder().redirectInput(Redirect.to(tmp.resolve("x").toFile()))), "redirectInput");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> builder().env("A=B", "c")), "'A=B'");
    }

    @Test
    void startTwice() throws Exception {
        try (Container c = builder().command("cat").build()) {
            ContainerProcess p = c.start();
            var e = assertThrows(IllegalStateException.class, c::start);
            assertMessage(e, c.id(), "started");
            p.getOutputStream().close();
            assertEquals(0, p.waitFor(), "the first process is unharmed");
        }
    }

    @Test
    void startAfterClose() {
        Container c = builder().command("true").build();
        c.close();
        assertMessage(assertThrows(IllegalStateException.class, c::start), c.id(), "closed");
    }

    @Test
    void commandNotFoundInPath() {
        var e = assertThrows(ContainerException.class, () -> start("no-such-command-hako"));
        assertMessage(e, "no-such-command-hako", "not found", "PATH");
    }

    @Test
    void absoluteCommandThatDoesNotExist() {
        var e = assertThrows(ContainerException.class, () -> start("/no/such/program"));
        assertMessage(e, "/no/such/program");
        assertTrue(e.getMessage().toLowerCase().matches("(?s).*(not found|does not exist|no such file).*"),
                () -> "message does not say the program is missing: " + e.getMessage());
    }

    @Test
    void commandThatIsNotExecutable() {
        var e = assertThrows(ContainerException.class, () -> start("/etc/passwd"));
        assertMessage(e, "/etc/passwd");
    }

    @Test
    void failedStartsLeakNothing() throws Exception {
        ok(builder().command("true").run());
        assertThrows(ContainerException.class, () -> start("no-such-command-hako"));
        JvmResources before = JvmResources.snapshot();
        for (int i = 0; i < 20; i++) {
            assertThrows(ContainerException.class, () -> start("no-such-command-hako"));
            assertThrows(ContainerException.class, () -> start("/no/such/program"));
        }
        JvmResources.assertNoLeakSince(before);
    }

    /** Builds and starts a container running {@code command}, closing it in any case. */
    private static void start(String command) throws Exception {
        try (Container c = builder().command(command).build()) {
            c.start();
        }
    }

    private static void assertMessage(Throwable e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(part),
                    () -> "message should mention '" + part + "': " + e.getMessage());
        }
    }
}
