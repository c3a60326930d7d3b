package dev.hako.spawn;

import dev.hako.security.User;
import dev.hako.terminal.TerminalSize;
import org.junit.jupiter.api.Test;

import java.lang.ProcessBuilder.Redirect;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The plans of a container with a terminal and of one with passed descriptors, asserted without root. */
class TerminalAndPassedFdsPlanTest {

    private static LaunchConfig config(User user, TerminalSize terminal, List<PassedFd> passed) {
        TestConfig t = new TestConfig().user(user).terminal(terminal).passedFds(passed);
        t.command = List.of("/bin/sh");
        t.env = Map.of("PATH", "/bin");
        t.stdin = Redirect.PIPE;
        t.stdout = Redirect.PIPE;
        t.stderr = Redirect.PIPE;
        t.etcFiles = false;
        return t.build();
    }

    private static String plan(LaunchConfig config) throws Exception {
        try (Arena arena = Arena.ofConfined(); Stdio stdio = Stdio.open(config)) {
            try {
                return ContainerProgram.build(arena, config, stdio, 40, 41, List.of()).toString();
            } finally {
                stdio.closeChildEnds();
            }
        }
    }

    private static void assertInOrder(String plan, String... fragments) {
        int at = 0;
        for (String f : fragments) {
            int found = plan.indexOf(f, at);
            assertTrue(found >= 0, "expected '" + f + "' after position " + at + " in plan:\n" + plan);
            at = found + f.length();
        }
    }

    @Test
    void theTerminalIsMadeAfterEveryMountAndSentBeforeTheChildWaits() throws Exception {
        String plan = plan(config(new User(1000, 1000, List.of(), "/"), new TerminalSize(100, 30), List.of()));
        // 0, 1 and 2 start as one /dev/null of the parent's; the console socket is the third private fd.
        Matcher devNull = Pattern.compile("dup3\\((\\d+), \\d+, 0\\)").matcher(plan);
        assertTrue(devNull.find());
        String nullFd = devNull.group(1);
        for (int i = 0; i < 2; i++) {
            assertTrue(devNull.find());
            assertEquals(nullFd, devNull.group(1), "stdio all from the same /dev/null:\n" + plan);
        }
        assertInOrder(plan, PtyPlanSteps.around(List.of(
                        "dup3(", ", 3, O_CLOEXEC)", ", 4, O_CLOEXEC)", ", 5, O_CLOEXEC)",
                        "close_range(6, ~0U, 0)",
                        "setsid()",
                        "mount(\"devpts\", \"/dev/pts\", \"devpts\"",
                        "(readonlyPaths)"), // the last mounts
                6, 5, 1000, new TerminalSize(100, 30),
                "read(3, buf, 1)  [0 fails]",
                "setresuid(1000, 1000, 1000)",
                "execve("));
    }

    @Test
    void passedDescriptorsKeepTheirNumbersAndThePrivateOnesMoveAroundThem() throws Exception {
        String plan = plan(config(User.ROOT, null, List.of(new PassedFd(3, 60), new PassedFd(10, 61))));
        assertInOrder(plan,
                "-- the JVM's fd 60 as the container's fd 3 (passFd(3, 60))", "dup3(60, ",
                "-- the JVM's fd 61 as the container's fd 10 (passFd(10, 61))", "dup3(61, ",
                "-- the child's descriptor table", "dup3(40, ", "dup3(41, ",
                ", 3, 0)", ", 10, 0)", ", 4, O_CLOEXEC)", ", 5, O_CLOEXEC)",
                "close_range(6, 9, 0)", "close_range(11, ~0U, 0)",
                "the host's root, to detach after the pivot; gets fd 6", // the lowest number neither passed nor private
                "read(4, buf, 1)  [0 fails]");
        assertFalse(plan.contains("dup3(60, 3,"), "staged first, so no move overwrites a source still to move:\n" + plan);
    }

    @Test
    void withoutPassedDescriptorsThePlanIsAsBefore() throws Exception {
        String plan = plan(config(User.ROOT, null, List.of()));
        assertInOrder(plan, ", 3, O_CLOEXEC)", ", 4, O_CLOEXEC)", "close_range(5, ~0U, 0)", "read(3, buf, 1)");
        assertFalse(plan.contains("TIOC"), "no terminal:\n" + plan);
    }
}
