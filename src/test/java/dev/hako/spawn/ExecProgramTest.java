package dev.hako.spawn;

import dev.hako.Namespace;
import dev.hako.seccomp.Arch;
import dev.hako.seccomp.Profile;
import dev.hako.security.ResourceLimit;
import dev.hako.security.User;
import dev.hako.terminal.TerminalSize;
import org.junit.jupiter.api.Test;

import java.lang.ProcessBuilder.Redirect;
import java.lang.foreign.Arena;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Plans of a child joining a running container, asserted without root. */
class ExecProgramTest {

    private static LaunchConfig container(Set<Namespace> namespaces) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/bin:/bin");
        TestConfig t = new TestConfig().rlimits(List.of(ResourceLimit.of("NOFILE", 100, 200)))
                .seccomp(Profile.dockerDefault().compile(Arch.host()));
        t.namespaces = namespaces;
        t.hostname = "box";
        t.command = List.of("sleep", "1000");
        t.env = env;
        return t.build();
    }

    private static String plan(LaunchConfig container, ExecConfig exec) throws Exception {
        try (Arena arena = Arena.ofConfined();
             Stdio stdio = Stdio.open(exec)) {
            try {
                return ExecProgram.build(arena, container, exec, stdio, 40, 41, 42, 4242, null, new int[0]).toString();
            } finally {
                stdio.closeChildEnds();
            }
        }
    }

    private static ExecConfig exec(User user, String workingDir) {
        return new ExecConfig(List.of("ps", "-ef"), Map.of("PATH", "/bin"), user, workingDir,
                Redirect.INHERIT, Redirect.INHERIT, Redirect.INHERIT, false, null);
    }

    private static ExecConfig withTerminal(User user, TerminalSize size) {
        return new ExecConfig(List.of("sh"), Map.of("PATH", "/bin"), user, "/",
                Redirect.PIPE, Redirect.PIPE, Redirect.PIPE, false, size);
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
    void joiningChildIsNonDumpableFirstThenJoinsThenTakesTheContainersPrivileges() throws Exception {
        String plan = plan(container(Namespace.all()), exec(new User(1000, 1000, List.of(), "/home/u"), "/srv"));
        String first = plan.lines().filter(l -> !l.startsWith("     --")).findFirst().orElseThrow();
        assertTrue(first.contains("prctl(PR_SET_DUMPABLE, 0)"), "the very first step: " + first);
        assertInOrder(plan,
                "dup3(40, 46, 0)", "dup3(41, 47, 0)", "dup3(42, 48, 0)",
                "dup3(46, 3, O_CLOEXEC)", "dup3(47, 4, O_CLOEXEC)", "dup3(48, 5, O_CLOEXEC)",
                "close_range(6, ~0U, 0)",
                "prctl(PR_SET_PDEATHSIG, SIGKILL)", "setsid()",
                "openat(AT_FDCWD, \"/proc/4242/root\", O_RDONLY|O_DIRECTORY|O_CLOEXEC|O_PATH",
                "setns(5, ", "close(5)", "fchdir(6)", "chroot(\".\")", "close(6)",
                "read(3, buf, 1)",
                "prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN)",
                "setresgid(1000, 1000, 1000)", "setresuid(1000, 1000, 1000)",
                "capset(", "prctl(PR_SET_NO_NEW_PRIVS, 1)", "prlimit64(0, RLIMIT_NOFILE",
                "chdir(\"/srv\")",
                "rt_sigprocmask(SIG_SETMASK, [], NULL",
                "seccomp(SECCOMP_SET_MODE_FILTER",
                "execve(\"/bin/ps\", [\"ps\", \"-ef\"], [1 vars])");
        for (String ns : List.of("CLONE_NEWNS", "CLONE_NEWPID", "CLONE_NEWUTS", "CLONE_NEWIPC", "CLONE_NEWNET",
                "CLONE_NEWCGROUP")) {
            String setns = plan.lines().filter(l -> l.contains("setns(5, ")).findFirst().orElseThrow();
            assertTrue(setns.contains(ns), ns + " joined: " + setns);
        }
        for (String creating : List.of("mount(", "pivot_root(", "unshare(", "sethostname(", "mkdirat(")) {
            assertFalse(plan.contains(creating), "a joining child creates nothing (" + creating + "):\n" + plan);
        }
    }

    @Test
    void joinsOnlyTheNamespacesTheContainerHas() throws Exception {
        String plan = plan(container(EnumSet.of(Namespace.MOUNT, Namespace.UTS)), exec(User.ROOT, "/"));
        String setns = plan.lines().filter(l -> l.contains("setns(5, ")).findFirst().orElseThrow();
        assertTrue(setns.contains("setns(5, CLONE_NEWNS|CLONE_NEWUTS)"), setns);
    }

    @Test
    void theTerminalIsMadeInTheContainersDevptsAfterTheSetnsAndSentBeforeTheWait() throws Exception {
        String plan = plan(container(Namespace.all()), withTerminal(new User(1000, 1000, List.of(), "/"),
                new TerminalSize(100, 30)));
        // Private fds: sync 3, error 4, the console socket 5, the container's pidfd 6.
        assertInOrder(plan, PtyPlanSteps.around(List.of(
                        "prctl(PR_SET_DUMPABLE, 0)",
                        "dup3(40, ", "dup3(41, ", "dup3(42, ",
                        ", 3, O_CLOEXEC)", ", 4, O_CLOEXEC)", ", 5, O_CLOEXEC)", ", 6, O_CLOEXEC)",
                        "close_range(7, ~0U, 0)",
                        "setsid()",
                        "setns(6, ", "close(6)"),
                6, 5, 1000, new TerminalSize(100, 30),
                "read(3, buf, 1)  [0 fails]",
                "setresuid(1000, 1000, 1000)",
                "execve(\"/bin/sh\""));
        assertEquals(1, plan.split("/dev/pts/ptmx", -1).length - 1, "one pty, made once:\n" + plan);
    }

    @Test
    void withoutATerminalTheJoiningChildMakesNone() throws Exception {
        String plan = plan(container(Namespace.all()), exec(User.ROOT, "/"));
        assertFalse(plan.contains("TIOC") || plan.contains("ptmx") || plan.contains("sendmsg"), plan);
    }
}
