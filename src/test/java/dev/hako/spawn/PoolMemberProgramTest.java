package dev.hako.spawn;

import dev.hako.fs.EtcFiles;
import dev.hako.fs.RootfsSetup;
import dev.hako.program.ChildProgram;
import dev.hako.security.User;
import org.junit.jupiter.api.Test;

import java.lang.ProcessBuilder.Redirect;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.hako.spawn.ContainerProgramTest.assertInOrder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pool member's program, asserted without root: its setup ends by telling the pool it
 * is ready and waiting; a start adds its stdio, user, directory and command after that,
 * into the room the setup left.
 */
class PoolMemberProgramTest {
    private static final List<EtcFiles.Entry> ETC = List.of(new EtcFiles.Entry("hostname", "box\n", "/etc/hostname"));

    private static PooledStart start(List<String> command, String dir, User user, boolean merge) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/bin:/bin");
        env.put("GREETING", "hi");
        return new PooledStart(command, env, dir, user, Redirect.PIPE, Redirect.PIPE, Redirect.PIPE, merge);
    }

    /** The member's whole program: its setup with the stdio socket at {@code 50}, then one start. */
    private static String plan(LaunchConfig config, PooledStart start, int[] taskFds) throws Exception {
        try (Arena arena = Arena.ofConfined(); Stdio placeholders = Stdio.placeholders();
             Stdio given = Stdio.open(start.stdin(), start.stdout(), start.stderr(), start.redirectErrorStream())) {
            try {
                ContainerProgram.FirstPart first = ContainerProgram.setUp(arena, config, placeholders, 40, 41, ETC,
                        List.of(), -1, 50, taskFds, RootfsSetup.overlayOption(config.rootfs(), false), true, null);
                ChildProgram.Builder p = first.steps();
                p.buildFirstPart(ContainerProgram.roomForAStart(config));
                ContainerProgram.addAStart(p, config, start, given, first.stdioSocket(), List.of(13));
                return p.build().toString();
            } finally {
                placeholders.closeChildEnds();
                given.closeChildEnds();
            }
        }
    }

    @Test
    void aMemberSaysItIsReadyThenWaitsAndAStartBringsItsStdioUserDirectoryAndCommand() throws Exception {
        String plan = plan(new TestConfig().build(), start(List.of("echo", "hello"), "/tmp",
                new User(1234, 5678, List.of(), "/home/u"), false), new int[0]);
        assertInOrder(plan,
                "close_range(",
                "-- waiting for a start",
                "write(4, <1 bytes>, 1)  # tell the pool this member is ready",
                "read(3, buf, 1)  [0 fails]  # wait for a start",
                "recvmsg(5, ", "dup3(6, 0, 0)", "close(6)",
                "recvmsg(5, ", "dup3(6, 1, 0)", "close(6)",
                "recvmsg(5, ", "dup3(6, 2, 0)", "close(6)",
                "close(5)",
                "setresgid(5678, 5678, 5678)", "setresuid(1234, 1234, 1234)",
                "chdir(\"/tmp\")",
                "rt_sigaction(SIGPIPE, {SIG_DFL}",
                "execve(\"/usr/bin/echo\", [\"echo\", \"hello\"], [2 vars])  [may fail]",
                "execve(\"/bin/echo\"");
    }

    @Test
    void aMergedStderrIsReceivedOnceAndCopied() throws Exception {
        String plan = plan(new TestConfig().build(), start(List.of("/bin/true"), "/", User.ROOT, true), new int[0]);
        assertEquals(2, plan.split("recvmsg\\(", -1).length - 1, plan);
        assertInOrder(plan, "dup3(6, 1, 0)", "dup3(1, 2, 0)  # stderr goes where stdout goes");
    }

    @Test
    void theChildMovesItselfIntoItsV1CgroupsFirst() throws Exception {
        String plan = plan(new TestConfig().build(), start(List.of("/bin/true"), "/", User.ROOT, false),
                new int[] {60, 61});
        assertInOrder(plan,
                "close_range(",
                "-- the container's v1 cgroups",
                "write(6, <1 bytes>, 1)", "close(6)",
                "write(7, <1 bytes>, 1)", "close(7)",
                "prctl(PR_SET_PDEATHSIG");
    }

    @Test
    void aColdPlanHasNoReadySignalNorStdioSocket() throws Exception {
        LaunchConfig config = new TestConfig().build();
        try (Arena arena = Arena.ofConfined(); Stdio stdio = Stdio.open(config)) {
            try {
                String plan = ContainerProgram.build(arena, config, stdio, 40, 41, ETC).toString();
                assertFalse(plan.contains("ready"), plan);
                assertFalse(plan.contains("recvmsg"), plan);
            } finally {
                stdio.closeChildEnds();
            }
        }
    }

    @Test
    void aStartLooksItsCommandUpInAtMostSixtyFourPathEntries() {
        Map<String, String> env = Map.of("PATH", String.join(":", java.util.Collections.nCopies(65, "/bin")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PooledStart(List.of("sh"),
                env, "/", User.ROOT, Redirect.PIPE, Redirect.PIPE, Redirect.PIPE, false));
        assertTrue(e.getMessage().contains("65 entries"), e.getMessage());
        // A full path needs no lookup.
        new PooledStart(List.of("/bin/sh"), env, "/", User.ROOT, Redirect.PIPE, Redirect.PIPE, Redirect.PIPE, false);
    }

    @Test
    void theRoomLeftHoldsAStartWithEveryPathEntry() throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", String.join(":", java.util.Collections.nCopies(64, "/bin")));
        PooledStart longest = new PooledStart(List.of("sh"), env, "/", new User(1, 1, List.of(1, 2, 3), "/"),
                Redirect.PIPE, Redirect.PIPE, Redirect.PIPE, false);
        String plan = plan(new TestConfig().build(), longest, new int[0]);
        assertEquals(64, plan.split("execve\\(", -1).length - 1);
    }
}
