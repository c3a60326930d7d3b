package dev.hako.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogFileTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:00:00.123Z"), ZoneOffset.UTC);

    @Test
    void textIsLogrusText() {
        LogFile log = LogFile.toStderr(new ByteArrayOutputStream(), LogFile.Format.TEXT, false, CLOCK);
        assertEquals("time=\"2026-12-01T10:00:00Z\" level=error msg=\"container does not exist\"\n",
                log.line("error", "container does not exist", CLOCK.instant()));
        assertEquals("time=\"2026-12-01T10:00:00Z\" level=warning msg=plain-word_1.2/x@y\n",
                log.line("warning", "plain-word_1.2/x@y", CLOCK.instant()));
        assertEquals("time=\"2026-12-01T10:00:00Z\" level=error msg=\"a \\\"q\\\"\\nb\"\n",
                log.line("error", "a \"q\"\nb", CLOCK.instant()));
    }

    @Test
    void jsonIsOneObjectPerLineWithLogrusKeys() throws Exception {
        LogFile log = LogFile.toStderr(new ByteArrayOutputStream(), LogFile.Format.JSON, false, CLOCK);
        String line = log.line("error", "a \"q\"\n<b>", CLOCK.instant());
        assertEquals("{\"level\":\"error\",\"msg\":\"a \\\"q\\\"\\n\\u003cb\\u003e\",\"time\":\"2026-12-01T10:00:00Z\"}\n",
                line);
        JsonNode n = new ObjectMapper().readTree(line);
        assertEquals("a \"q\"\n<b>", n.get("msg").asText());
    }

    @Test
    void appendsToTheFileAndTheLastErrorIsWhatContainerdReads(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("log.json");
        Files.writeString(path, "{\"level\":\"info\",\"msg\":\"before\",\"time\":\"2026-12-01T09:00:00Z\"}\n");
        try (LogFile log = LogFile.append(path, LogFile.Format.JSON, false, CLOCK)) {
            assertFalse(log.isStderr());
            log.error("first");
            log.warn("careful");
            log.debug("not shown without --debug");
            log.error("container does not exist");
        }
        List<String> lines = Files.readAllLines(path);
        assertEquals(4, lines.size(), lines.toString());
        // containerd's shim: decode every line, keep the msg of the last level=error one
        String last = null;
        for (String l : lines) {
            JsonNode n = new ObjectMapper().readTree(l);
            if (n.get("level").asText().equals("error")) {
                last = n.get("msg").asText();
            }
        }
        assertEquals("container does not exist", last);
    }

    @Test
    void aNewFileIsNotWritableByOthersAndDebugNeedsTheFlag(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("new.log");
        try (LogFile log = LogFile.append(path, LogFile.Format.TEXT, true, CLOCK)) {
            log.debug("shown");
        }
        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
        assertFalse(mode.charAt(7) == 'w' || mode.charAt(4) == 'w', mode);
        assertTrue(Files.readString(path).contains("level=debug msg=shown"));
    }

    @Test
    void stderrGetsTheLinesWithoutALogFile() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        LogFile log = LogFile.toStderr(err, LogFile.Format.TEXT, false, CLOCK);
        assertTrue(log.isStderr());
        log.error("boom");
        assertEquals("time=\"2026-12-01T10:00:00Z\" level=error msg=boom\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void onlyRuncsFormatsAreAccepted() throws Exception {
        assertEquals(LogFile.Format.TEXT, LogFile.Format.of(""));
        assertEquals(LogFile.Format.JSON, LogFile.Format.of("json"));
        assertEquals("invalid log-format: xml",
                assertThrows(UsageException.class, () -> LogFile.Format.of("xml")).getMessage());
    }
}
