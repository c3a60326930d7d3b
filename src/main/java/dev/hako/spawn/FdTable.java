package dev.hako.spawn;

import java.util.BitSet;

/**
 * The child's descriptor numbers, known in advance: every fd a step opens gets the lowest
 * free number, so the plan can name it in later steps. Mirrors what the kernel will do
 * once the fd table has been rebuilt to 0..4.
 */
public final class FdTable {
    private final BitSet open = new BitSet();

    FdTable(int firstFree) {
        open.set(0, firstFree);
    }

    /** The number the next opening step will get; marks it taken. */
    public int take() {
        int fd = open.nextClearBit(0);
        open.set(fd);
        return fd;
    }

    /** For a step that closes {@code fd}. */
    public void release(int fd) {
        open.clear(fd);
    }
}
