package dev.hako.cgroup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ContainerCgroup} against a directory tree laid out like cgroupfs: which directories
 * it makes, what it writes to which file, and that it leaves nothing behind when a step fails.
 */
class ContainerCgroupTest {
    private static final long M = 1024 * 1024;

    @TempDir
    Path root;

    private FakeCgroupfs legacy() throws IOException {
        return new FakeCgroupfs(root).v1("memory", "memory").v1("cpu,cpuacct", "cpu", "cpuacct")
                .v1("cpuset", "cpuset").v1("pids", "pids").v1("freezer", "freezer").v1("blkio", "blkio");
    }

    private FakeCgroupfs unified() throws IOException {
        return new FakeCgroupfs(root).unified("unified", "cpuset cpu io memory hugetlb pids");
    }

    private String read(String path) throws IOException {
        return Files.readString(root.resolve(path));
    }

    private ContainerCgroup create(FakeCgroupfs fs, CgroupLimits limits) throws IOException {
        return ContainerCgroup.create(fs.layout(), "/hako", "c1", limits, fs);
    }

    @Test
    void v1WritesEachLimitToItsFile() throws IOException {
        FakeCgroupfs fs = legacy();
        ContainerCgroup cgroup = create(fs, LimitOptionTest.ALL);
        assertEquals("67108864", read("memory/hako/c1/memory.limit_in_bytes"));
        assertEquals("134217728", read("memory/hako/c1/memory.memsw.limit_in_bytes"));
        assertEquals("33554432", read("memory/hako/c1/memory.soft_limit_in_bytes"));
        assertEquals("100000", read("cpu,cpuacct/hako/c1/cpu.cfs_period_us"));
        assertEquals("50000", read("cpu,cpuacct/hako/c1/cpu.cfs_quota_us"));
        assertEquals("512", read("cpu,cpuacct/hako/c1/cpu.shares"));
        assertEquals("1", read("cpuset/hako/c1/cpuset.cpus"));
        assertEquals("0", read("cpuset/hako/c1/cpuset.mems"));
        assertEquals("100", read("pids/hako/c1/pids.max"));
        assertEquals("500", read("blkio/hako/c1/blkio.bfq.weight"), "blkio.weight does not exist, BFQ's does");
        assertEquals("", read("freezer/hako/c1/freezer.state"));
        // the new parent's empty cpuset was filled from the root, so tasks can join below it
        assertEquals("0-3", read("cpuset/hako/cpuset.cpus"));
        assertEquals("0", read("cpuset/hako/cpuset.mems"));
        assertEquals(Set.of("blkio/hako/c1", "cpu,cpuacct/hako/c1", "cpuset/hako/c1", "freezer/hako/c1",
                "memory/hako/c1", "pids/hako/c1"), Set.copyOf(relative(cgroup.directories())),
                "one directory per hierarchy: cpu and cpuacct share one");
        assertEquals(java.util.Optional.empty(), cgroup.unifiedDirectory());
    }

    @Test
    void v1WithoutLimitsUsesTheStatsFreezerAndPidsHierarchiesOnly() throws IOException {
        FakeCgroupfs fs = legacy();
        ContainerCgroup cgroup = create(fs, CgroupLimits.NONE);
        assertEquals(List.of("memory/hako/c1", "cpu,cpuacct/hako/c1", "pids/hako/c1", "freezer/hako/c1"),
                relative(cgroup.directories()));
        assertEquals("", read("memory/hako/c1/memory.limit_in_bytes"), "nothing written without limits");
    }

    @Test
    void v1CpusetCopiesWhatIsNotSetFromTheParent() throws IOException {
        FakeCgroupfs fs = legacy();
        create(fs, CgroupLimits.builder().cpusetCpus("2-3").build());
        assertEquals("2-3", read("cpuset/hako/c1/cpuset.cpus"));
        assertEquals("0", read("cpuset/hako/c1/cpuset.mems"), "copied: an empty cpuset.mems admits no task");
    }

