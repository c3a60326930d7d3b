package dev.hako.netlink;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static dev.hako.netlink.Tlv.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The userdata TLV nft writes for a rule's comment (type byte 0, length byte, text and
 * NUL), and hostile userdata read back from rules anyone with CAP_NET_ADMIN may write.
 */
class NftCommentTest {

    @Test
    void aCommentIsTypeZeroLengthTextAndNul() {
        assertArrayEquals(bytes(0, 2, 'x', 0), NftComment.encode("x"));
        byte[] owner = NftComment.encode("hako container=abc pid=1 start=2");
        assertEquals(0, owner[0]);
        assertEquals(33, owner[1]);
        assertEquals(35, owner.length);
        assertEquals(0, owner[34]);
        assertEquals(Optional.of("hako container=abc pid=1 start=2"), NftComment.decode(owner));
    }

    @Test
    void utf8RoundTrips() {
        assertEquals(Optional.of("größe ✓"), NftComment.decode(NftComment.encode("größe ✓")));
    }

    @Test
    void tooLongEmptyOrControlCharactersAreRefused() {
        assertEquals(2 + 128, NftComment.encode("a".repeat(127)).length);
        assertThrows(IllegalArgumentException.class, () -> NftComment.encode("a".repeat(128)));
        assertThrows(IllegalArgumentException.class, () -> NftComment.encode("é".repeat(64)));
        assertThrows(IllegalArgumentException.class, () -> NftComment.encode(""));
        assertThrows(IllegalArgumentException.class, () -> NftComment.encode("a\0b"));
        assertThrows(IllegalArgumentException.class, () -> NftComment.encode("a\nb"));
    }

    @Test
    void aCommentAfterAnotherTlvIsFound() {
        assertEquals(Optional.of("y"), NftComment.decode(bytes(7, 3, 1, 2, 3, 0, 2, 'y', 0)));
    }

    @Test
    void malformedUserdataHoldsNoComment() {
        assertEquals(Optional.empty(), NftComment.decode(new byte[0]));
        assertEquals(Optional.empty(), NftComment.decode(bytes(0)));
        assertEquals(Optional.empty(), NftComment.decode(bytes(0, 9, 'x', 0)));     // length beyond the end
        assertEquals(Optional.empty(), NftComment.decode(bytes(0, 2, 'x', 'y')));   // no NUL
        assertEquals(Optional.empty(), NftComment.decode(bytes(0, 0)));             // empty value
        assertEquals(Optional.empty(), NftComment.decode(bytes(7, 200, 0, 2, 'x', 0))); // a TLV swallowing the rest
        assertEquals(Optional.empty(), NftComment.decode(bytes(7, 1, 1)));          // no comment at all
        byte[] huge = new byte[70_000];
        java.util.Arrays.fill(huge, (byte) 0xff);
        assertEquals(Optional.empty(), NftComment.decode(huge));
        // a NUL inside: the text ends there, as nft prints it
        assertEquals(Optional.of("a"), NftComment.decode(bytes(0, 4, 'a', 0, 'b', 0)));
    }
}
