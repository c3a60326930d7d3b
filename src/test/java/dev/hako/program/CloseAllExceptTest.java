package dev.hako.program;

import dev.hako.linux.linux_h;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.BitSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** closeAllExcept: a kept set with holes closes each hole, and later opens fill the holes first. */
class CloseAllExceptTest {

    private static BitSet of(int... fds) {
        BitSet b = new BitSet();
        for (int fd : fds) {
            b.set(fd);
        }
        return b;
    }

    @Test
    void eachGapIsClosedAndOpensTakeTheLowestNumberNotKept() {
        try (Arena arena = Arena.ofConfined()) {
            ChildProgram.Builder b = ChildProgram.builder(arena).closeAllExcept(of(0, 1, 2, 3, 7, 9));
            int first = b.open("/a", linux_h.O_RDONLY(), 0);
            int second = b.open("/b", linux_h.O_RDONLY(), 0);
            b.close(first);
            int third = b.open("/c", linux_h.O_RDONLY(), 0);
            assertEquals(List.of(4, 5, 4), List.of(first, second, third));
            String plan = b.build().toString();
            assertTrue(plan.contains("close_range(4, 6, 0)\n"), plan);
            assertTrue(plan.contains("close_range(8, 8, 0)\n"), plan);
            assertTrue(plan.contains("close_range(10, ~0U, 0)\n"), plan);
        }
    }

    @Test
    void aKeptSetWithoutHolesIsOneCloseRangeAsCloseFromWritesIt() {
        try (Arena arena = Arena.ofConfined()) {
            String plan = ChildProgram.builder(arena).closeAllExcept(of(0, 1, 2, 3, 4)).build().toString();
            assertEquals("  0  close_range(5, ~0U, 0)\n", plan);
        }
    }
}
