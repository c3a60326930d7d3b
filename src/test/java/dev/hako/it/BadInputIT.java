package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerException;
import dev.hako.ContainerProcess;
import dev.hako.testing.JvmResources;
import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.Test;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Wrong input that only the running system can judge (a command looked up in the rootfs,
 * a container started twice) fails with a message that says what is wrong, and leaks
 * nothing. What the builder refuses on its own is in {@code ContainerBuilderTest}.
 */
@KernelTest
class BadInputIT {

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
