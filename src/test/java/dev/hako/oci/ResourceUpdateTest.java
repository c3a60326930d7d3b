package dev.hako.oci;

import dev.hako.cgroup.CgroupLimits;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** update's resources JSON, from a file or an engine's stdin. */
class ResourceUpdateTest {

    private static void refused(String json, String message) {
        OciException e = assertThrows(OciException.class, () -> ResourceUpdate.parse(json));
        assertEquals(message, e.getMessage());
    }

    @Test
    void theLimitsAreRead() throws Exception {
        CgroupLimits limits = ResourceUpdate.parse("{\"memory\": {\"limit\": 67108864}, \"pids\": {\"limit\": 40},"
                + " \"cpu\": {\"shares\": 512}, \"unknown\": {\"x\": 1}}");
        assertEquals(67108864L, limits.memoryLimit());
        assertEquals(40L, limits.pidsLimit());
        assertEquals(512, limits.cpuShares());
    }

    @Test
    void malformedOrMistypedResourcesAreNamed() {
        refused("{\"memory\": ", "update: the resources are not valid JSON: Unexpected end-of-input within/between"
                + " Object entries");
        refused("[1, 2]", "update: the resources must be a JSON object (linux.resources of the spec)");
        refused("{\"memory\": {\"limit\": \"x\"}}", "update: memory.limit: \"x\" is not a whole number");
        refused("{\"pids\": {\"limit\": 1.5}}", "update: pids.limit: 1.5 is not a whole number");
    }
}
