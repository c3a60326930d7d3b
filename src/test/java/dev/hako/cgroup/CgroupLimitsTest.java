package dev.hako.cgroup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CgroupLimitsTest {
    private static final long M = 1024 * 1024;
    private static final CgroupLimits NONE = CgroupLimits.NONE;

    private static CgroupLimits.Builder limits() {
        return CgroupLimits.builder();
    }

    private static void valid(CgroupLimits limits) {
        assertDoesNotThrow(() -> limits.validate("0-3", "0"), limits.toString());
    }

    private static String invalid(CgroupLimits limits) {
        return invalid(() -> limits.validate("0-3", "0"));
    }

    private static String invalid(Executable e) {
        return assertThrows(IllegalArgumentException.class, e).getMessage();
    }

    @Test
    void noLimitsIsValidAndEmpty() {
        valid(NONE);
        assertTrue(NONE.isEmpty());
        assertTrue(!limits().pidsLimit(1).build().isEmpty());
    }

    @Test
    void cpusBecomeAQuotaPer100Milliseconds() {
        CgroupLimits l = limits().cpus(0.2).build();
        assertEquals(20000L, l.cpuQuota());
        assertEquals(100000L, l.cpuPeriod());
        assertEquals(150000L, limits().cpus(1.5).build().cpuQuota());
        assertEquals(100000L, limits().cpuQuota(50000, 0).cpuQuota(50000, 100000).build().effectiveCpuPeriod());
        assertEquals(100000L, new CgroupLimits(null, null, null, 30000L, null, null, null, null, null, null)
                .effectiveCpuPeriod(), "a quota alone gets Docker's period");
        assertNull(NONE.effectiveCpuPeriod());
        valid(limits().cpus(0.01).build());
        valid(limits().cpus(4).build());
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            String m = invalid(() -> limits().cpus(bad).build());
            assertTrue(m.startsWith("cpus " + bad + " must be a number of CPUs above 0"), m);
        }
    }

    @Test
    void cpusAreBetweenTheKernelsSmallestQuotaAndTheOnlineCpus() {
        assertEquals("cpus 4.5 (cpuQuota 450000 per cpuPeriod 100000) is more than the 4 CPUs online (0-3):"
                + " use at most 4", invalid(limits().cpus(4.5).build()));
        String small = invalid(limits().cpus(0.005).build());
        assertTrue(small.contains("too small") && small.contains("1000 microseconds"), small);
        String period = invalid(limits().cpuQuota(5000, 500).build());
        assertTrue(period.startsWith("cpuPeriod 500 is out of range: use 1000 to 1000000"), period);
        assertTrue(invalid(limits().cpuQuota(-5, 100000).build()).contains("must be above 0"));
        assertTrue(invalid(limits().cpuQuota(0, 100000).build()).contains("must be above 0"));
        assertTrue(invalid(() -> limits().cpus(3).build().validate("0-1", "0")).contains("2 CPUs online (0-1)"));
    }

    @Test
    void memoryHasDockersMinimumAndSwapCountsMemoryToo() {
        valid(limits().memoryLimit(6 * M).build());
        assertEquals("memoryLimit 5m (5242880 bytes) is below the minimum of 6m (6291456 bytes):"
                + " a container needs at least that much to start", invalid(limits().memoryLimit(5 * M).build()));
        assertTrue(invalid(limits().memoryLimit(0).build()).startsWith("memoryLimit 0 bytes is below the minimum"));
        assertTrue(invalid(limits().memoryLimit(-1).build()).startsWith("memoryLimit -1 bytes is below"));

        valid(limits().memoryLimit(64 * M).memorySwap(64 * M).build());
        valid(limits().memoryLimit(64 * M).memorySwap(-1).build());
        assertEquals("memorySwapLimit 32m (33554432 bytes) is below memoryLimit 64m (67108864 bytes): it counts"
                + " memory plus swap, so it must be at least memoryLimit, or -1 for unlimited swap",
                invalid(limits().memoryLimit(64 * M).memorySwap(32 * M).build()));
        assertTrue(invalid(limits().memoryLimit(64 * M).memorySwap(-2).build())
                .startsWith("memorySwapLimit -2 bytes is below"));
        assertTrue(invalid(limits().memorySwap(64 * M).build())
                .startsWith("memorySwapLimit 64m (67108864 bytes) needs memoryLimit"));

        valid(limits().memoryReservation(32 * M).build());
        valid(limits().memoryLimit(64 * M).memoryReservation(64 * M).build());
        assertTrue(invalid(limits().memoryReservation(M).build())
                .startsWith("memoryReservation 1m (1048576 bytes) is below"));
        assertTrue(invalid(limits().memoryLimit(64 * M).memoryReservation(128 * M).build())
                .contains("is above memoryLimit 64m"));
    }

    @Test
    void sharesPidsAndWeightHaveDockersRanges() {
        valid(limits().cpuShares(2).build());
        valid(limits().cpuShares(262144).build());
        assertEquals("cpuShares 1 is out of range: use 2 to 262144 (1024 is the default weight)",
                invalid(limits().cpuShares(1).build()));
        assertTrue(invalid(limits().cpuShares(262145).build()).startsWith("cpuShares 262145 is out of range"));
        valid(limits().pidsLimit(1).build());
        assertEquals("pidsLimit 0 is out of range: use 1 or more (leave it unset for no limit)",
                invalid(limits().pidsLimit(0).build()));
        assertTrue(invalid(limits().pidsLimit(-1).build()).startsWith("pidsLimit -1 is out of range"));
        valid(limits().ioWeight(10).build());
        valid(limits().ioWeight(1000).build());
        assertEquals("ioWeight 9 is out of range: use 10 to 1000", invalid(limits().ioWeight(9).build()));
        assertTrue(invalid(limits().ioWeight(1001).build()).startsWith("ioWeight 1001 is out of range"));
    }

    @Test
    void cpusetsMustBeOnline() {
        valid(limits().cpusetCpus("0-1,3").cpusetMems("0").build());
        assertEquals("cpusetCpus \"0-5\" names CPUs 4-5, which are not online: this machine has 0-3"
                + " (/sys/devices/system/cpu/online)", invalid(limits().cpusetCpus("0-5").build()));
        assertEquals("cpusetMems \"1\" names memory node 1, which is not online: this machine has 0"
                + " (/sys/devices/system/node/online)", invalid(limits().cpusetMems("1").build()));
        assertTrue(invalid(limits().cpusetCpus("").build()).startsWith("cpusetCpus is empty"));
        assertTrue(invalid(limits().cpusetCpus("zero").build()).startsWith("cpusetCpus \"zero\" is not a list"));
        assertDoesNotThrow(() -> limits().cpusetCpus("5").build().validate("0-3,5,7", "0-1"),
                "holes in the online list");
    }

    @Test
    void validatesAgainstThisMachine() throws Exception {
        limits().cpus(0.5).cpusetCpus("0").cpusetMems("0").build().validate();
        assertThrows(IllegalArgumentException.class, () -> limits().cpusetCpus("65000").build().validate());
    }

    @Test
    void theBuilderSetsEachOptionOnceAndBuildsSnapshots() {
        assertEquals(NONE, limits().build());
        CgroupLimits.Builder b = limits().memoryLimit(64 * M).memorySwap(-1).memoryReservation(32 * M)
                .cpuQuota(25000, 50000).cpuShares(512).cpusetCpus("0-1").cpusetMems("0").pidsLimit(10).ioWeight(500);
        assertEquals(new CgroupLimits(64 * M, -1L, 32 * M, 25000L, 50000L, 512, "0-1", "0", 10L, 500), b.build());
        CgroupLimits before = b.build();
        b.pidsLimit(20).cpus(1);
        assertEquals(10L, before.pidsLimit(), "a built record does not change with the builder");
        assertEquals(20L, b.build().pidsLimit());
        assertEquals(100000L, b.build().cpuQuota(), "cpus replaces the quota and the period");
        assertEquals(100000L, b.build().cpuPeriod());
        assertEquals("cpus", assertThrows(NullPointerException.class, () -> limits().cpusetCpus(null)).getMessage());
        assertEquals("mems", assertThrows(NullPointerException.class, () -> limits().cpusetMems(null)).getMessage());
    }
}
