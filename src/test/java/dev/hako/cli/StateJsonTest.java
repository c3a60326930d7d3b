package dev.hako.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hako.oci.ContainerState;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class StateJsonTest {

    private static final ContainerState RUNNING = new ContainerState("1.2.0", "web", "running", 4242,
            Path.of("/b/web"), Path.of("/b/web/rootfs"), Instant.parse("2026-12-01T10:00:00.1234Z"), "root",
            new TreeMap<>(Map.of("z", "last", "a", "<first>")));
    private static final ContainerState STOPPED = new ContainerState("1.2.0", "a-much-longer-id", "stopped", 0,
            Path.of("/b/x"), Path.of("/b/x/rootfs"), Instant.parse("2026-12-01T11:00:00Z"), "user1", Map.of());

    @Test
    void stateIsRuncsIndentedLayoutWithoutAFinalNewline() {
        assertEquals("""
                {
                  "ociVersion": "1.2.0",
                  "id": "web",
                  "pid": 4242,
                  "status": "running",
                  "bundle": "/b/web",
                  "rootfs": "/b/web/rootfs",
                  "created": "2026-12-01T10:00:00.1234Z",
                  "annotations": {
                    "a": "\\u003cfirst\\u003e",
                    "z": "last"
                  },
                  "owner": "root"
                }""", StateJson.indented(RUNNING));
    }

    @Test
    void emptyAnnotationsAreLeftOutAndTheJsonParses() throws Exception {
        String json = StateJson.indented(STOPPED);
        assertFalse(json.contains("annotations"), json);
        JsonNode n = new ObjectMapper().readTree(json);
        assertEquals(0, n.get("pid").asInt());
        assertEquals("stopped", n.get("status").asText());
        assertEquals("2026-12-01T11:00:00Z", n.get("created").asText());
    }

    @Test
    void listJsonIsACompactArrayOrNull() throws Exception {
        assertEquals("null\n", StateJson.array(List.of()));
        String json = StateJson.array(List.of(RUNNING, STOPPED));
        assertEquals(1, json.split("\n").length);
        JsonNode n = new ObjectMapper().readTree(json);
        assertEquals(2, n.size());
        assertEquals("<first>", n.get(0).get("annotations").get("a").asText());
        assertEquals("user1", n.get(1).get("owner").asText());
        // go-runc's Container: id, pid, status, bundle, rootfs, created, annotations
        List.of("id", "pid", "status", "bundle", "rootfs", "created").forEach(k ->
                assertFalse(n.get(0).get(k) == null, k));
    }

    @Test
    void listTableIsTabwriterAligned() {
        assertEquals("""
                ID                 PID         STATUS      BUNDLE      CREATED                     OWNER
                web                4242        running     /b/web      2026-12-01T10:00:00.1234Z   root
                a-much-longer-id   0           stopped     /b/x        2026-12-01T11:00:00Z        user1
                """, StateJson.table(List.of(RUNNING, STOPPED)));
        assertEquals("ID          PID         STATUS      BUNDLE      CREATED     OWNER\n",
                StateJson.table(List.of()));
    }
}
