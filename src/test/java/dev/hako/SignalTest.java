package dev.hako;

import dev.hako.linux.Signals;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SignalTest {

    @Test
    void eachNameHasTheNumberTheHeadersGiveIt() {
        Set<Integer> numbers = new HashSet<>();
        for (Signal s : Signal.values()) {
            assertEquals(s.toString(), Signals.name(s.number()), "the headers name " + s.number() + " differently");
            assertTrue(numbers.add(s.number()), s + " shares its number");
        }
    }

    @Test
    void parsesNamesAsKillDoes() {
        assertEquals(Signal.TERM, Signal.of("TERM"));
        assertEquals(Signal.TERM, Signal.of("SIGTERM"));
        assertEquals(Signal.USR1, Signal.of(" usr1 "));
        var e = assertThrows(IllegalArgumentException.class, () -> Signal.of("SIGFOO"));
        assertTrue(e.getMessage().contains("'SIGFOO' is not a signal name") && e.getMessage().contains("USR1"), e.getMessage());
    }
}
