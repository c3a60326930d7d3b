package dev.hako.program;

import java.util.BitSet;

/**
 * The child's descriptor numbers, known in advance: every fd a step opens gets the lowest
 * free number, so the plan can name it in later steps. Mirrors what the kernel will do
 * once the fd table has been rebuilt; kept by {@link ChildProgram.Builder}, which hands
 * out the numbers as it adds the steps that open them.
 */
final class FdTable {
    private final BitSet open = new BitSet();

    FdTable(int firstFree) {
        open.set(0, firstFree);
    }

    /** A table in which exactly the numbers in {@code taken} are open. */
    FdTable(BitSet taken) {
        open.or(taken);
    }

    /** The number the next opening step will get; marks it taken. */
    int take() {
        int fd = open.nextClearBit(0);
        open.set(fd);
        return fd;
    }

    /** For a step that closes {@code fd}. */
    void release(int fd) {
        open.clear(fd);
    }
}