    @Test
    void v2WritesEachLimitAndDelegatesControllersFromTheRootDown() throws IOException {
        FakeCgroupfs fs = unified();
        ContainerCgroup cgroup = create(fs, LimitOptionTest.ALL);
        assertEquals(java.util.Optional.of(root.resolve("unified/hako/c1")), cgroup.unifiedDirectory());
        assertEquals(List.of("unified/hako/c1"), relative(cgroup.directories()));
        assertEquals("+cpu +cpuset +io +memory +pids", read("unified/cgroup.subtree_control"));
        assertEquals("+cpu +cpuset +io +memory +pids", read("unified/hako/cgroup.subtree_control"));
        assertEquals("67108864", read("unified/hako/c1/memory.max"));
        assertEquals("67108864", read("unified/hako/c1/memory.swap.max"), "swap alone: 128m - 64m");
        assertEquals("33554432", read("unified/hako/c1/memory.low"));
        assertEquals("50000 100000", read("unified/hako/c1/cpu.max"));
        assertEquals("20", read("unified/hako/c1/cpu.weight"));
        assertEquals("1", read("unified/hako/c1/cpuset.cpus"));
        assertEquals("0", read("unified/hako/c1/cpuset.mems"));
        assertEquals("100", read("unified/hako/c1/pids.max"));
        assertEquals("default 4950", read("unified/hako/c1/io.weight"));
    }

    @Test
    void v2WithoutLimitsEnablesOnlyMemoryAndPids() throws IOException {
        FakeCgroupfs fs = unified();
        create(fs, CgroupLimits.NONE);
        assertEquals("+memory +pids", read("unified/cgroup.subtree_control"));
        assertEquals("", read("unified/hako/c1/memory.max"));
    }

    @Test
    void v2FallsBackToBfqWeight() throws IOException {
        FakeCgroupfs fs = unified().without("io.weight").with("io.bfq.weight");
        create(fs, CgroupLimits.builder().ioWeight(500).build());
        assertEquals("default 500", read("unified/hako/c1/io.bfq.weight"), "BFQ takes Docker's weight as it is");
    }

    @Test
    void hybridMakesV1DirectoriesAndOneV2Directory() throws IOException {
        FakeCgroupfs fs = new FakeCgroupfs(root).v1("memory", "memory").v1("cpu", "cpu").v1("cpuacct", "cpuacct")
                .v1("pids", "pids").v1("freezer", "freezer").unified("unified", "hugetlb");
        ContainerCgroup cgroup = create(fs, CgroupLimits.builder().memoryLimit(64 * M).pidsLimit(10).build());
        assertEquals(List.of("memory/hako/c1", "cpu/hako/c1", "cpuacct/hako/c1", "pids/hako/c1", "freezer/hako/c1",
                "unified/hako/c1"), relative(cgroup.directories()));
        assertEquals("", read("unified/cgroup.subtree_control"), "no controller of ours is on v2");
        assertEquals("67108864", read("memory/hako/c1/memory.limit_in_bytes"));
        assertEquals("10", read("pids/hako/c1/pids.max"));
        assertTrue(Files.exists(root.resolve("unified/hako/c1/cgroup.kill")));
    }

    @Test
    void aMissingFileIsAClearErrorAndLeavesNothingBehind() throws IOException {
        FakeCgroupfs fs = legacy().without("memory.memsw.limit_in_bytes");
        CgroupException e = assertThrows(CgroupException.class,
                () -> create(fs, CgroupLimits.builder().pidsLimit(5).memoryLimit(64 * M).memorySwap(-1).build()));
        assertEquals("cannot set memorySwapLimit: memory.memsw.limit_in_bytes does not exist in "
                + root.resolve("memory/hako/c1") + "; the kernel does not account swap: boot it with"
                + " swapaccount=1 (v1) or use a kernel with CONFIG_MEMCG_SWAP, or leave memorySwapLimit unset",
                e.getMessage());
        assertEquals(Set.of(), StaleCgroups.leftovers(fs.layout(), "/hako"));
        assertTrue(Files.isDirectory(root.resolve("memory/hako")), "parents may stay");
    }

