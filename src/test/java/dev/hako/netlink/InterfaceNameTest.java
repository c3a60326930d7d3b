package dev.hako.netlink;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The interface-name rule, at its edges: length in bytes, the forbidden characters, "." and "..". */
class InterfaceNameTest {

    private static void refused(String name, String why) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InterfaceName.validate(name));
        assertTrue(e.getMessage().contains(why), e.getMessage());
        assertTrue(e.getMessage().contains("1 to 15 bytes"), e.getMessage());
        assertFalse(InterfaceName.isValid(name));
    }

    @Test
    void ordinaryNamesPass() {
        for (String name : new String[] {"eth0", "hako0", "br-1a2b3c4d5e6f", "veth.12", "a", "x_y-z", "é"}) {
            assertEquals(name, InterfaceName.validate(name));
        }
        assertEquals(15, InterfaceName.MAX_BYTES);
        assertEquals("abcdefghijklmno", InterfaceName.validate("abcdefghijklmno"));
    }

    @Test
    void badNamesAreRefusedSayingWhy() {
        refused("", "it is empty");
        refused(null, "it is empty");
        refused("abcdefghijklmnop", "it has 16 bytes");
        refused("ééééééééé", "it has 18 bytes"); // 9 characters, 18 bytes of UTF-8
        refused(".", "directory name");
        refused("..", "directory name");
        refused("a/b", "'/'");
        refused("eth0:1", "':'");
        refused("hako%d", "'%'");
        refused("a b", "whitespace");
        refused("a\tb", "whitespace");
        refused("a\u00a0b", "whitespace");
        refused("a\nb", "whitespace");
        refused("a\u0000b", "control character");
        refused("a\u007fb", "control character");
    }

    @Test
    void theMessageShowsControlCharactersEscaped() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InterfaceName.validate("x\u0001"));
        assertTrue(e.getMessage().startsWith("interface name \"x\\u0001\" is not valid"), e.getMessage());
    }

    @Test
    void requestsCheckTheirNames() {
        assertThrows(IllegalArgumentException.class, () -> RouteRequests.newBridge("bad name", 0, false));
        assertThrows(IllegalArgumentException.class, () -> VethPair.of("ok", "../x"));
        assertThrows(IllegalArgumentException.class, () -> RouteRequests.deleteLink("much-too-long-name"));
    }
}
