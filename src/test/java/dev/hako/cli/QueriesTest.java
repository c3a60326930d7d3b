package dev.hako.cli;

import dev.hako.oci.OciException;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class QueriesTest {

    private static final String PS = """
            UID          PID    PPID  C STIME TTY          TIME CMD
            root           1       0  0 10:00 ?        00:00:01 /sbin/init
            root        4242       1  0 10:01 ?        00:00:00 sh -c sleep 1000
            root        4243    4242  0 10:01 ?        00:00:00 sleep 1000
            """;

    @Test
    void keepsTheHeaderAndTheContainersLines() throws Exception {
        assertEquals("""
                UID          PID    PPID  C STIME TTY          TIME CMD
                root        4242       1  0 10:01 ?        00:00:00 sh -c sleep 1000
                root        4243    4242  0 10:01 ?        00:00:00 sleep 1000
                """, Queries.containerLines(PS, Set.of(4242L, 4243L)));
        // a PPID equal to a container pid does not count: the PID column does
        assertEquals(PS.lines().findFirst().orElseThrow() + "\n", Queries.containerLines(PS, Set.of(0L)));
    }

    @Test
    void psOptionsThatDropThePidColumnOrMangleItAreRefused() {
        assertEquals("couldn't find PID field in ps output",
                assertThrows(OciException.class, () -> Queries.containerLines("USER CMD\nroot x\n", Set.of(1L)))
                        .getMessage());
        assertThrows(OciException.class, () -> Queries.containerLines("PID CMD\nnotanumber x\n", Set.of(1L)));
        assertThrows(OciException.class, () -> Queries.containerLines("CMD PID\nonly-one-field\n", Set.of(1L)));
    }
}
