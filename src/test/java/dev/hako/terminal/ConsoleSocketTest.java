package dev.hako.terminal;

import dev.hako.linux.Libc;
import dev.hako.linux.linux_h;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JVM's side of the console socket when the child sends nothing, or no descriptor. */
class ConsoleSocketTest {

    @Test
    void aChildThatClosedItsEndSentNoMaster() throws Exception {
        try (ConsoleSocket socket = ConsoleSocket.open()) {
            socket.closeChildEnd(); // as when the child dies before the terminal steps
            assertTrue(socket.receiveMaster().isEmpty());
        }
    }

    @Test
    void bytesWithoutADescriptorAreRefused() throws Exception {
        try (ConsoleSocket socket = ConsoleSocket.open(); Arena arena = Arena.ofConfined()) {
            Libc.writeFully(socket.childEnd(), arena.allocate(1));
            IOException e = assertThrows(IOException.class, socket::receiveMaster);
            assertTrue(e.getMessage().contains("no terminal descriptor"), e.getMessage());
        }
    }

    @Test
    void theChildsEndIsCloseOnExecAndClosedByClose() throws Exception {
        ConsoleSocket socket = ConsoleSocket.open();
        int child = socket.childEnd();
        String flags = Files.readAllLines(Path.of("/proc/self/fdinfo/" + child)).get(1);
        assertTrue(flags.startsWith("flags:"), flags);
        assertTrue((Integer.parseInt(flags.substring("flags:".length()).trim(), 8) & linux_h.O_CLOEXEC()) != 0,
                "no process the JVM starts inherits it: " + flags);
        socket.close();
        assertFalse(Files.exists(Path.of("/proc/self/fd/" + child)));
    }

    @Test
    void impossibleSizesAreRefusedNamingTheOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TerminalSize.of(0, 24, "resize"));
        assertTrue(e.getMessage().startsWith("resize(0, 24): "), e.getMessage());
        assertEquals("80x24", TerminalSize.DEFAULT.toString());
    }
}
