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
        assertTrue(!NONE.withPidsLimit(1).isEmpty());
    }

    @Test
    void cpusBecomeAQuotaPer100Milliseconds() {
        CgroupLimits l = NONE.withCpus(0.2);
        assertEquals(20000L, l.cpuQuota());
        assertEquals(100000L, l.cpuPeriod());
        assertEquals(150000L, NONE.withCpus(1.5).cpuQuota());
        assertEquals(100000L, NONE.withCpuQuota(50000, 0).withCpuQuota(50000, 100000).effectiveCpuPeriod());
        assertEquals(100000L, new CgroupLimits(null, null, null, 30000L, null, null, null, null, null, null)
                .effectiveCpuPeriod(), "a quota alone gets Docker's period");
        assertNull(NONE.effectiveCpuPeriod());
        valid(NONE.withCpus(0.01));
        valid(NONE.withCpus(4));
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            String m = invalid(() -> NONE.withCpus(bad));
            assertTrue(m.startsWith("cpus " + bad + " must be a number of CPUs above 0"), m);
        }
    }

    @Test
    void cpusAreBetweenTheKernelsSmallestQuotaAndTheOnlineCpus() {
        assertEquals("cpus 4.5 (cpuQuota 450000 per cpuPeriod 100000) is more than the 4 CPUs online (0-3):"
                + " use at most 4", invalid(NONE.withCpus(4.5)));
        String small = invalid(NONE.withCpus(0.005));
        assertTrue(small.contains("too small") && small.contains("1000 microseconds"), small);
        String period = invalid(NONE.withCpuQuota(5000, 500));
        assertTrue(period.startsWith("cpuPeriod 500 is out of range: use 1000 to 1000000"), period);
        assertTrue(invalid(NONE.withCpuQuota(-5, 100000)).contains("must be above 0"));
        assertTrue(invalid(NONE.withCpuQuota(0, 100000)).contains("must be above 0"));
        assertTrue(invalid(() -> NONE.withCpus(3).validate("0-1", "0")).contains("2 CPUs online (0-1)"));
    }

    @Test
    void memoryHasDockersMinimumAndSwapCountsMemoryToo() {
        valid(NONE.withMemoryLimit(6 * M));
        assertEquals("memoryLimit 5m (5242880 bytes) is below the minimum of 6m (6291456 bytes):"
                + " a container needs at least that much to start", invalid(NONE.withMemoryLimit(5 * M)));
        assertTrue(invalid(NONE.withMemoryLimit(0)).startsWith("memoryLimit 0 bytes is below the minimum"));
        assertTrue(invalid(NONE.withMemoryLimit(-1)).startsWith("memoryLimit -1 bytes is below"));

        valid(NONE.withMemoryLimit(64 * M).withMemorySwap(64 * M));
        valid(NONE.withMemoryLimit(64 * M).withMemorySwap(-1));
        assertEquals("memorySwapLimit 32m (33554432 bytes) is below memoryLimit 64m (67108864 bytes): it counts"
                + " memory plus swap, so it must be at least memoryLimit, or -1 for unlimited swap",
                invalid(NONE.withMemoryLimit(64 * M).withMemorySwap(32 * M)));
        assertTrue(invalid(NONE.withMemoryLimit(64 * M).withMemorySwap(-2)).startsWith("memorySwapLimit -2 bytes is below"));
        assertTrue(invalid(NONE.withMemorySwap(64 * M)).startsWith("memorySwapLimit 64m (67108864 bytes) needs memoryLimit"));

        valid(NONE.withMemoryReservation(32 * M));
        valid(NONE.withMemoryLimit(64 * M).withMemoryReservation(64 * M));
        assertTrue(invalid(NONE.withMemoryReservation(M)).startsWith("memoryReservation 1m (1048576 bytes) is below"));
        assertTrue(invalid(NONE.withMemoryLimit(64 * M).withMemoryReservation(128 * M))
                .contains("is above memoryLimit 64m"));
    }

    @Test
    void sharesPidsAndWeightHaveDockersRanges() {
        valid(NONE.withCpuShares(2));
        valid(NONE.withCpuShares(262144));
        assertEquals("cpuShares 1 is out of range: use 2 to 262144 (1024 is the default weight)",
                invalid(NONE.withCpuShares(1)));
        assertTrue(invalid(NONE.withCpuShares(262145)).startsWith("cpuShares 262145 is out of range"));
        valid(NONE.withPidsLimit(1));
        assertEquals("pidsLimit 0 is out of range: use 1 or more (leave it unset for no limit)",
                invalid(NONE.withPidsLimit(0)));
        assertTrue(invalid(NONE.withPidsLimit(-1)).startsWith("pidsLimit -1 is out of range"));
        valid(NONE.withIoWeight(10));
        valid(NONE.withIoWeight(1000));
        assertEquals("ioWeight 9 is out of range: use 10 to 1000", invalid(NONE.withIoWeight(9)));
        assertTrue(invalid(NONE.withIoWeight(1001)).startsWith("ioWeight 1001 is out of range"));
    }

    @Test
    void cpusetsMustBeOnline() {
        valid(NONE.withCpusetCpus("0-1,3").withCpusetMems("0"));
        assertEquals("cpusetCpus \"0-5\" names CPUs 4-5, which are not online: this machine has 0-3"
                + " (/sys/devices/system/cpu/online)", invalid(NONE.withCpusetCpus("0-5")));
        assertEquals("cpusetMems \"1\" names memory node 1, which is not online: this machine has 0"
                + " (/sys/devices/system/node/online)", invalid(NONE.withCpusetMems("1")));
        assertTrue(invalid(NONE.withCpusetCpus("")).startsWith("cpusetCpus is empty"));
        assertTrue(invalid(NONE.withCpusetCpus("zero")).startsWith("cpusetCpus \"zero\" is not a list"));
        assertDoesNotThrow(() -> NONE.withCpusetCpus("5").validate("0-3,5,7", "0-1"), "holes in the online list");
    }

    @Test
    void validatesAgainstThisMachine() throws Exception {
        NONE.withCpus(0.5).withCpusetCpus("0").withCpusetMems("0").validate();
        assertThrows(IllegalArgumentException.class, () -> NONE.withCpusetCpus("65000").validate());
    }
}
