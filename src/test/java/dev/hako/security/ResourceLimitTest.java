package dev.hako.security;

import dev.hako.linux.linux_h;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** rlimit names and values, checked without root. */
class ResourceLimitTest {
    @Test
    void namesWithOrWithoutThePrefixInAnyCase() {
        assertEquals(linux_h.RLIMIT_NOFILE(), ResourceLimit.of("nofile", 1, 2).resource());
        assertEquals(linux_h.RLIMIT_NOFILE(), ResourceLimit.of("RLIMIT_NOFILE", 1, 2).resource());
        assertEquals(linux_h.RLIMIT_CORE(), ResourceLimit.of("Rlimit_Core", 0, 0).resource());
        assertEquals("RLIMIT_STACK=8388608:unlimited", ResourceLimit.of("stack", 8388608, ResourceLimit.UNLIMITED).toString());
    }

    @Test
    void softAboveHardIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> ResourceLimit.of("NOFILE", 200, 100));
        assertTrue(e.getMessage().startsWith("rlimit(\"NOFILE\", 200, 100)") && e.getMessage().contains("above the hard"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ResourceLimit.of("NOFILE", ResourceLimit.UNLIMITED, 100));
        ResourceLimit.of("NOFILE", 100, ResourceLimit.UNLIMITED);
    }

    @Test
    void unknownNamesAndNegativeValuesAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> ResourceLimit.of("NOFILES", 1, 1));
        assertTrue(e.getMessage().startsWith("rlimit(\"NOFILES\"") && e.getMessage().contains("NOFILE"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ResourceLimit.of("NOFILE", -2, 1));
    }
}
