package dev.hako.net;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Replies as slirp4netns 1.2.0 sends them, and hostile ones. */
class SlirpApiTest {

    @Test
    void anIdIsSuccess() throws IOException {
        SlirpApi.Reply r = SlirpApi.parse("{\"return\":{\"id\":1}}");
        assertTrue(r.ok());
        assertEquals(1, r.id());
        assertNull(r.error());
        assertEquals(42, SlirpApi.parse(" {\"return\": {\"id\": 42}}\n").id());
    }

    @Test
    void anErrorCarriesItsDescription() throws IOException {
        SlirpApi.Reply r = SlirpApi.parse("{\"error\":{\"desc\":\"bad request: add_hostfwd: slirp_add_hostfwd failed\"}}");
        assertFalse(r.ok());
        assertEquals("bad request: add_hostfwd: slirp_add_hostfwd failed", r.error());
        assertEquals("say \"no\"", SlirpApi.parse("{\"error\":{\"desc\":\"say \\\"no\\\"\"}}").error());
    }

    @Test
    void anythingElseIsRefusedQuotingItsStartWithoutControlCharacters() {
        for (String bad : new String[] {"", "{}", "{\"return\":{}}", "{\"return\":{\"id\":-1}}",
                "{\"return\":{\"id\":99999999999}}", "{\"return\":{\"id\":1}} trailing", "not json",
                "{\"error\":{\"desc\":\"unterminated}}", "{\"return\":{\"id\":1},\"error\":{\"desc\":\"x\"}}"}) {
            IOException e = assertThrows(IOException.class, () -> SlirpApi.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("unexpected reply from slirp4netns's API"), e.getMessage());
        }
        IOException e = assertThrows(IOException.class, () -> SlirpApi.parse("\u001b[2J" + "x".repeat(5000)));
        assertFalse(e.getMessage().contains("\u001b"), "terminal escapes are not passed on");
        assertTrue(e.getMessage().length() < 400, "a huge reply is quoted only in part");
    }

    @Test
    void aLongErrorDescriptionIsRefusedRatherThanBacktrackedThrough() {
        String huge = "{\"error\":{\"desc\":\"" + "\\\\".repeat(2000) + "\"}}";
        assertThrows(IOException.class, () -> SlirpApi.parse(huge));
    }
}