    @Test
    void missingWeightFilesNameBoth() throws IOException {
        FakeCgroupfs fs = legacy().without("blkio.bfq.weight");
        CgroupException e = assertThrows(CgroupException.class, () -> create(fs, CgroupLimits.builder().ioWeight(100).build()));
        assertTrue(e.getMessage().startsWith("cannot set ioWeight: none of blkio.weight, blkio.bfq.weight exists in "
                + root.resolve("blkio/hako/c1") + "; no weight file exists"), e.getMessage());
        assertEquals(Set.of(), StaleCgroups.leftovers(fs.layout(), "/hako"));
    }

    @Test
    void aMissingControllerFailsBeforeAnythingIsMade() throws IOException {
        FakeCgroupfs fs = new FakeCgroupfs(root).v1("memory", "memory").v1("pids", "pids");
        CgroupException e = assertThrows(CgroupException.class, () -> create(fs, CgroupLimits.builder().ioWeight(100).build()));
        assertTrue(e.getMessage().startsWith("ioWeight needs the blkio (io on cgroup v2) controller, which is not"
                + " mounted/enabled on this machine (legacy cgroup layout: v1 memory at "), e.getMessage());
        assertEquals(List.of("memory", "pids"), fs.directories(), "not even the parent was made");

        FakeCgroupfs v2 = new FakeCgroupfs(root).unified("unified", "memory pids");
        e = assertThrows(CgroupException.class, () -> ContainerCgroup.create(v2.layout(), "/hako", "c1",
                CgroupLimits.builder().cpus(1).build(), v2));
        assertTrue(e.getMessage().startsWith("cpus needs the cpu controller"), e.getMessage());
    }

    @Test
    void aControllerTheParentDoesNotPassDownIsAClearError() throws IOException {
        FakeCgroupfs fs = unified();
        // someone else's /hako, whose parent passed down only memory and pids
        Files.createDirectory(root.resolve("unified/hako"));
        Files.writeString(root.resolve("unified/hako/cgroup.controllers"), "memory pids\n");
        Files.writeString(root.resolve("unified/hako/cgroup.subtree_control"), "memory pids\n");
        Files.writeString(root.resolve("unified/cgroup.subtree_control"), "memory pids\n");
        Files.createFile(root.resolve("unified/hako/cgroup.procs"));
        CgroupException e = assertThrows(CgroupException.class, () -> create(fs, CgroupLimits.builder().cpus(1).build()));
        assertEquals("cannot delegate cpu to the cgroups below " + root.resolve("unified/hako")
                + ": its cgroup.controllers offers only \"memory pids\"; enable them in cgroup.subtree_control of"
                + " the cgroup above it (under systemd: Delegate=yes for the unit), or leave the limits that need"
                + " them unset", e.getMessage());
        assertEquals(Set.of(), StaleCgroups.leftovers(fs.layout(), "/hako"));
    }

    @Test
    void anExistingCgroupIsNotTakenOver() throws IOException {
        FakeCgroupfs fs = legacy();
        create(fs, CgroupLimits.NONE);
        Files.writeString(root.resolve("memory/hako/c1/memory.limit_in_bytes"), "12345");
        CgroupException e = assertThrows(CgroupException.class, () -> create(fs, CgroupLimits.NONE));
        assertTrue(e.getMessage().startsWith("cgroup " + root.resolve("memory/hako/c1") + " already exists:"
                + " a container with id c1 is running, or one was not cleaned up"), e.getMessage());
        assertEquals("12345", read("memory/hako/c1/memory.limit_in_bytes"), "the other one's cgroup is untouched");
        assertEquals(4, StaleCgroups.leftovers(fs.layout(), "/hako").size());
    }

