package dev.hako.cgroup;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ByteSizesTest {
    private static final long K = 1024;

    @Test
    void unitsArePowersOf1024InEitherCase() {
        assertEquals(512, ByteSizes.parse("512"));
        assertEquals(512, ByteSizes.parse("512b"));
        assertEquals(512, ByteSizes.parse("512B"));
        assertEquals(4 * K, ByteSizes.parse("4k"));
        assertEquals(64 * K * K, ByteSizes.parse("64m"));
        assertEquals(64 * K * K, ByteSizes.parse("64M"));
        assertEquals(64 * K * K, ByteSizes.parse("64mb"));
        assertEquals(64 * K * K, ByteSizes.parse("64MiB"));
        assertEquals(64 * K * K, ByteSizes.parse("64 m"));
        assertEquals(2 * K * K * K, ByteSizes.parse("2g"));
        assertEquals(3 * K * K * K * K, ByteSizes.parse("3T"));
        assertEquals(0, ByteSizes.parse("0"));
        assertEquals(6291456, ByteSizes.parse(" 6m\n"), "surrounding whitespace is ignored");
    }

    @Test
    void fractionsNeedAUnitAndRoundDown() {
        assertEquals(1536 * K * K, ByteSizes.parse("1.5g"));
        assertEquals(512, ByteSizes.parse("0.5k"));
        assertEquals(1331, ByteSizes.parse("1.3k"), "1331.2 bytes, rounded down");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteSizes.parse("1.5"));
        assertTrue(e.getMessage().contains("fraction of a byte"), e.getMessage());
    }

    @Test
    void clearErrors() {
        for (String bad : new String[] {"", "m", "64x", "64 mb b", "1,5g", "0x10", "1e9", "64kk", "1.g"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteSizes.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("size \"" + bad + "\" is not a size"), e.getMessage());
            assertTrue(e.getMessage().contains("like 64m"), e.getMessage());
        }
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> ByteSizes.parse("-1m", "memoryLimit"));
        assertEquals("memoryLimit \"-1m\" is negative: sizes are 0 or more: write a number of bytes with an optional"
                + " unit b, k, m, g or t (powers of 1024), like 64m, 512k or 1.5g", negative.getMessage());
        IllegalArgumentException huge = assertThrows(IllegalArgumentException.class, () -> ByteSizes.parse("8388608t"));
        assertTrue(huge.getMessage().contains("too large"), huge.getMessage());
        assertEquals(Long.MAX_VALUE, ByteSizes.parse(Long.toString(Long.MAX_VALUE)));
        assertThrows(NullPointerException.class, () -> ByteSizes.parse(null));
    }

    @Test
    void formatsInTheLargestExactUnit() {
        assertEquals("6m", ByteSizes.format(6291456));
        assertEquals("1536m", ByteSizes.format(1536 * K * K));
        assertEquals("1000", ByteSizes.format(1000));
        assertEquals("0", ByteSizes.format(0));
        assertEquals("-1", ByteSizes.format(-1));
        assertEquals("2g", ByteSizes.format(2 * K * K * K));
    }
}
