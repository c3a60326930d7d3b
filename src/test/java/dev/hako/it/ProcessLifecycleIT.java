package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerProcess;
import dev.hako.ExitStatus;
import dev.hako.Signal;
import dev.hako.testing.KernelTest;
import dev.hako.testing.ProcState;
import dev.hako.testing.TestRootfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exit codes, signals, environment and the convenience entry points. */
@KernelTest
class ProcessLifecycleIT {

    private static final int SIGKILL = 9;

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 42})
    void exitCodeIsReported(int code) throws Exception {
        try (Container c = builder().command("/bin/sh", "-c", "exit " + code).build()) {
            ContainerProcess p = c.start();
            assertEquals(code, p.waitFor());
            assertEquals(code, p.exitValue());
            assertEquals(ExitStatus.exited(code), p.exitStatus());
            assertFalse(p.exitStatus().signaled());
            assertFalse(p.isAlive());
            assertSame(p, p.onExit().get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void destroyForciblyKillsWithSigkill() throws Exception {
        try (Container c = builder().command("sleep", "1000").build()) {
            ContainerProcess p = c.start();
            assertTrue(p.isAlive());
            assertThrows(IllegalThreadStateException.class, p::exitValue);
            assertThrows(IllegalThreadStateException.class, p::exitStatus);
            p.destroyForcibly();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "still running 10 s after SIGKILL");
            assertEquals(137, p.exitValue());
            assertTrue(p.exitStatus().signaled());
            assertEquals(SIGKILL, p.exitStatus().signal());
            assertEquals(ExitStatus.killed(SIGKILL), p.awaitStatus());
        }
    }

    @Test
    void destroyDoesNothingToPid1WithoutTermHandler() throws Exception {
        try (Container c = builder().command("sleep", "1000").build()) {
            ContainerProcess p = c.start();
            ProcState.awaitSleeping(p.pid());
            p.destroy();
            // The kernel drops SIGTERM to a namespace's init without a handler when it is sent:
            // right after destroy() the sleep must still be asleep, nothing fatal pending.
            ProcState.assertAsleepWithNoKillPending(p.pid(), "PID 1 without a TERM handler after SIGTERM");
            assertTrue(p.isAlive());
            p.destroyForcibly();
            assertEquals(ExitStatus.killed(SIGKILL), p.awaitStatus());
        }
    }

    @Test
    void destroyRunsTheTermTrap() throws Exception {
        try (Container c = builder().command("/bin/sh", "-c",
                "trap 'exit 3' TERM; echo ready; while :; do sleep 1 & wait $!; done").build()) {
            ContainerProcess p = c.start();
            awaitLine(p, "ready");
            p.destroy();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "the TERM trap did not end the container");
            assertEquals(3, p.exitValue());
            assertEquals(ExitStatus.exited(3), p.exitStatus());
        }
    }

    @Test
    void signalDeliversAnySignal() throws Exception {
        try (Container c = builder().command("/bin/sh", "-c",
                "trap 'exit 5' USR1; echo ready; while :; do sleep 1 & wait $!; done").build()) {
            ContainerProcess p = c.start();
            awaitLine(p, "ready");
            p.signal(Signal.USR1);
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
            assertEquals(ExitStatus.exited(5), p.exitStatus());
        }
    }

    @Test
    void closeKillsWhatStillRuns() throws Exception {
        Container c = builder().command("sleep", "1000").build();
        ContainerProcess p = c.start();
        long pid = p.pid();
        c.close();
        assertFalse(p.isAlive(), "close() returned before the process was gone");
        assertEquals(ExitStatus.killed(SIGKILL), p.exitStatus());
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "host pid " + pid + " still alive");
        c.close(); // twice is fine
    }

    @Test
    void environmentHasCustomVariablesAndTheDefaultPath() throws Exception {
        String out = ok(builder().hostname("envbox").env("GREETING", "hello world").command("env").run());
        Map<String, String> env = new LinkedHashMap<>();
        out.lines().forEach(l -> env.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
        assertEquals("hello world", env.get("GREETING"));
        assertEquals("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", env.get("PATH"));
        assertEquals("/root", env.get("HOME"));
        assertEquals("envbox", env.get("HOSTNAME"));
        for (String hostVariable : System.getenv().keySet()) {
            if (!Map.of("GREETING", 0, "PATH", 0, "HOME", 0, "HOSTNAME", 0).containsKey(hostVariable)) {
                assertFalse(env.containsKey(hostVariable), "the JVM's " + hostVariable + " leaked in: " + env);
            }
        }
    }

    @Test
    void environmentMayOverridePath() throws Exception {
        assertEquals("/bin\n", ok(builder().env("PATH", "/bin").command("/bin/sh", "-c", "echo $PATH").run()));
    }

    @Test
    void containerRunConvenience() throws Exception {
        Container.Result r = Container.run(TestRootfs.path(), "echo", "hi");
        assertEquals("hi\n", r.stdout());
        assertEquals("", r.stderr());
        assertEquals(0, r.exitCode());
        assertEquals(ExitStatus.exited(0), r.status());
    }

    private static void awaitLine(ContainerProcess p, String expected) throws Exception {
        BufferedReader reader = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals(expected, reader.readLine());
    }
}
