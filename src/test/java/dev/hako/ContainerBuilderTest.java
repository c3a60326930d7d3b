package dev.hako;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Resource limits are checked by build(), before anything exists in the kernel: no root needed. */
class ContainerBuilderTest {
    @TempDir
    Path rootfs;

    private String refused(UnaryOperator<Container.Builder> limits) {
        Container.Builder b = limits.apply(Container.builder().rootfs(rootfs).command("/bin/true"));
        return assertThrows(IllegalArgumentException.class, b::build).getMessage();
    }

    private static void assertMentions(String message, String... words) {
        for (String w : words) {
            assertTrue(message.contains(w), "'" + w + "' missing from: " + message);
        }
    }

    @Test
    void refusesMemoryLimitsTheKernelWouldNot() {
        assertMentions(refused(b -> b.memoryLimit(0)), "memoryLimit", "minimum of 6m");
        assertMentions(refused(b -> b.memoryLimit(-1)), "memoryLimit");
        assertMentions(refused(b -> b.memoryLimit("1m")), "memoryLimit", "1m", "minimum of 6m");
        assertMentions(refused(b -> b.memoryLimit("64m").memorySwapLimit("32m")), "memorySwapLimit", "below memoryLimit");
        assertMentions(refused(b -> b.memorySwapLimit("64m")), "memorySwapLimit", "needs memoryLimit");
        assertMentions(refused(b -> b.memoryLimit("64m").memoryReservation("128m")), "memoryReservation", "above memoryLimit");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> Container.builder().memoryLimit("lots")).getMessage(),
                "memoryLimit", "\"lots\"", "like 64m");
    }

    @Test
    void refusesCpuLimitsOutsideTheMachine() {
        int cpus = Runtime.getRuntime().availableProcessors();
        assertMentions(assertThrows(IllegalArgumentException.class, () -> Container.builder().cpus(0)).getMessage(), "cpus");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> Container.builder().cpus(-0.5)).getMessage(), "cpus");
        assertMentions(refused(b -> b.cpus(cpus + 64)), "cpus");
        assertMentions(refused(b -> b.cpuShares(1)), "cpuShares", "2 to 262144");
        assertMentions(refused(b -> b.cpuShares(300_000)), "cpuShares");
        assertMentions(refused(b -> b.cpusetCpus("999")), "cpusetCpus", "999");
        assertMentions(refused(b -> b.cpusetCpus("banana")), "cpusetCpus");
        assertMentions(refused(b -> b.cpusetMems("7")), "cpusetMems");
    }

    @Test
    void refusesPidsAndIoWeightOutOfRange() {
        assertMentions(refused(b -> b.pidsLimit(0)), "pidsLimit");
        assertMentions(refused(b -> b.ioWeight(5)), "ioWeight", "10", "1000");
        for (String parent : new String[] {"relative", "/", "/a/./b", "/a/../b"}) {
            assertMentions(refused(b -> b.cgroupParent(parent)), "cgroupParent", parent);
        }
    }

    @Test
    void acceptsSensibleLimits() {
        assertDoesNotThrow(() -> Container.builder().rootfs(rootfs).command("/bin/true")
                .memoryLimit("64m").memorySwapLimit("128m").memoryReservation("32m")
                .cpus(0.5).cpuShares(512).cpusetCpus("0").cpusetMems("0").pidsLimit(100).ioWeight(500)
                .cgroupParent("/apps/hako").build());
    }
}
