package dev.hako.cli;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GoSyntaxTest {

    @Test
    void integersInBaseZero() {
        assertEquals(12, GoSyntax.parseInt("12"));
        assertEquals(-3, GoSyntax.parseInt("-3"));
        assertEquals(31, GoSyntax.parseInt("0x1f"));
        assertEquals(15, GoSyntax.parseInt("017"));
        assertEquals(15, GoSyntax.parseInt("0o17"));
        assertEquals(5, GoSyntax.parseInt("0b101"));
        assertEquals(0, GoSyntax.parseInt("0"));
        for (String bad : new String[]{"", "-", "x", "1.5", "0x", "--1", "99999999999999999999", "08"}) {
            assertThrows(IllegalArgumentException.class, () -> GoSyntax.parseInt(bad), bad);
        }
    }

    @Test
    void durations() {
        assertEquals(Duration.ofSeconds(5), GoSyntax.parseDuration("5s"));
        assertEquals(Duration.ofSeconds(90), GoSyntax.parseDuration("1m30s"));
        assertEquals(Duration.ofMillis(250), GoSyntax.parseDuration("250ms"));
        assertEquals(Duration.ofMinutes(90), GoSyntax.parseDuration("1.5h"));
        assertEquals(Duration.ofNanos(1500), GoSyntax.parseDuration("1.5us"));
        assertEquals(Duration.ZERO, GoSyntax.parseDuration("0"));
        assertEquals(Duration.ofSeconds(-2), GoSyntax.parseDuration("-2s"));
        for (String bad : new String[]{"", "5", "s", "5x", "1s2", ".s", "5 s", "9999999999h"}) {
            assertThrows(IllegalArgumentException.class, () -> GoSyntax.parseDuration(bad), bad);
        }
    }

    @Test
    void sizesWithBinaryUnits() {
        assertEquals(1024, GoSyntax.ramInBytes("1k"));
        assertEquals(1024, GoSyntax.ramInBytes("1KiB"));
        assertEquals(512L << 20, GoSyntax.ramInBytes("512m"));
        assertEquals(512L << 20, GoSyntax.ramInBytes("512 MB"));
        assertEquals(3L << 29, GoSyntax.ramInBytes("1.5g"));
        assertEquals(100, GoSyntax.ramInBytes("100"));
        assertEquals(100, GoSyntax.ramInBytes("100b"));
        for (String bad : new String[]{"", "-1", "1x", "g", "1gg", "99999999p"}) {
            assertThrows(IllegalArgumentException.class, () -> GoSyntax.ramInBytes(bad), bad);
        }
    }

    @Test
    void rfc3339NanoTrimsTheFraction() {
        assertEquals("2026-12-01T10:00:00Z", GoSyntax.rfc3339Nano(Instant.parse("2026-12-01T10:00:00Z")));
        assertEquals("2026-12-01T10:00:00.5Z", GoSyntax.rfc3339Nano(Instant.parse("2026-12-01T10:00:00.500Z")));
        assertEquals("2026-12-01T10:00:00.000000001Z",
                GoSyntax.rfc3339Nano(Instant.parse("2026-12-01T10:00:00.000000001Z")));
        assertEquals("2026-12-01T10:00:00Z", GoSyntax.rfc3339(Instant.parse("2026-12-01T10:00:00.999Z")));
    }

    @Test
    void quoteEscapesLikeGo() {
        assertEquals("\"a \\\"b\\\" \\\\ \\n\\t\\x01\"", GoSyntax.quote("a \"b\" \\ \n\t\u0001"));
        assertEquals("\"ünï\"", GoSyntax.quote("ünï"));
    }
}
