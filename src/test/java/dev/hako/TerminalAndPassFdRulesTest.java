package dev.hako;

import dev.hako.linux.Libc;
import dev.hako.linux.linux_h;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** terminal(...), terminalSize(...) and passFd(...) that cannot work fail in build(), naming the options. */
class TerminalAndPassFdRulesTest {
    @TempDir
    Path rootfs;

    private int[] pipe;

    @BeforeEach
    void openPipe() throws Exception {
        pipe = Libc.pipe2(linux_h.O_CLOEXEC());
    }

    @AfterEach
    void closePipe() {
        Libc.closeQuietly(pipe[0]);
        Libc.closeQuietly(pipe[1]);
    }

    private Container.Builder builder() {
        return Container.builder().rootfs(rootfs).command("true");
    }

    private static void assertFails(Container.Builder b, String... parts) {
        String message = assertThrows(IllegalArgumentException.class, b::build).getMessage();
        for (String part : parts) {
            assertTrue(message.contains(part), "'" + part + "' missing in: " + message);
        }
    }

    @Test
    void aTerminalReplacesStdioSoAnExplicitRedirectConflicts() {
        assertFails(builder().terminal(true).inheritIO(), "terminal(true)", "redirectInput(INHERIT)", "inheritIO()");
        assertFails(builder().terminal(true).redirectOutput(Redirect.to(new File("/tmp/out"))), "terminal(true)", "redirectOutput(");
        assertFails(builder().terminal(true).redirectError(Redirect.DISCARD), "terminal(true)", "redirectError(");
        assertDoesNotThrow(() -> builder().terminal(true).redirectErrorStream(true).build(),
                "merging stderr is what a terminal does anyway");
        assertDoesNotThrow(() -> builder().terminal(false).inheritIO().build());
    }

    @Test
    void aTerminalSizeNeedsATerminalAndFitsWinsize() {
        assertFails(builder().terminalSize(100, 40), "terminalSize(100, 40)", "terminal(true)");
        assertFails(builder().terminal(true).terminalSize(0, 24), "terminalSize(0, 24)", "1 to 65535");
        assertFails(builder().terminal(true).terminalSize(80, 65536), "terminalSize(80, 65536)");
        assertDoesNotThrow(() -> builder().terminal(true).terminalSize(65535, 1).build());
    }

    @Test
    void passedDescriptorsStartAtThreeAndTakeOneNumberEach() {
        assertFails(builder().passFd(2, pipe[0]), "passFd(2, " + pipe[0] + ")", "3 or more");
        assertFails(builder().passFd(3, pipe[0]).passFd(3, pipe[1]),
                "passFd(3, " + pipe[0] + ") and passFd(3, " + pipe[1] + ")", "fd 3");
        assertFails(builder().passFd(Integer.MAX_VALUE, pipe[0]), "RLIMIT_NOFILE");
        assertDoesNotThrow(() -> builder().passFd(3, pipe[0]).passFd(4, pipe[0]).terminal(true).build(),
                "one host fd may go to two numbers; a terminal uses 0 to 2 only");
    }

    @Test
    void aPassedDescriptorMustBeOpenInTheJvm() throws Exception {
        int[] gone = Libc.pipe2(linux_h.O_CLOEXEC());
        Libc.close(gone[0]);
        Libc.close(gone[1]);
        int closed = gone[1];
        assertFails(builder().passFd(3, closed), "passFd(3, " + closed + ")", "not open");
        assertFails(builder().passFd(3, -1), "passFd(3, -1)");
    }

    private static void assertExecFails(ExecBuilder b, String... parts) {
        String message = assertThrows(IllegalArgumentException.class, b::start).getMessage();
        for (String part : parts) {
            assertTrue(message.contains(part), "'" + part + "' missing in: " + message);
        }
    }

    @Test
    void anExecsTerminalFollowsTheSameRulesAndIsCheckedBeforeTheContainerIsLookedAt() throws Exception {
        // The container was never started: only bad input can make start() throw IllegalArgumentException.
        try (Container c = builder().build()) {
            assertExecFails(c.execBuilder("tty").terminal(true).redirectOutput(Redirect.to(new File("/tmp/out"))),
                    "terminal(true)", "redirectOutput(", "docker exec -t");
            assertExecFails(c.execBuilder("tty").terminal(true).inheritIO(), "terminal(true)", "inheritIO()");
            assertExecFails(c.execBuilder("tty").terminal(true).redirectError(Redirect.DISCARD), "redirectError(");
            assertExecFails(c.execBuilder("tty").terminalSize(100, 40), "terminalSize(100, 40)", "terminal(true)",
                    "the exec'd process");
            assertExecFails(c.execBuilder("tty").terminal(true).terminalSize(0, 24), "terminalSize(0, 24)", "1 to 65535");
            IllegalStateException valid = assertThrows(IllegalStateException.class,
                    () -> c.execBuilder("tty").terminal(true).redirectErrorStream(true).terminalSize(65535, 1).start());
            assertTrue(valid.getMessage().contains("was not started"), "control: valid input gets that far: "
                    + valid.getMessage());
        }
    }
}
