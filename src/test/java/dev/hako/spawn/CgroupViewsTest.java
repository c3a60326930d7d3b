package dev.hako.spawn;

import dev.hako.cgroup.CgroupLayout;
import dev.hako.fs.CgroupView;
import dev.hako.program.ChildProgram;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The container's /sys/fs/cgroup as planned from the host's layout; no root needed. */
class CgroupViewsTest {
    private static final String PROC_CGROUPS = """
            #subsys_name\thierarchy\tnum_cgroups\tenabled
            cpuset\t3\t1\t1
            cpu\t2\t1\t1
            cpuacct\t2\t1\t1
            memory\t4\t1\t1
            pids\t5\t1\t1
            """;

    /** v1 with co-mounted cpu,cpuacct, a named hierarchy, and a v2 mount beside them (hybrid). */
    private static final String HYBRID = """
            26 18 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
            27 26 0:23 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,name=systemd
            30 26 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpu,cpuacct
            32 26 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,memory
            34 26 0:30 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,cpuset,clone_children
            35 26 0:31 /some/container /srv/bound rw,relatime - cgroup cgroup rw,pids
            41 26 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
            """;

    private static final String UNIFIED = """
            26 22 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
            """;

    private static String plan(List<CgroupView.Hierarchy> view) {
        try (Arena arena = Arena.ofConfined()) {
            ChildProgram.Builder p = ChildProgram.builder(arena);
            p.setsUpInternals("the view");
            CgroupView.addSteps(p, view);
            return p.build().toString();
        }
    }

    @Test
    void hybridGetsATmpfsWithEveryHierarchyReadOnlyAndLinksForCoMountedControllers() {
        List<Path> own = List.of(Path.of("/sys/fs/cgroup/systemd/hako/c1"), Path.of("/sys/fs/cgroup/cpu,cpuacct/hako/c1"),
                Path.of("/sys/fs/cgroup/memory/hako/c1"), Path.of("/sys/fs/cgroup/cpuset/hako/c1"),
                Path.of("/sys/fs/cgroup/unified/hako/c1"));
        List<CgroupView.Hierarchy> view = CgroupViews.of(CgroupLayout.parse(HYBRID, PROC_CGROUPS, ""), own);
        assertEquals(List.of(
                new CgroupView.Hierarchy("systemd", "cgroup", List.of("name=systemd")),
                new CgroupView.Hierarchy("cpu,cpuacct", "cgroup", List.of("cpu", "cpuacct")),
                new CgroupView.Hierarchy("memory", "cgroup", List.of("memory")),
                new CgroupView.Hierarchy("cpuset", "cgroup", List.of("cpuset")),
                new CgroupView.Hierarchy("unified", "cgroup2", List.of("nsdelegate"))), view,
                "a sub-cgroup bound elsewhere is not a hierarchy; only the options that name it are kept");
        String plan = plan(view);
        String ro = "MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC|MS_REMOUNT|MS_BIND";
        ContainerProgramTest.assertInOrder(plan,
                "mount(\"tmpfs\", \"/sys/fs/cgroup\", \"tmpfs\", MS_NOSUID|MS_NODEV|MS_NOEXEC, \"mode=755\")",
                "mkdirat(AT_FDCWD, \"/sys/fs/cgroup/systemd\", 0555)",
                "mount(\"cgroup\", \"/sys/fs/cgroup/systemd\", \"cgroup\", MS_NOSUID|MS_NODEV|MS_NOEXEC, \"name=systemd\")",
                "mount(NULL, \"/sys/fs/cgroup/systemd\", NULL, " + ro + ", NULL)",
                "mount(\"cgroup\", \"/sys/fs/cgroup/cpu,cpuacct\", \"cgroup\", MS_NOSUID|MS_NODEV|MS_NOEXEC, \"cpu,cpuacct\")",
                "symlinkat(\"cpu,cpuacct\", AT_FDCWD, \"/sys/fs/cgroup/cpu\")",
                "symlinkat(\"cpu,cpuacct\", AT_FDCWD, \"/sys/fs/cgroup/cpuacct\")",
                "mount(\"cgroup2\", \"/sys/fs/cgroup/unified\", \"cgroup2\", MS_NOSUID|MS_NODEV|MS_NOEXEC, \"nsdelegate\")",
                "mount(NULL, \"/sys/fs/cgroup/unified\", NULL, " + ro + ", NULL)",
                "mount(NULL, \"/sys/fs/cgroup\", NULL, " + ro + ", NULL)");
    }

    @Test
    void unifiedIsMountedAtSysFsCgroupItselfKeepingTheHostsFlags() {
        List<CgroupView.Hierarchy> view = CgroupViews.of(CgroupLayout.parse(UNIFIED, PROC_CGROUPS, "cpu memory pids"),
                List.of(Path.of("/sys/fs/cgroup/hako/c1")));
        assertEquals(List.of(new CgroupView.Hierarchy("", "cgroup2", List.of("nsdelegate", "memory_recursiveprot"))), view);
        String plan = plan(view);
        ContainerProgramTest.assertInOrder(plan,
                "mount(\"cgroup2\", \"/sys/fs/cgroup\", \"cgroup2\", MS_NOSUID|MS_NODEV|MS_NOEXEC, \"nsdelegate,memory_recursiveprot\")",
                "mount(NULL, \"/sys/fs/cgroup\", NULL, MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC|MS_REMOUNT|MS_BIND, NULL)");
        assertEquals(-1, plan.indexOf("tmpfs"), plan);
    }

    @Test
    void onlyTheHierarchiesInWhichTheContainerHasACgroupOfItsOwn() {
        List<CgroupView.Hierarchy> view = CgroupViews.of(CgroupLayout.parse(HYBRID, PROC_CGROUPS, ""),
                List.of(Path.of("/sys/fs/cgroup/memory/hako/c1"), Path.of("/sys/fs/cgroup/unified/hako/c1")));
        assertEquals(List.of("memory", "unified"), view.stream().map(CgroupView.Hierarchy::name).toList(),
                "in the others it is in the JVM's cgroup, which its view must not show");
    }

    @Test
    void noCgroupsNoSteps() {
        assertEquals(List.of(), CgroupViews.of(CgroupLayout.parse("", PROC_CGROUPS, null), List.of()));
        assertThrows(IllegalArgumentException.class, () -> new CgroupView.Hierarchy("../x", "cgroup", List.of()));
    }
}
