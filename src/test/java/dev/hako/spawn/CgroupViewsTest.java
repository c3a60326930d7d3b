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
            p.closeFrom(3);
            p.setsUpInternals("the view");
            CgroupView.open(p, view).attach(p);
            return p.build().toString();
        }
    }

    @Test
    void hybridGetsATmpfsWithABindOfItsOwnCgroupPerHierarchyReadOnlyAndLinksForCoMountedControllers() {
        List<Path> own = List.of(Path.of("/sys/fs/cgroup/systemd/hako/c1"), Path.of("/sys/fs/cgroup/cpu,cpuacct/hako/c1"),
                Path.of("/sys/fs/cgroup/memory/hako/c1"), Path.of("/sys/fs/cgroup/cpuset/hako/c1"),
                Path.of("/sys/fs/cgroup/unified/hako/c1"));
        List<CgroupView.Hierarchy> view = CgroupViews.of(CgroupLayout.parse(HYBRID, PROC_CGROUPS, ""), own, true);
        assertEquals(List.of(
                new CgroupView.Hierarchy("systemd", "/sys/fs/cgroup/systemd/hako/c1"),
                new CgroupView.Hierarchy("cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct/hako/c1"),
                new CgroupView.Hierarchy("memory", "/sys/fs/cgroup/memory/hako/c1"),
                new CgroupView.Hierarchy("cpuset", "/sys/fs/cgroup/cpuset/hako/c1"),
                new CgroupView.Hierarchy("unified", "/sys/fs/cgroup/unified/hako/c1")), view,
                "a sub-cgroup bound elsewhere is not a hierarchy");
        String plan = plan(view);
        String attrs = "{attr_set=MOUNT_ATTR_RDONLY|MOUNT_ATTR_NOSUID|MOUNT_ATTR_NODEV|MOUNT_ATTR_NOEXEC}";
        ContainerProgramTest.assertInOrder(plan,
                "open_tree(AT_FDCWD, \"/sys/fs/cgroup/systemd/hako/c1\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC)",
                "open_tree(AT_FDCWD, \"/sys/fs/cgroup/unified/hako/c1\"",
                "mount(\"tmpfs\", \"/sys/fs/cgroup\", \"tmpfs\", MS_NOSUID|MS_NODEV|MS_NOEXEC, \"mode=755\")",
                "mkdirat(AT_FDCWD, \"/sys/fs/cgroup/systemd\", 0555)",
                "move_mount(3, \"\", AT_FDCWD, \"/sys/fs/cgroup/systemd\"", "close(3)",
                "move_mount(4, \"\", AT_FDCWD, \"/sys/fs/cgroup/cpu,cpuacct\"",
                "symlinkat(\"cpu,cpuacct\", AT_FDCWD, \"/sys/fs/cgroup/cpu\")",
                "symlinkat(\"cpu,cpuacct\", AT_FDCWD, \"/sys/fs/cgroup/cpuacct\")",
                "move_mount(7, \"\", AT_FDCWD, \"/sys/fs/cgroup/unified\"",
                "mount_setattr(AT_FDCWD, \"/sys/fs/cgroup\", AT_RECURSIVE, " + attrs);
        assertEquals(-1, plan.indexOf("\"cgroup\""), "no fresh cgroup mount: " + plan);
    }

    @Test
    void withoutACgroupNamespaceV1ShowsItsOwnDirectoryAndV2TheWholeHierarchy() {
        List<CgroupView.Hierarchy> view = CgroupViews.of(CgroupLayout.parse(HYBRID, PROC_CGROUPS, ""),
                List.of(Path.of("/sys/fs/cgroup/memory/hako/c1"), Path.of("/sys/fs/cgroup/unified/hako/c1")), false);
        assertEquals(List.of(new CgroupView.Hierarchy("memory", "/sys/fs/cgroup/memory/hako/c1"),
                new CgroupView.Hierarchy("unified", "/sys/fs/cgroup/unified")), view);
    }

    @Test
    void unifiedIsBoundAtSysFsCgroupItself() {
        List<CgroupView.Hierarchy> view = CgroupViews.of(CgroupLayout.parse(UNIFIED, PROC_CGROUPS, "cpu memory pids"),
                List.of(Path.of("/sys/fs/cgroup/hako/c1")), true);
        assertEquals(List.of(new CgroupView.Hierarchy("", "/sys/fs/cgroup/hako/c1")), view);
        String plan = plan(view);
        ContainerProgramTest.assertInOrder(plan, "open_tree(AT_FDCWD, \"/sys/fs/cgroup/hako/c1\"",
                "move_mount(3, \"\", AT_FDCWD, \"/sys/fs/cgroup\"",
                "mount_setattr(AT_FDCWD, \"/sys/fs/cgroup\", AT_RECURSIVE, {attr_set=MOUNT_ATTR_RDONLY");
        assertEquals(-1, plan.indexOf("tmpfs"), plan);
    }

    @Test
    void onlyTheHierarchiesInWhichTheContainerHasACgroupOfItsOwn() {
        List<CgroupView.Hierarchy> view = CgroupViews.of(CgroupLayout.parse(HYBRID, PROC_CGROUPS, ""),
                List.of(Path.of("/sys/fs/cgroup/memory/hako/c1"), Path.of("/sys/fs/cgroup/unified/hako/c1")), true);
        assertEquals(List.of("memory", "unified"), view.stream().map(CgroupView.Hierarchy::name).toList(),
                "in the others it is in the JVM's cgroup, which its view must not show");
    }

    @Test
    void noCgroupsNoSteps() {
        assertEquals(List.of(), CgroupViews.of(CgroupLayout.parse("", PROC_CGROUPS, null), List.of(), true));
        assertThrows(IllegalArgumentException.class, () -> new CgroupView.Hierarchy("../x", "/sys/fs/cgroup/x"));
    }
}