    @Test
    void badParentsAndIds() throws IOException {
        FakeCgroupfs fs = legacy();
        CgroupLayout layout = fs.layout();
        for (String parent : new String[] {"/", "", "/a/../b", "./x", "/a/./b", "hako"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ContainerCgroup.create(layout, parent, "c1", CgroupLimits.NONE, fs), parent);
            assertTrue(e.getMessage().startsWith("cgroupParent \"" + parent + "\""), e.getMessage());
        }
        ContainerCgroup.create(layout, "/hako/nested/", "c1", CgroupLimits.NONE, fs);
        assertTrue(Files.isDirectory(root.resolve("memory/hako/nested/c1")), "a trailing slash is harmless");
    }

    @Test
    void statsReadTheAccountingFiles() throws IOException {
        FakeCgroupfs fs = legacy();
        ContainerCgroup v1 = create(fs, CgroupLimits.NONE);
        Files.writeString(root.resolve("memory/hako/c1/memory.usage_in_bytes"), "4096\n");
        Files.writeString(root.resolve("memory/hako/c1/memory.max_usage_in_bytes"), "8192\n");
        Files.writeString(root.resolve("memory/hako/c1/memory.oom_control"),
                "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
        Files.writeString(root.resolve("cpu,cpuacct/hako/c1/cpuacct.usage"), "123456789\n");
        Files.writeString(root.resolve("pids/hako/c1/pids.current"), "3\n");
        assertEquals(new CgroupStats(OptionalLong.of(4096), OptionalLong.of(8192), OptionalLong.of(123456789),
                OptionalLong.of(3), OptionalLong.of(2)), v1.stats());
        assertEquals(2, v1.oomKills());
    }

    @Test
    void statsOnV2() throws IOException {
        FakeCgroupfs fs = unified().without("memory.peak");
        ContainerCgroup v2 = create(fs, CgroupLimits.NONE);
        Path dir = root.resolve("unified/hako/c1");
        Files.writeString(dir.resolve("memory.current"), "4096\n");
        Files.writeString(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\noom_group_kill 0\n");
        Files.writeString(dir.resolve("cpu.stat"), "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
        Files.writeString(dir.resolve("pids.current"), "2\n");
        assertEquals(new CgroupStats(OptionalLong.of(4096), OptionalLong.empty(), OptionalLong.of(1_500_000),
                OptionalLong.of(2), OptionalLong.of(1)), v2.stats(), "no memory.peak before Linux 5.19");
        assertEquals(1, v2.oomKills());
    }

    @Test
    void destroyRemovesEveryDirectoryOnceAndKeepsTheParents() throws IOException {
        FakeCgroupfs fs = new FakeCgroupfs(root).v1("memory", "memory").v1("cpuset", "cpuset").unified("unified", "");
        ContainerCgroup cgroup = create(fs, CgroupLimits.builder().cpusetCpus("1").build());
        assertEquals(3, StaleCgroups.leftovers(fs.layout(), "/hako").size());
        cgroup.destroy();
        assertEquals(Set.of(), StaleCgroups.leftovers(fs.layout(), "/hako"));
        assertEquals(List.of(), cgroup.directories());
        cgroup.destroy();
        assertEquals(List.of("cpuset", "cpuset/hako", "memory", "memory/hako", "unified", "unified/hako"),
                fs.directories());
    }

    @Test
    void destroyRemovesChildCgroupsFirst() throws IOException {
        FakeCgroupfs fs = legacy();
        ContainerCgroup cgroup = create(fs, CgroupLimits.NONE);
        fs.mkdir(root.resolve("memory/hako/c1/child"));
        fs.mkdir(root.resolve("memory/hako/c1/child/grandchild"));
        cgroup.destroy();
        assertEquals(Set.of(), StaleCgroups.leftovers(fs.layout(), "/hako"));
    }

    private List<String> relative(List<Path> dirs) {
        return dirs.stream().map(d -> root.relativize(d).toString()).toList();
    }
}
