package dev.hako.it;

import dev.hako.testing.KernelTest;
import dev.hako.testing.TestUser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * hako without root: a child JVM runs as a throwaway plain user ({@link TestUser}) and
 * starts containers ({@link RootlessProbe}); the test, as root, checks what they did. Two
 * users: one with only its own id, one with /etc/subuid and /etc/subgid ranges (mapped
 * through newuidmap and newgidmap).
 */
@KernelTest
class RootlessIT {
    private static TestUser plain;
    private static TestUser ranged;

    @BeforeAll
    static void users() throws Exception {
        plain = TestUser.create();
        ranged = TestUser.builder().subordinateIds(65536).create();
    }

    @AfterAll
    static void removeUsers() throws Exception {
        if (plain != null) {
            plain.close();
        }
        if (ranged != null) {
            ranged.close();
        }
    }

    /** The probe's {@code key=value} lines, as the user's JVM printed them. */
    private static Map<String, String> probe(TestUser user, String... scenarios) throws Exception {
        TestUser.Result r = user.runJava(RootlessProbe.class, scenarios);
        assertEquals(0, r.exitCode(), r.describe());
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : r.stdout().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                out.put(line.substring(0, eq), line.substring(eq + 1).replace("\\n", "\n").replace("\\\\", "\\"));
            }
        }
        for (String s : scenarios) {
            assertFalse(out.containsKey("failed." + s), s + ": " + out.get("failed." + s) + "\n" + r.describe());
        }
        return out;
    }

    @Test
    void aPlainUsersContainerIsRootInsideAndTheUserOutside() throws Exception {
        Map<String, String> out = probe(plain, "basics");
        assertEquals("true", out.get("rootless"));
        assertEquals(Long.toString(plain.uid()), out.get("uid"));
        String[] id = out.get("id").split("\n");
        assertEquals("0:0", id[0], out.get("id"));
        assertEquals("0", id[1]);
        assertEquals("0 " + plain.uid() + " 1", id[2].trim().replaceAll("\\s+", " "), "its own uid alone");
        // The shell counts /proc's pids itself (a glob): a pipeline's processes would race its count.
        assertEquals("0:rl\n1\n1\nlo\n", out.get("isolation"), "hostname, PID 1, its one process (the shell), only loopback");
        String security = out.get("security");
        assertTrue(security.contains("CapEff:\t00000000a80425fb") && security.contains("NoNewPrivs:\t1")
                && security.contains("Seccomp:\t2") && security.contains("no-mount"), security);
        assertTrue(out.get("hostUid").matches("Uid:\\s+" + plain.uid() + "\\s+" + plain.uid() + ".*"),
                "outside, the container's process is the user: " + out.get("hostUid"));
    }

    @Test
    void withSubordinateIdsTheMapIsPodmansDefault() throws Exception {
        Map<String, String> out = probe(ranged, "basics");
        String[] id = out.get("id").split("\n");
        assertEquals("0 " + ranged.uid() + " 1", id[2].trim().replaceAll("\\s+", " "));
        TestUser.SubordinateRange range = ranged.subuids().getFirst();
        assertEquals("1 " + range.start() + " " + range.count(), id[3].trim().replaceAll("\\s+", " "),
                "then the /etc/subuid range, through newuidmap: " + out.get("id"));
    }

    @Test
    void overlayBindsAndWhatTheContainerWritesBelongToTheUser() throws Exception {
        Map<String, String> out = probe(plain, "files");
        assertEquals("0:from the layer\nnew\n", out.get("overlay"));
        assertEquals("new\n", out.get("upperFile"), "the write went to the persistent upper");
        assertEquals("0:0\n", out.get("bind"), "root inside");
        assertEquals(Long.toString(plain.uid()), out.get("bindOwner"), "the user outside");
        assertEquals("0:sh\nread-only\n", out.get("hostRootfs"), "the host's directories, read-only");
        assertEquals("0:t\nro-root\n", out.get("tmpfs"), "a tmpfs on a read-only root");
    }

    @Test
    void lifecycleAndStdioWork() throws Exception {
        Map<String, String> out = probe(plain, "lifecycle");
        assertEquals("7:", out.get("exit"));
        assertEquals("through stdin\n0", out.get("stdin"));
        assertEquals("killed by SIGKILL", out.get("killed"));
        assertEquals("killed by SIGKILL", out.get("killAll"), "its PID 1, and with it its PID namespace");
    }

    @Test
    void execJoinsTheContainerWithAndWithoutAPidNamespace() throws Exception {
        Map<String, String> out = probe(plain, "exec");
        assertTrue(out.get("exec").startsWith("0\n") && out.get("exec").endsWith("\n0"), out.get("exec"));
        assertEquals("accepted", out.get("execPid"), "forked into the container's PID namespace");
    }

    @Test
    void whatNeedsRootIsRefusedClearly() throws Exception {
        Map<String, String> out = probe(plain, "refusals");
        assertTrue(out.get("limit").startsWith("memoryLimit needs the memory controller") && out.get("limit").contains("without root"),
                out.get("limit"));
        assertTrue(out.get("stats").startsWith("stats() needs the container's cgroup"), out.get("stats"));
        assertTrue(out.get("pause").startsWith("pause() needs the container's cgroup"), out.get("pause"));
        assertTrue(out.get("pool").startsWith("ContainerPool needs a JVM with root"), out.get("pool"));
        assertTrue(out.get("foreignMap").contains("uidMap") && out.get("foreignMap").contains("0 0 1"),
                "a map of host ids the user does not own: " + out.get("foreignMap"));
    }

    @Test
    void twoHundredContainersLeaveTheJvmAsItWas() throws Exception {
        Map<String, String> out = probe(plain, "many");
        assertFalse(out.containsKey("manyFailed"), out.get("manyFailed"));
        String before = out.get("before");
        String after = out.get("after");
        assertEquals(before.replaceAll(" threads \\d+", ""), after.replaceAll(" threads \\d+", ""),
                "fds and mounts: " + before + " -> " + after);
        int threadsBefore = Integer.parseInt(before.replaceAll(".* threads ", ""));
        int threadsAfter = Integer.parseInt(after.replaceAll(".* threads ", ""));
        assertTrue(threadsAfter <= threadsBefore + 2, "threads (the JIT may add a compiler thread): " + before + " -> "
                + after);
    }

    @Test
    void startsAndExecsAtOnceDoNotDisturbEachOther() throws Exception {
        Map<String, String> out = probe(ranged, "concurrent");
        String result = out.get("concurrent");
        assertTrue(result.matches("ok \\d+ starts, \\d+ execs"), result);
        String[] words = result.split("\\D+");
        assertTrue(Integer.parseInt(words[1]) >= 10 && Integer.parseInt(words[2]) >= 10,
                "too few to overlap: " + result);
        System.out.println("RootlessIT concurrent: " + result);
    }
}
