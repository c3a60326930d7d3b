package dev.hako.cgroup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which hierarchies and controllers {@link V1Hierarchies} and {@link V2Hierarchy} plan to use, before any mkdir. */
class CgroupHierarchyTest {
    @TempDir
    Path root;

    private Map<String, Set<Controller>> v1Plan(CgroupLayout layout, CgroupLimits limits) {
        Map<String, Set<Controller>> plan = new LinkedHashMap<>();
        V1Hierarchies.hierarchies(layout, limits).forEach((mount, cs) -> plan.put(root.relativize(mount).toString(), cs));
        return plan;
    }

    @Test
    void v1UsesTheStatsFreezerAndPidsHierarchiesAlwaysAndTheOthersOnlyForALimit() throws IOException {
        CgroupLayout layout = new FakeCgroupfs(root).v1("memory", "memory").v1("cpu,cpuacct", "cpu", "cpuacct")
                .v1("cpuset", "cpuset").v1("pids", "pids").v1("freezer", "freezer").v1("blkio", "blkio").layout();
        Map<String, Set<Controller>> none = v1Plan(layout, CgroupLimits.NONE);
        assertEquals(List.of("memory", "cpu,cpuacct", "pids", "freezer"), List.copyOf(none.keySet()));
        assertEquals(Set.of(Controller.CPU, Controller.CPUACCT), none.get("cpu,cpuacct"), "one directory for both");

        Map<String, Set<Controller>> cpuset = v1Plan(layout, CgroupLimits.builder().cpusetMems("0").ioWeight(100).build());
        assertEquals(List.of("memory", "cpu,cpuacct", "cpuset", "pids", "blkio", "freezer"),
                List.copyOf(cpuset.keySet()), "in Controller order");
    }

    @Test
    void v1HasNothingToDoOnPureV2() throws IOException {
        CgroupLayout layout = new FakeCgroupfs(root).unified("unified", "cpuset cpu io memory pids").layout();
        assertEquals(Map.of(), V1Hierarchies.hierarchies(layout, LimitOptionTest.ALL));
    }

    @Test
    void v2EnablesMemoryAndPidsAlwaysAndTheControllersOfTheLimitsSet() throws IOException {
        CgroupLayout layout = new FakeCgroupfs(root).unified("unified", "cpuset cpu io memory hugetlb pids").layout();
        assertEquals(Set.of("memory", "pids"), V2Hierarchy.controllersToEnable(layout, CgroupLimits.NONE));
        assertEquals(List.of("cpu", "io", "memory", "pids"), List.copyOf(V2Hierarchy.controllersToEnable(layout,
                CgroupLimits.builder().cpus(1).ioWeight(100).build())), "sorted, by v2 name (io, not blkio)");
    }

    @Test
    void v2EnablesNothingThatIsOnV1() throws IOException {
        // this machine's kind of hybrid: the v2 hierarchy holds hugetlb alone
        CgroupLayout layout = new FakeCgroupfs(root).v1("memory", "memory").v1("pids", "pids").v1("cpu", "cpu")
                .unified("unified", "hugetlb").layout();
        assertEquals(Set.of(), V2Hierarchy.controllersToEnable(layout,
                CgroupLimits.builder().memoryLimit(64 << 20).pidsLimit(5).cpus(1).build()));
    }
}
