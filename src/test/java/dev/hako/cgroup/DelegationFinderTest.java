package dev.hako.cgroup;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The search for a delegated subtree on a directory tree laid out like systemd's cgroup v2
 * tree, with a table of what this process may write standing in for the kernel's checks
 * (the real ones are {@link RootlessCgroupsIT}'s).
 */
class DelegationFinderTest {
    @TempDir
    Path tmp;
    private Path mount;
    private Path service;
    private final Set<Path> writable = new HashSet<>();
    private CgroupLayout layout;

    @BeforeEach
    void tree() throws IOException {
        mount = tmp.resolve("cg");
        cgroup(mount, "hugetlb memory pids", "");
        cgroup(mount.resolve("user.slice"), "memory pids", "");
        service = mount.resolve("user.slice/user@1000.service");
        delegated(service, "memory pids", "");
        delegated(service.resolve("app.slice"), "", "");
        delegated(service.resolve("app.slice/jvm.scope"), "", "4242\n");
        delegated(mount.resolve("other"), "", "");
        layout = CgroupLayout.parse("41 31 0:38 / " + mount + " rw,relatime - cgroup2 cgroup2 rw\n", null,
                "hugetlb memory pids");
    }

    private void cgroup(Path dir, String controllers, String procs) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("cgroup.controllers"), controllers + "\n");
        Files.writeString(dir.resolve("cgroup.subtree_control"), "\n");
        Files.writeString(dir.resolve("cgroup.procs"), procs);
    }

    private void delegated(Path dir, String controllers, String procs) throws IOException {
        cgroup(dir, controllers, procs);
        writable.addAll(List.of(dir, dir.resolve("cgroup.procs"), dir.resolve("cgroup.subtree_control")));
    }

    private DelegationFinder.Search search(String own, String parent) throws IOException {
        return new DelegationFinder(layout, writable::contains).search("9:name=systemd:/\n0::" + own + "\n", parent);
    }

    @Test
    void theDefaultParentGoesBelowTheHighestDelegatedCgroupBesideTheJvm() throws IOException {
        DelegatedCgroup d = search("/user.slice/user@1000.service/app.slice/jvm.scope", "/hako").subtree().orElseThrow();
        assertEquals(service, d.root());
        assertEquals(service.resolve("hako"), d.parent());
        assertEquals("/user.slice/user@1000.service/hako", d.parentPath());
        assertEquals(Set.of("memory", "pids"), d.controllers());
        assertEquals(Optional.empty(), d.blocked());
        assertTrue(d.layout().isDelegated());
        assertEquals(CgroupLayout.Location.UNIFIED, d.layout().location(Controller.PIDS));
        assertEquals(CgroupLayout.Location.NONE, d.layout().location(Controller.CPU), "cpu is not delegated");
        assertEquals(Optional.empty(), RootlessCgroups.problem(CgroupLimits.builder().pidsLimit(5)
                .memoryLimit(64L << 20).build(), search("/user.slice/user@1000.service/app.slice/jvm.scope", "/hako")));
    }

    @Test
    void anExplicitParentInTheDelegatedSubtreeIsTakenAsItIs() throws IOException {
        DelegatedCgroup d = search("/user.slice/user@1000.service/app.slice/jvm.scope",
                "/user.slice/user@1000.service/app.slice/mine").subtree().orElseThrow();
        assertEquals(service, d.root());
        assertEquals(service.resolve("app.slice/mine"), d.parent());
    }

    @Test
    void aDelegatedParentTheJvmMeetsOnlyAtTheRootIsRefused() throws IOException {
        DelegationFinder.Search s = search("/user.slice/user@1000.service/app.slice/jvm.scope", "/other/x");
        assertTrue(s.subtree().isEmpty());
        assertEquals("cgroupParent /other/x (" + mount.resolve("other/x") + ") is delegated to this user, but this"
                + " JVM's cgroup " + service.resolve("app.slice/jvm.scope") + " meets it only at " + mount
                + ", whose cgroup.procs this user may not write, and the kernel moves a process (or clones one into a"
                + " cgroup) only where the user may write cgroup.procs of both cgroups' common ancestor: start the JVM"
                + " inside " + mount.resolve("other"), s.whyNone());
    }

    @Test
    void aJvmInACgroupOfRootsFindsNothing() throws IOException {
        DelegationFinder.Search s = search("/user.slice", "/hako");
        assertTrue(s.subtree().isEmpty());
        assertEquals("this JVM's cgroup v2 /user.slice is not delegated to its user: neither it nor a cgroup above it"
                + " lets this process write the directory, its cgroup.procs and its cgroup.subtree_control", s.whyNone());
    }

    @Test
    void processesInTheDelegatedRootBlockItsControllers() throws IOException {
        Files.writeString(service.resolve("cgroup.procs"), "77\n");
        DelegatedCgroup d = search("/user.slice/user@1000.service/app.slice/jvm.scope", "/hako").subtree().orElseThrow();
        assertEquals(Set.of(), d.controllers());
        assertTrue(d.blocked().orElseThrow().startsWith(service + " holds processes [77] of its own"), d.blocked().get());
    }

    @Test
    void aLimitWhoseControllerIsNotDelegatedNamesItAndWhereItIs() throws IOException {
        String message = RootlessCgroups.problem(CgroupLimits.builder().ioWeight(100).build(),
                search("/user.slice/user@1000.service/app.slice/jvm.scope", "/hako")).orElseThrow();
        assertTrue(message.startsWith("ioWeight needs the io controller, and this JVM runs without root"), message);
        assertTrue(message.contains("; the one at " + service + " offers only \"memory pids\" in its cgroup.controllers;"
                + " on this machine io is not on cgroup v2 at all ("), message);
        assertTrue(message.endsWith("Otherwise run the JVM as root, or leave ioWeight unset"), message);
    }

    @Test
    void withoutAV2HierarchyThereIsNothingToFind() throws IOException {
        layout = CgroupLayout.parse("35 31 0:32 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n", null, null);
        DelegationFinder.Search s = search("/", "/hako");
        assertTrue(s.whyNone().startsWith("this machine has no cgroup v2 (unified) hierarchy"), s.whyNone());
        String message = RootlessCgroups.problem(CgroupLimits.builder().pidsLimit(3).build(), s).orElseThrow();
        assertTrue(message.contains("; there is none: this machine has no cgroup v2 (unified) hierarchy"), message);
        assertTrue(message.contains("on this machine pids is bound to a cgroup v1 hierarchy (/sys/fs/cgroup/pids)"), message);
    }
}
