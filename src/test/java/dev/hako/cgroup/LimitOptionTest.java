package dev.hako.cgroup;

import dev.hako.cgroup.LimitOption.FileWrite;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LimitOptionTest {
    private static final long M = 1024 * 1024;
    static final CgroupLimits ALL = CgroupLimits.builder().memoryLimit(64 * M).memorySwap(128 * M)
            .memoryReservation(32 * M).cpus(0.5).cpuShares(512).cpusetCpus("1")
            .cpusetMems("0").pidsLimit(100).ioWeight(500).build();

    /** Every write as "file=value", alternatives joined with " | ". */
    private static List<String> writes(CgroupLimits limits, boolean v2) {
        List<String> out = new ArrayList<>();
        for (LimitOption o : LimitOption.values()) {
            for (FileWrite w : o.writes(limits, v2)) {
                out.add(String.join(" | ", w.targets().stream().map(t -> t.file() + "=" + t.value()).toList()));
            }
        }
        return out;
    }

    @Test
    void v1FilesAndValuesInWritingOrder() {
        assertEquals(List.of(
                "memory.limit_in_bytes=67108864",
                "memory.memsw.limit_in_bytes=134217728",
                "memory.soft_limit_in_bytes=33554432",
                "cpu.cfs_period_us=100000",
                "cpu.cfs_quota_us=50000",
                "cpu.shares=512",
                "cpuset.cpus=1",
                "cpuset.mems=0",
                "pids.max=100",
                "blkio.weight=500 | blkio.bfq.weight=500"), writes(ALL, false));
    }

    @Test
    void v2FilesAndValues() {
        assertEquals(List.of(
                "memory.max=67108864",
                "memory.swap.max=67108864",
                "memory.low=33554432",
                "cpu.max=50000 100000",
                "cpu.weight=20",
                "cpuset.cpus=1",
                "cpuset.mems=0",
                "pids.max=100",
                "io.weight=default 4950 | io.bfq.weight=default 500"), writes(ALL, true));
    }

    @Test
    void unlimitedSwapAndPeriodAlone() {
        CgroupLimits l = CgroupLimits.builder().memoryLimit(64 * M).memorySwap(-1).build();
        assertEquals(List.of("memory.limit_in_bytes=67108864", "memory.memsw.limit_in_bytes=-1"), writes(l, false));
        assertEquals(List.of("memory.max=67108864", "memory.swap.max=max"), writes(l, true));
        CgroupLimits periodOnly = new CgroupLimits(null, null, null, null, 50000L, null, null, null, null, null);
        assertEquals(List.of("cpu.cfs_period_us=50000"), writes(periodOnly, false));
        assertEquals(List.of("cpu.max=max 50000"), writes(periodOnly, true));
        assertEquals(List.of(), writes(CgroupLimits.NONE, false));
        assertEquals(List.of(), writes(CgroupLimits.NONE, true));
    }

    @Test
    void weightsMapOntoV2AsRuncDoes() {
        assertEquals(1, LimitOption.cpuWeight(2));
        assertEquals(39, LimitOption.cpuWeight(1024));
        assertEquals(10000, LimitOption.cpuWeight(262144));
        assertEquals(1, LimitOption.ioWeight(10));
        assertEquals(4950, LimitOption.ioWeight(500));
        assertEquals(10000, LimitOption.ioWeight(1000));
    }

    @Test
    void markdownTableHasARowPerOption() {
        String table = LimitOption.markdownTable();
        List<String> lines = table.lines().toList();
        assertEquals(2 + LimitOption.values().length, lines.size(), table);
        assertEquals("| `memoryLimit` | memory | `memory.limit_in_bytes` | bytes | `memory.max` | bytes |", lines.get(2));
        assertTrue(table.contains("| `ioWeight` | blkio / io | `blkio.weight`, or `blkio.bfq.weight` where that is"
                + " what exists |"), table);
        for (LimitOption o : LimitOption.values()) {
            assertTrue(table.contains("`" + o.option() + "`"), o.option());
        }
    }

    @Test
    void readmeShowsTheTableAsTheCodeMapsIt() throws java.io.IOException {
        java.nio.file.Path readme = java.nio.file.Path.of(System.getProperty("basedir", "."), "README.md");
        String text = java.nio.file.Files.readString(readme);
        assertTrue(text.contains(LimitOption.markdownTable()),
                "README.md's limits table is out of date; replace it with:\n" + LimitOption.markdownTable());
    }
}
