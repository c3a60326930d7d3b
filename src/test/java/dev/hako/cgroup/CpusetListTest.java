package dev.hako.cgroup;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpusetListTest {

    @Test
    void parsesNumbersAndRanges() {
        assertEquals(List.of(0, 1, 3), List.copyOf(CpusetList.parse("0-1,3")));
        assertEquals(List.of(0), List.copyOf(CpusetList.parse("0\n")));
        assertEquals(List.of(2, 3, 4, 8), List.copyOf(CpusetList.parse("8,2-4")));
        assertEquals(List.of(5), List.copyOf(CpusetList.parse("5-5")));
        assertEquals(Set.of(), CpusetList.parse(""));
        assertEquals(Set.of(), CpusetList.parse("\n"), "an empty cpuset file");
    }

    @Test
    void refusesWhatTheKernelWouldNot() {
        for (String bad : new String[] {"a", "0-", "-1", "0,,1", "1 2", "0-1;3", ",0", "0-1-2"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CpusetList.parse(bad, "cpusetCpus"), bad);
            assertTrue(e.getMessage().startsWith("cpusetCpus \"" + bad + "\""), e.getMessage());
        }
        IllegalArgumentException backwards = assertThrows(IllegalArgumentException.class,
                () -> CpusetList.parse("3-1", "cpusetCpus"));
        assertEquals("cpusetCpus \"3-1\" has the range 3-1, which runs backwards: write it as 1-3",
                backwards.getMessage());
        IllegalArgumentException huge = assertThrows(IllegalArgumentException.class,
                () -> CpusetList.parse("0-99999999999"));
        assertTrue(huge.getMessage().contains("beyond any CPU"), huge.getMessage());
    }

    @Test
    void formatsWithRangesMerged() {
        assertEquals("0-2,5", CpusetList.format(List.of(5, 0, 2, 1)));
        assertEquals("7", CpusetList.format(List.of(7)));
        assertEquals("", CpusetList.format(List.of()));
        assertEquals("1,3,5-6", CpusetList.format(List.of(1, 3, 5, 6)));
    }
}
