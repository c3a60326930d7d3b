package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerException;
import dev.hako.ContainerProcess;
import dev.hako.ExitStatus;
import dev.hako.Mount;
import dev.hako.linux.linux_h;
import dev.hako.testing.JvmResources;
import dev.hako.testing.KernelTest;
import dev.hako.testing.Screen;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static dev.hako.testing.Containers.builder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code execBuilder(...).terminal(true)}, like {@code docker exec -t}: the exec'd process
 * gets a pty of the running container's own devpts as its stdio and controlling terminal,
 * while the container's command has none. Asserted through what the kernel's tty layer
 * does, read back through the master.
 */
@KernelTest
class ExecTerminalIT {

    private static final Pattern PTS = Pattern.compile("^/dev/pts/(\\d+)\r\n", Pattern.MULTILINE);

    private static String readAll(ContainerProcess p) throws Exception {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    /**
     * The JVM's children now: an exec'd process is one (zombies too, until reaped). Other
     * tests' processes may still be going away meanwhile, so only a new pid means something.
     */
    private static Set<Long> children() {
        return ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    @Test
    void theExecGetsAPtyOfTheContainersDevptsAsItsControllingTerminalOwnedByItsUser() throws Exception {
        try (Container box = builder().command("sleep", "1000").build()) {
            ContainerProcess first = box.start();
            ContainerProcess sh = box.execBuilder("sh", "-c",
                    "tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-three; : </dev/tty && echo has-ctty;"
                            + " echo owner=$(stat -c %u:%g $(tty)) dev=$(stat -c %d $(tty)); echo ready; read x")
                    .terminal(true).user("1234:5678").start();
            Screen screen = new Screen(sh.getInputStream());
            String shown = screen.await("ready\r\n");
            Matcher tty = PTS.matcher(shown);
            assertTrue(tty.find(), "tty prints a /dev/pts path:\n" + shown);
            String n = tty.group(1);
            assertTrue(shown.contains("all-three\r\n"), "stdin, stdout and stderr are terminals:\n" + shown);
            assertTrue(shown.contains("has-ctty\r\n"), "/dev/tty opens: the pty is its controlling terminal:\n" + shown);
            assertTrue(shown.contains("owner=1234:"), "the exec's user owns its terminal:\n" + shown);

            // While it runs, the container's own /dev/pts shows that pty (and only it).
            ContainerProcess ls = box.exec("ls", "-1", "/dev/pts");
            assertEquals(n + "\nptmx\n", readAll(ls), "ls /dev/pts inside the container");
            assertEquals(0, ls.waitFor());
            // The container's devpts instance, not the host's: another filesystem.
            Matcher dev = Pattern.compile("dev=(\\d+)\r\n").matcher(shown);
            assertTrue(dev.find(), shown);
            long hostDevpts = (Long) Files.getAttribute(Path.of("/dev/pts"), "unix:dev");
            assertNotEquals(hostDevpts, Long.parseLong(dev.group(1)), "st_dev of the pty against the host's /dev/pts");
            // The container's command has no terminal: its stdin is still the pipe from start().
            ContainerProcess fd0 = box.exec("readlink", "/proc/1/fd/0");
            String firstStdin = readAll(fd0);
            assertTrue(firstStdin.startsWith("pipe:"), "the container's command keeps its pipes: " + firstStdin);

            sh.getOutputStream().write('\n');
            assertEquals("\r\n", screen.rest(), "the echoed newline, then the end of the terminal");
            assertEquals(0, sh.waitFor());
            assertEquals(-1, sh.getErrorStream().read(), "stderr is merged into the terminal");
            assertTrue(first.isAlive());
        }
    }

    @Test
    void sttyShowsTheInitialSizeAndTheOneAfterResize() throws Exception {
        try (Container box = builder().command("sleep", "1000").build()) {
            box.start();
            ContainerProcess p = box.execBuilder("sh", "-c", "stty size; echo ready; read x; stty size")
                    .terminal(true).terminalSize(120, 40).start();
            Screen screen = new Screen(p.getInputStream());
            assertEquals("40 120\r\n", screen.await("ready\r\n"), "terminalSize(120, 40)");
            p.resize(100, 30);
            p.getOutputStream().write('\n');
            assertEquals("\r\n30 100\r\n", screen.rest(), "after resize(100, 30)");
            assertEquals(0, p.waitFor());

            ContainerProcess byDefault = box.execBuilder("stty", "size").terminal(true).start();
            assertEquals("24 80\r\n", readAll(byDefault), "the default size");
            assertEquals(0, byDefault.waitFor());
        }
    }

    @Test
    void ctrlCInterruptsTheExecsForegroundProcess() throws Exception {
        // With the container's PID namespace: the exec'd process is not its PID 1, so SIGINT is not ignored.
        try (Container box = builder().command("sleep", "1000").build()) {
            ContainerProcess first = box.start();
            ContainerProcess sleep = box.execBuilder("sleep", "1000").terminal(true).start();
            sleep.getOutputStream().write(3);
            ExitStatus status = sleep.awaitStatus();
            assertEquals(linux_h.SIGINT(), status.signal(), "Ctrl-C: " + status);
            assertTrue(first.isAlive(), "the container's command has no terminal, so no Ctrl-C reached it");
        }
    }

    @Test
    void theMasterIsReleasedOnceTheExecHasEndedAndTheContainerIsClosed() throws Exception {
        try (Container warm = builder().command("sleep", "1000").build()) {
            warm.start();
            readAll(warm.execBuilder("true").terminal(true).start());
        }
        JvmResources before = JvmResources.snapshot();
        try (Container box = builder().command("sleep", "1000").build()) {
            box.start();
            List<String> withoutTerminal = JvmResources.snapshot().fds();
            assertFalse(withoutTerminal.stream().anyMatch(fd -> fd.endsWith("ptmx")), withoutTerminal.toString());
            ContainerProcess tty = box.execBuilder("tty").terminal(true).start();
            List<String> fds = JvmResources.snapshot().fds();
            assertTrue(fds.stream().anyMatch(fd -> fd.endsWith("ptmx")), "the JVM holds the master: " + fds);
            assertTrue(PTS.matcher(readAll(tty)).find());
            assertEquals(0, tty.waitFor());
        }
        JvmResources.assertNoLeakSince(before);
    }

    @Test
    void aTerminalWithRedirectsFailsInTheBuilderAndStartsNothing() throws Exception {
        try (Container box = builder().command("sleep", "1000").build()) {
            box.start();
            JvmResources before = JvmResources.snapshot();
            Set<Long> children = children();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> box.execBuilder("true")
                    .terminal(true).redirectOutput(Redirect.to(new File("/dev/null"))).start());
            assertTrue(e.getMessage().contains("terminal(true)") && e.getMessage().contains("redirectOutput("),
                    e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> box.execBuilder("true").terminal(true).inheritIO().start());
            IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                    () -> box.execBuilder("true").terminalSize(100, 40).start());
            assertTrue(size.getMessage().contains("terminalSize(100, 40)"), size.getMessage());
            assertTrue(children.containsAll(children()), "no process was started: " + children + " -> " + children());
            JvmResources.assertNoLeakSince(before);
            assertEquals("ptmx\n", readAll(box.exec("ls", "/dev/pts")), "no pty was made in the container");
        }
    }

    @Test
    void aTerminalThatCannotBeMadeFailsTheExecNamingItAndLeavesNothing() throws Exception {
        // A tmpfs over the container's /dev/pts: it has no ptmx, so the exec's child cannot make a pty.
        try (Container box = builder().mount(Mount.tmpfs("/dev/pts")).command("sleep", "1000").build()) {
            ContainerProcess first = box.start();
            readAll(box.exec("true"));
            JvmResources before = JvmResources.snapshot();
            Set<Long> children = children();
            for (int i = 0; i < 3; i++) {
                ContainerException e = assertThrows(ContainerException.class,
                        () -> box.execBuilder("true").terminal(true).start());
                assertTrue(e.getMessage().contains("(terminal)"), e.getMessage());
                assertTrue(e.getMessage().contains("/dev/pts/ptmx"), e.getMessage());
            }
            assertTrue(children.containsAll(children()),
                    "every failed exec's child was reaped: " + children + " -> " + children());
            JvmResources.assertNoLeakSince(before);
            assertTrue(first.isAlive(), "the container runs on");
            assertEquals("ok\n", readAll(box.exec("echo", "ok")), "and takes execs without a terminal");
        }
    }
}
