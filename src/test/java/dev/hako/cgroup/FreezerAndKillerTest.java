package dev.hako.cgroup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The freezers and killers against a directory tree laid out like cgroupfs. The fake does
 * not react to writes, so each test writes what the kernel would answer (cgroup.events)
 * first; the real kernel's answers are {@link ContainerCgroupIT}'s to check.
 */
class FreezerAndKillerTest {
    @TempDir
    Path root;

    private FakeCgroupfs hybrid() throws IOException {
        return new FakeCgroupfs(root).v1("memory", "memory").v1("pids", "pids").v1("freezer", "freezer")
                .unified("unified", "hugetlb");
    }

    private ContainerCgroup create(FakeCgroupfs fs) throws IOException {
        return ContainerCgroup.create(fs.layout(), "/hako", "c1", CgroupLimits.NONE, fs);
    }

    private String read(String path) throws IOException {
        return Files.readString(root.resolve(path));
    }

    private void write(String path, String text) throws IOException {
        Files.writeString(root.resolve(path), text);
    }

    @Test
    void onHybridTheV1FreezerIsUsedWhileTheV2DirectoryIsEmpty() throws IOException {
        ContainerCgroup cgroup = create(hybrid());
        write("unified/hako/c1/cgroup.events", "populated 0\nfrozen 0\n");
        cgroup.freeze();
        assertEquals("FROZEN", read("freezer/hako/c1/freezer.state"));
        assertEquals("", read("unified/hako/c1/cgroup.freeze"), "v2's would not reach the processes");
        cgroup.thaw();
        assertEquals("THAWED", read("freezer/hako/c1/freezer.state"));
    }

    @Test
    void onHybridV2FreezesWhenTheProcessesAreInItsDirectory() throws IOException {
        ContainerCgroup cgroup = create(hybrid());
        write("unified/hako/c1/cgroup.events", "populated 1\nfrozen 1\n");
        cgroup.freeze();
        assertEquals("1", read("unified/hako/c1/cgroup.freeze"));
        assertEquals("", read("freezer/hako/c1/freezer.state"));
        write("unified/hako/c1/cgroup.events", "populated 1\nfrozen 0\n");
        write("freezer/hako/c1/freezer.state", "THAWED\n");
        cgroup.thaw();
        assertEquals("0", read("unified/hako/c1/cgroup.freeze"));
        assertEquals("THAWED\n", read("freezer/hako/c1/freezer.state"), "already thawed: not written");
    }

    @Test
    void withoutAnyFreezerPauseSaysSo() throws IOException {
        ContainerCgroup cgroup = create(new FakeCgroupfs(root).v1("memory", "memory"));
        CgroupException e = assertThrows(CgroupException.class, cgroup::freeze);
        assertTrue(e.getMessage().startsWith("cannot freeze the cgroup of container c1: there is no freezer, neither"
                + " cgroup v2's cgroup.freeze (Linux 5.2+) nor a v1 freezer hierarchy"), e.getMessage());
        assertTrue(assertThrows(CgroupException.class, cgroup::thaw).getMessage().startsWith("cannot thaw"));
    }

    @Test
    void aKernelWithoutCgroupFreezeFallsBackToV1() throws IOException {
        ContainerCgroup cgroup = create(hybrid().without("cgroup.freeze"));
        write("unified/hako/c1/cgroup.events", "populated 1\nfrozen 0\n");
        cgroup.freeze();
        assertEquals("FROZEN", read("freezer/hako/c1/freezer.state"));
        assertTrue(assertThrows(CgroupException.class, () -> new V2Freezer(root.resolve("unified/hako/c1")).freeze())
                .getMessage().endsWith("has no v2 cgroup.freeze (the kernel is older than this feature)"));
    }

    @Test
    void v2KillWritesCgroupKillAndWaitsForPopulatedZero() throws IOException {
        ContainerCgroup cgroup = create(new FakeCgroupfs(root).unified("unified", "memory pids"));
        write("unified/hako/c1/cgroup.events", "populated 0\nfrozen 0\n");
        cgroup.killAll();
        assertEquals("1", read("unified/hako/c1/cgroup.kill"));
    }

    @Test
    void theV1WalkRefusesToKillTheJvmAndThawsAgain() throws IOException {
        ContainerCgroup cgroup = create(hybrid().without("cgroup.kill"));
        write("memory/hako/c1/cgroup.procs", ProcessHandle.current().pid() + "\n");
        CgroupException e = assertThrows(CgroupException.class, cgroup::killAll);
        assertEquals("the JVM itself (pid " + ProcessHandle.current().pid() + ") is in the cgroup of container c1;"
                + " refusing to kill it", e.getMessage());
        assertEquals("THAWED", read("freezer/hako/c1/freezer.state"), "frozen for the walk, thawed after");
        assertEquals("", read("unified/hako/c1/cgroup.freeze"));
        write("memory/hako/c1/cgroup.procs", "");
        cgroup.killAll(); // nothing left: returns without freezing
        assertEquals("THAWED", read("freezer/hako/c1/freezer.state"));
    }
}
