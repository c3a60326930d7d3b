package dev.hako.oci;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The config's hooks as real processes: their failures, their timeouts, and hooks that misbehave. */
class HooksTest {
    private final List<String> warnings = new ArrayList<>();
    private final RuntimeLog log = new RuntimeLog() {
        @Override
        public void warn(String message) {
            warnings.add(message);
        }

        @Override
        public void debug(String message) {
        }

        @Override
        public void error(String message) {
        }
    };

    private static JsonNode hooks(String phase, String script, long timeout) throws Exception {
        String hook = "{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", " + StateDirectory.JSON.writeValueAsString(script)
                + "]" + (timeout > 0 ? ", \"timeout\": " + timeout : "") + "}";
        return StateDirectory.JSON.readTree("{\"" + phase + "\": [" + hook + "]}");
    }

    @Test
    void aHookReadsTheStateOnItsStdin() throws Exception {
        OciException e = assertThrows(OciException.class, () -> Hooks.run(
                hooks("prestart", "cat >&2; exit 1", 0), "prestart", "{\"id\":\"c1\"}", log));
        assertEquals("hooks.prestart[0]: /bin/sh exited with 1: {\"id\":\"c1\"}", e.getMessage());
    }

    @Test
    @Timeout(30)
    void aHookThatFloodsItsStderrIsStillWaitedFor() throws Exception {
        // More than a pipe holds: read only after its exit, the hook would block for good.
        OciException e = assertThrows(OciException.class, () -> Hooks.run(
                hooks("createRuntime", "yes x | tr -d '\\n' | head -c 1000000 >&2; exit 3", 0), "createRuntime",
                "{}", log));
        assertTrue(e.getMessage().startsWith("hooks.createRuntime[0]: /bin/sh exited with 3: xxxx"), e.getMessage());
        assertTrue(e.getMessage().length() < 5000, "the message keeps only the start of stderr");
    }

    @Test
    @Timeout(30)
    void aHookThatNeverReadsItsStdinNorEndsIsKilledAtItsTimeout() throws Exception {
        String huge = "{\"a\":\"" + "y".repeat(1 << 20) + "\"}"; // more than a pipe holds
        OciException e = assertThrows(OciException.class, () -> Hooks.run(
                hooks("prestart", "sleep 1000", 1), "prestart", huge, log));
        assertEquals("hooks.prestart[0]: /bin/sh did not finish within its timeout of 1 s", e.getMessage());
    }

    @Test
    void aFailedHookAfterTheCommandIsAWarning() throws Exception {
        Hooks.run(hooks("poststop", "exit 2", 0), "poststop", "{}", log);
        assertEquals(List.of("hooks.poststop[0]: /bin/sh exited with 2"), warnings);
    }

    @Test
    void aMissingHookProgramIsNamed() throws Exception {
        JsonNode hooks = StateDirectory.JSON.readTree("{\"prestart\": [{\"path\": \"/no/such/hook\"}]}");
        OciException e = assertThrows(OciException.class, () -> Hooks.run(hooks, "prestart", "{}", log));
        assertTrue(e.getMessage().startsWith("hooks.prestart[0]: cannot run /no/such/hook: "), e.getMessage());
    }
}
