package dev.hako.cgroup;

import dev.hako.cgroup.CgroupLayout.Location;
import dev.hako.testing.KernelTest;
import dev.hako.testing.TestUser;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cgroups without root, on the real unified mount: a throwaway user is handed a subtree of
 * it ({@link DelegatedTree}), and a JVM running as that user ({@link DelegationProbe}) finds
 * it, makes a container's cgroup there, clones a process into it, freezes, kills and removes
 * it; a user given nothing finds nothing and gets the limit check's exact message.
 */
@KernelTest
class RootlessCgroupsIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @Test
    void aDelegatedSubtreeGivesContainersCgroupsThere() throws Exception {
        try (TestUser user = TestUser.create(); DelegatedTree tree = DelegatedTree.make(user)) {
            String id = "rootless-" + ProcessHandle.current().pid();
            Map<String, String> out = probe(user, tree.jvm, "container", id);
            String jvmPath = "/" + tree.mount.relativize(tree.jvm);
            assertEquals("0::" + jvmPath, out.get("cgroup"), "the test put the user's JVM into its leaf");
            assertEquals(tree.delegated.toString(), out.get("root"), "the highest cgroup delegated to the user");
            Path parent = tree.delegated.resolve("hako");
            assertEquals(parent.toString(), out.get("parent"), "cgroupParent /hako below it, beside the JVM's leaf");
            String controllers = tree.hugetlb ? "hugetlb" : "";
            assertEquals(controllers, out.get("controllers"));
            assertEquals("", out.get("blocked"));
            assertEquals("ok", out.get("noLimitsCheck"));
            Path dir = parent.resolve(id);
            assertEquals(dir.toString(), out.get("dir"));
            assertEquals(controllers, out.get("subtreeControl"), "the delegated controllers passed down");
            assertEquals("0::/" + tree.mount.relativize(dir), out.get("childCgroup"),
                    "CLONE_INTO_CGROUP as the user put the child there");
            String[] procs = out.get("procs").split(" pid ");
            assertEquals(procs[1], procs[0], "the child alone is in the container's cgroup");
            assertTrue(out.get("mark").matches("[0-9]+ [0-9]+ ownerGone false"), out.get("mark"));
            if (tree.hugetlb) {
                String[] h = out.get("hugetlb").split(" ");
                assertEquals(Long.toString(2 * Long.parseLong(h[3])), h[1], "the kernel kept the hugetlb limit: " + h[0]);
            } else {
                assertFalse(out.containsKey("hugetlb"));
            }
            assertTrue(out.get("frozen").startsWith("1 "), out.get("frozen"));
            assertEquals("0", out.get("thawed"));
            assertEquals("true", out.get("cpuStat"));
            assertEquals("137 populated 0", out.get("killed"), "cgroup.kill ended the child with SIGKILL");
            assertEquals("false", out.get("dirExists"));
            assertEquals("jvm", out.get("left"), "the container's cgroup and the parent /hako are gone");
            assertEquals(expectedPidsMessage(user, "the one at " + tree.delegated + " offers "
                    + (tree.hugetlb ? "only \"hugetlb\"" : "no controllers") + " in its cgroup.controllers"),
                    out.get("pidsCheck"));
        }
    }

    @Test
    void aJvmInTheDelegatedCgroupItselfBlocksItsControllers() throws Exception {
        try (TestUser user = TestUser.create(); DelegatedTree tree = DelegatedTree.make(user)) {
            String id = "rootless-blocked-" + ProcessHandle.current().pid();
            Map<String, String> out = probe(user, tree.delegated, "container", id);
            assertEquals(tree.delegated.toString(), out.get("root"));
            assertEquals("", out.get("controllers"), "no internal processes: nothing passes through a cgroup with the JVM");
            if (tree.hugetlb) {
                assertTrue(out.get("blocked").startsWith(tree.delegated + " holds processes ["), out.get("blocked"));
            }
            assertEquals("0::/" + tree.mount.relativize(tree.delegated.resolve("hako").resolve(id)), out.get("childCgroup"));
            assertEquals("137 populated 0", out.get("killed"), "core cgroup.kill works without controllers");
            assertEquals("false", out.get("dirExists"));
            assertEquals("jvm", out.get("left"));
        }
    }

    @Test
    void aUserGivenNothingGetsNoCgroupsAndAClearMessage() throws Exception {
        try (TestUser user = TestUser.create()) {
            Map<String, String> out = probe(user, null, "none");
            assertEquals("false", out.get("found"));
            assertEquals("0::/", out.get("cgroup"), "the user's JVM stays in the test JVM's cgroup, the root one");
            String why = "this JVM's cgroup v2 / (the root cgroup) is not delegated to its user: neither it nor a"
                    + " cgroup above it lets this process write the directory, its cgroup.procs and its"
                    + " cgroup.subtree_control";
            assertEquals("no cgroups: " + why, out.get("describe"));
            assertEquals(expectedPidsMessage(user, "there is none: " + why), out.get("pidsCheck"));
            assertEquals("ok", out.get("noLimitsCheck"), "no limit, nothing to refuse");
        }
    }

    /** The whole message of a refused pidsLimit on this machine, after {@code where}. */
    private static String expectedPidsMessage(TestUser user, String where) throws IOException {
        CgroupLayout host = CgroupLayout.detect();
        String machine = switch (host.location(Controller.PIDS)) {
            case V1 -> "on this machine pids is bound to a cgroup v1 hierarchy (" + host.v1Mount(Controller.PIDS)
                    .orElseThrow() + "), which only root may use, and a controller on v1 is not on v2 at all";
            case NONE -> "on this machine pids is not on cgroup v2 at all (" + host + ")";
            case UNIFIED -> "on this machine pids is on cgroup v2 (" + host.unifiedMount().orElseThrow()
                    + "), but not passed down to this user's subtree";
        };
        return "pidsLimit needs the pids controller, and this JVM runs without root (uid " + user.uid() + "), so its"
                + " containers can have cgroups only in a cgroup v2 subtree delegated to its user; " + where + "; "
                + machine + ". To limit a rootless container, run the JVM in a cgroup v2 subtree delegated to its"
                + " user, on a machine with the unified hierarchy (systemd.unified_cgroup_hierarchy=1) and the"
                + " controller delegated: under systemd, Delegate=yes (or Delegate=pids ...) for user@.service and"
                + " the JVM started with systemd-run --user --scope; or have root chown a cgroup directory and its"
                + " cgroup.procs, cgroup.subtree_control and cgroup.threads to the user, enable the controller above"
                + " it, and start the JVM in a child cgroup of it. Otherwise run the JVM as root, or leave pidsLimit unset";
    }

    @Test
    void aRootlessContainerGetsItsCgroupInTheDelegatedSubtreeWithStatsPauseAndKill() throws Exception {
        try (TestUser user = TestUser.create(); DelegatedTree tree = DelegatedTree.make(user)) {
            Process p = user.startJava(DelegatedContainerProbe.class);
            DelegatedTree.move(p.pid(), tree.jvm);
            try (OutputStream in = p.getOutputStream()) {
                in.write("go\n".getBytes(StandardCharsets.UTF_8));
            }
            TestUser.Result r = TestUser.waitFor(p, TIMEOUT);
            assertEquals(0, r.exitCode(), r.describe());
            Map<String, String> out = new LinkedHashMap<>();
            for (String line : r.stdout().split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    out.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            String below = "/" + tree.mount.relativize(tree.delegated.resolve("hako")) + "/";
            assertTrue(out.get("hostCgroup").startsWith("0::" + below), "in the delegated subtree: " + out);
            assertEquals("0::/", out.get("inside"), "its own cgroup is the root of its cgroup namespace");
            assertTrue(out.get("stats").startsWith("ContainerStats["), "stats() answers from the cgroup: " + out);
            assertEquals("frozen 1", out.get("paused"), "pause() froze it through cgroup.freeze");
            assertEquals("frozen 0", out.get("resumed"));
            assertEquals("killed by SIGKILL", out.get("status"), "killAll() through cgroup.kill");
            Path dir = tree.mount.resolve(out.get("hostCgroup").substring(4));
            assertFalse(Files.exists(dir), "close() removed the container's cgroup " + dir);
        }
    }

    /** Runs the probe as {@code user}, first moved into {@code cgroup} (null: left where it is), and parses its lines. */
    private static Map<String, String> probe(TestUser user, Path cgroup, String... args) throws Exception {
        Process p = user.startJava(DelegationProbe.class, args);
        if (cgroup != null) {
            DelegatedTree.move(p.pid(), cgroup);
        }
        try (OutputStream in = p.getOutputStream()) {
            in.write("go\n".getBytes(StandardCharsets.UTF_8));
        }
        TestUser.Result r = TestUser.waitFor(p, TIMEOUT);
        assertEquals(0, r.exitCode(), r.describe());
        System.out.print("probe " + String.join(" ", args) + ":\n" + r.stdout());
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : r.stdout().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                out.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return out;
    }
}
