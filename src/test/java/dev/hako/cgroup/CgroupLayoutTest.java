package dev.hako.cgroup;

import dev.hako.cgroup.CgroupLayout.Kind;
import dev.hako.cgroup.CgroupLayout.Location;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CgroupLayoutTest {

    /** Debian 12 / Fedora: cgroup v2 only, mounted by systemd. */
    static final String UNIFIED_MOUNTINFO = """
            22 28 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
            23 28 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:13 - proc proc rw
            28 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro
            26 22 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
            27 22 0:25 / /sys/fs/pstore rw,nosuid,nodev,noexec,relatime shared:5 - pstore pstore rw
            """;
    static final String UNIFIED_PROC_CGROUPS = """
            #subsys_name\thierarchy\tnum_cgroups\tenabled
            cpuset\t0\t92\t1
            cpu\t0\t92\t1
            cpuacct\t0\t92\t1
            blkio\t0\t92\t1
            memory\t0\t92\t1
            devices\t0\t92\t1
            freezer\t0\t92\t1
            net_cls\t0\t92\t1
            perf_event\t0\t92\t1
            net_prio\t0\t92\t1
            hugetlb\t0\t92\t1
            pids\t0\t92\t1
            rdma\t0\t92\t1
            misc\t0\t92\t1
            """;
    static final String UNIFIED_CONTROLLERS = "cpuset cpu io memory hugetlb pids rdma misc\n";

    /** Ubuntu 18.04 / CentOS 7: v1 only, cpu and cpuacct (and net_cls, net_prio) co-mounted. */
    static final String LEGACY_MOUNTINFO = """
            25 0 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,data=ordered
            18 25 0:17 / /sys rw,nosuid,nodev,noexec,relatime shared:6 - sysfs sysfs rw
            26 18 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
            27 26 0:23 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,name=systemd
            30 26 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpu,cpuacct
            31 26 0:27 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,net_cls,net_prio
            32 26 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,memory
            33 26 0:29 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,pids
            34 26 0:30 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,cpuset,clone_children
            35 26 0:31 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,freezer
            36 26 0:32 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime shared:19 - cgroup cgroup rw,blkio
            37 26 0:33 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:20 - cgroup cgroup rw,devices
            38 26 0:34 / /sys/fs/cgroup/hugetlb rw,nosuid,nodev,noexec,relatime shared:21 - cgroup cgroup rw,hugetlb
            39 26 0:35 / /sys/fs/cgroup/perf_event rw,nosuid,nodev,noexec,relatime shared:22 - cgroup cgroup rw,perf_event
            """;
    static final String LEGACY_PROC_CGROUPS = """
            #subsys_name\thierarchy\tnum_cgroups\tenabled
            cpuset\t6\t4\t1
            cpu\t3\t98\t1
            cpuacct\t3\t98\t1
            blkio\t8\t98\t1
            memory\t5\t140\t1
            devices\t10\t98\t1
            freezer\t7\t4\t1
            net_cls\t4\t4\t1
            perf_event\t12\t4\t1
            net_prio\t4\t4\t1
            hugetlb\t11\t4\t1
            pids\t9\t105\t1
            """;

    /** This machine: separate v1 hierarchies and a v2 mount holding only hugetlb. */
    static final String HYBRID_MOUNTINFO = """
            31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
            34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
            35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
            37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
            38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
            39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
            40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            """;
    static final String HYBRID_PROC_CGROUPS = """
            #subsys_name\thierarchy\tnum_cgroups\tenabled
            cpuset\t3\t1\t1
            cpu\t1\t1\t1
            cpuacct\t2\t1\t1
            blkio\t7\t1\t1
            memory\t4\t17\t1
            devices\t5\t1\t1
            freezer\t6\t1\t1
            net_cls\t0\t1\t1
            perf_event\t0\t1\t1
            net_prio\t0\t1\t1
            hugetlb\t0\t1\t1
            pids\t8\t1\t1
            """;

    @Test
    void unifiedPutsEveryControllerOnV2() {
        CgroupLayout layout = CgroupLayout.parse(UNIFIED_MOUNTINFO, UNIFIED_PROC_CGROUPS, UNIFIED_CONTROLLERS);
        assertEquals(Kind.UNIFIED, layout.kind());
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup")), layout.unifiedMount());
        for (Controller c : Controller.values()) {
            assertEquals(Location.UNIFIED, layout.location(c), c.name());
            assertEquals(Optional.empty(), layout.v1Mount(c), c.name());
        }
        assertEquals(Set.of(), layout.v1Hierarchies());
        assertTrue(layout.unifiedControllers().containsAll(List.of("io", "memory", "pids", "cpu", "cpuset")));
    }

    @Test
    void unifiedWithoutAControllerAtTheRootHasItNowhere() {
        CgroupLayout layout = CgroupLayout.parse(UNIFIED_MOUNTINFO, UNIFIED_PROC_CGROUPS, "cpu memory pids\n");
        assertEquals(Location.NONE, layout.location(Controller.BLKIO));
        assertEquals(Location.NONE, layout.location(Controller.CPUSET));
        assertEquals(Location.UNIFIED, layout.location(Controller.MEMORY));
        // core features of v2 need no controller
        assertEquals(Location.UNIFIED, layout.location(Controller.FREEZER));
        assertEquals(Location.UNIFIED, layout.location(Controller.CPUACCT));
    }

    @Test
    void aControllerDisabledAtBootIsNowhere() {
        String procCgroups = UNIFIED_PROC_CGROUPS.replace("memory\t0\t92\t1", "memory\t0\t92\t0");
        CgroupLayout layout = CgroupLayout.parse(UNIFIED_MOUNTINFO, procCgroups, "cpu pids\n");
        assertEquals(Location.NONE, layout.location(Controller.MEMORY));
        assertTrue(layout.toString().contains("disabled in /proc/cgroups: memory"), layout.toString());
    }

    @Test
    void legacyFindsEachHierarchyAndCoMountedControllers() {
        CgroupLayout layout = CgroupLayout.parse(LEGACY_MOUNTINFO, LEGACY_PROC_CGROUPS, null);
        assertEquals(Kind.LEGACY, layout.kind());
        assertEquals(Optional.empty(), layout.unifiedMount());
        Path cpu = Path.of("/sys/fs/cgroup/cpu,cpuacct");
        assertEquals(Optional.of(cpu), layout.v1Mount(Controller.CPU));
        assertEquals(Optional.of(cpu), layout.v1Mount(Controller.CPUACCT));
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/memory")), layout.v1Mount(Controller.MEMORY));
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/cpuset")), layout.v1Mount(Controller.CPUSET),
                "clone_children is an option, not a controller");
        for (Controller c : Controller.values()) {
            assertEquals(Location.V1, layout.location(c), c.name());
        }
        assertTrue(!layout.v1Hierarchies().contains(Path.of("/sys/fs/cgroup/systemd")),
                "name=systemd has no controller");
        assertEquals(10, layout.v1Hierarchies().size(), layout.v1Hierarchies().toString());
    }

    @Test
    void legacyWithoutProcCgroupsStillKnowsControllerNames() {
        CgroupLayout layout = CgroupLayout.parse(LEGACY_MOUNTINFO, null, null);
        assertEquals(Location.V1, layout.location(Controller.MEMORY));
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/cpu,cpuacct")), layout.v1Mount(Controller.CPUACCT));
        assertEquals(10, layout.v1Hierarchies().size());
    }

    @Test
    void hybridHasControllersOnV1AndCoreFeaturesOnV2() {
        CgroupLayout layout = CgroupLayout.parse(HYBRID_MOUNTINFO, HYBRID_PROC_CGROUPS, "hugetlb\n");
        assertEquals(Kind.HYBRID, layout.kind());
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/unified")), layout.unifiedMount());
        assertEquals(Set.of("hugetlb"), layout.unifiedControllers());
        for (Controller c : Controller.values()) {
            assertEquals(Location.V1, layout.location(c), c.name());
        }
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/cpuacct")), layout.v1Mount(Controller.CPUACCT));
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/freezer")), layout.v1Mount(Controller.FREEZER));
        assertEquals(8, layout.v1Hierarchies().size(), "systemd's name-only hierarchy is left out");
        assertEquals("hybrid cgroup layout: v1 cpu at /sys/fs/cgroup/cpu, cpuacct at /sys/fs/cgroup/cpuacct,"
                + " cpuset at /sys/fs/cgroup/cpuset, memory at /sys/fs/cgroup/memory, devices at"
                + " /sys/fs/cgroup/devices, freezer at /sys/fs/cgroup/freezer, blkio at /sys/fs/cgroup/blkio,"
                + " pids at /sys/fs/cgroup/pids; v2 at /sys/fs/cgroup/unified with hugetlb", layout.toString());
    }

    @Test
    void hybridWithAControllerMovedToV2() {
        // cgroup_no_v1=memory: memory is not on v1, and the v2 root offers it
        String mountinfo = HYBRID_MOUNTINFO.replace(
                "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n", "");
        CgroupLayout layout = CgroupLayout.parse(mountinfo, HYBRID_PROC_CGROUPS, "memory hugetlb\n");
        assertEquals(Location.UNIFIED, layout.location(Controller.MEMORY));
        assertEquals(Location.V1, layout.location(Controller.PIDS));
        assertEquals(Location.V1, layout.location(Controller.FREEZER), "the v1 freezer wins over the v2 core one");
    }

    @Test
    void escapedMountPointsAndOptionalTags() {
        String mountinfo = """
                40 31 0:37 / /run/my\\040cgroups/mem\\134ory rw,relatime shared:12 master:3 propagate_from:2 - cgroup cgroup rw,memory
                41 31 0:38 /docker/abc /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
                """;
        CgroupLayout layout = CgroupLayout.parse(mountinfo, null, "");
        assertEquals(Optional.of(Path.of("/run/my cgroups/mem\\ory")), layout.v1Mount(Controller.MEMORY));
        assertEquals(Kind.HYBRID, layout.kind());
        assertEquals(Location.NONE, layout.location(Controller.PIDS));
        assertEquals("/docker/abc", MountInfo.cgroupMounts(mountinfo).get(1).root());
    }

    @Test
    void theFirstMountOfAHierarchyCounts() {
        String mountinfo = """
                32 31 0:29 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
                90 88 0:29 / /var/lib/other/memory rw,relatime - cgroup cgroup rw,memory
                """;
        CgroupLayout layout = CgroupLayout.parse(mountinfo, null, null);
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/memory")), layout.v1Mount(Controller.MEMORY));
    }

    @Test
    void noCgroupsAtAll() {
        CgroupLayout layout = CgroupLayout.parse("28 1 259:2 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n",
                null, null);
        assertEquals(Kind.NONE, layout.kind());
        for (Controller c : Controller.values()) {
            assertEquals(Location.NONE, layout.location(c), c.name());
        }
        assertTrue(layout.toString().contains("no cgroup filesystem is mounted"), layout.toString());
    }

    @Test
    void refusesAMangledLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CgroupLayout.parse("32 31 0:29 / /sys/fs/cgroup/memory rw,relatime cgroup rw,memory\n", null, null));
        assertTrue(e.getMessage().contains("mountinfo line 1"), e.getMessage());
    }

    @Test
    void detectsThisMachine() throws Exception {
        CgroupLayout layout = CgroupLayout.detect();
        // whatever the machine, the answer must be self-consistent
        for (Controller c : Controller.values()) {
            assertEquals(layout.location(c) == Location.V1, layout.v1Mount(c).isPresent(), c.name());
        }
    }
}
