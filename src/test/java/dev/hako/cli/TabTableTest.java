package dev.hako.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TabTableTest {

    @Test
    void columnsAreTheWidestCellPlusThreeAtLeastTwelveAndTheLastIsNotPadded() {
        String t = new TabTable().row("a", "b", "c").row("exactly-ten", "x", "last-is-long").toString();
        assertEquals("a             b           c\n"
                + "exactly-ten   x           last-is-long\n", t);
    }

    @Test
    void widthCountsCharactersNotBytes() {
        assertEquals("ü           x\n", new TabTable().row("ü", "x").toString());
    }
}
