package dev.hako.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UpdateTest {

    @TempDir
    Path dir;

    private JsonNode resources(String... args) throws Exception {
        return new ObjectMapper().readTree(Update.resourcesJson(CliTesting.invocation("update", dir, args)));
    }

    @Test
    void flagsBecomeLinuxResources() throws Exception {
        JsonNode r = resources("--memory", "1g", "--memory-reservation=512m", "--memory-swap", "2g",
                "--cpu-shares", "512", "--cpu-quota", "-1", "--cpu-period=100000", "--cpuset-cpus", "0-1",
                "--cpuset-mems", "0", "--pids-limit", "100", "--blkio-weight", "300", "web");
        assertEquals(1L << 30, r.at("/memory/limit").asLong());
        assertEquals(512L << 20, r.at("/memory/reservation").asLong());
        assertEquals(2L << 30, r.at("/memory/swap").asLong());
        assertEquals(512, r.at("/cpu/shares").asLong());
        assertEquals(-1, r.at("/cpu/quota").asLong());
        assertEquals(100000, r.at("/cpu/period").asLong());
        assertEquals("0-1", r.at("/cpu/cpus").asText());
        assertEquals("0", r.at("/cpu/mems").asText());
        assertEquals(100, r.at("/pids/limit").asLong());
        assertEquals(300, r.at("/blockIO/weight").asInt());
    }

    @Test
    void onlyWhatIsGivenIsSentAndRuncsFixUpsApply() throws Exception {
        assertEquals("{}", Update.resourcesJson(CliTesting.invocation("update", dir, "web")));
        JsonNode r = resources("--memory", "-1", "web");
        assertEquals(-1, r.at("/memory/limit").asLong());
        assertEquals(0, r.at("/memory/swap").asLong(), "no swap limit without a memory limit");
        assertFalse(r.has("cpu"));
        JsonNode idle = resources("--cpu-idle", "1", "web");
        assertEquals(0, idle.at("/cpu/shares").asLong());
        assertEquals(1, idle.at("/cpu/idle").asLong());
        assertTrue(resources("--pids-limit", "0", "web").at("/pids/limit").isNumber());
    }

    @Test
    void badValuesAreRefusedNamingTheFlag() {
        assertEquals("invalid value for memory: invalid size: '1x'", assertThrows(UsageException.class,
                () -> resources("--memory", "1x", "web")).getMessage());
        assertTrue(assertThrows(UsageException.class, () -> resources("--cpu-period", "-5", "web"))
                .getMessage().startsWith("invalid value for cpu-period"));
        assertTrue(assertThrows(UsageException.class, () -> resources("--cpu-quota", "1.5", "web"))
                .getMessage().startsWith("invalid value for cpu-quota"));
        assertThrows(UsageException.class, () -> resources("--blkio-weight", "70000", "web"));
        assertEquals("Intel RDT/CAT: l3 cache schema is not enabled", assertThrows(UsageException.class,
                () -> resources("--l3-cache-schema", "L3:0=f", "web")).getMessage());
    }

    @Test
    void resourcesFromAFileOrStdinPassThroughAndOtherFlagsAreIgnored() throws Exception {
        Path file = Files.writeString(dir.resolve("r.json"), "{\"memory\":{\"limit\":1048576}}");
        assertEquals("{\"memory\":{\"limit\":1048576}}",
                Update.resourcesJson(CliTesting.invocation("update", dir, "-r", "r.json", "--memory", "5g", "web")));
        assertEquals("{\"pids\":{\"limit\":5}}", Update.resourcesJson(CliTesting.invocation("update", dir,
                new ByteArrayOutputStream(), "{\"pids\":{\"limit\":5}}", "--resources", "-", "web")));
        assertTrue(Files.exists(file));
    }

    @Test
    void hostileResourcesDocumentsAreRefused() throws Exception {
        Files.writeString(dir.resolve("array.json"), "[1,2]");
        Files.writeString(dir.resolve("broken.json"), "{\"memory\":");
        Files.write(dir.resolve("huge.json"), ("{\"a\":\"" + "x".repeat(Update.RESOURCES_LIMIT) + "\"}")
                .getBytes(StandardCharsets.UTF_8));
        Files.writeString(dir.resolve("deep.json"), "[".repeat(100_000));
        for (String name : new String[]{"array.json", "broken.json", "huge.json", "deep.json"}) {
            IOException e = assertThrows(IOException.class, () -> Update.resourcesJson(
                    CliTesting.invocation("update", dir, "-r", name, "web")), name);
            assertTrue(e.getMessage().startsWith("--resources " + name + ": "), e.getMessage());
        }
        assertThrows(IOException.class, () -> Update.resourcesJson(
                CliTesting.invocation("update", dir, "-r", "missing.json", "web")));
    }
}
