package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerException;
import dev.hako.ContainerProcess;
import dev.hako.ExitStatus;
import dev.hako.Mount;
import dev.hako.Namespace;
import dev.hako.linux.linux_h;
import dev.hako.testing.JvmResources;
import dev.hako.testing.KernelTest;
import dev.hako.testing.Screen;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.hako.testing.Containers.builder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code terminal(true)}: the command's stdio is a pty of the container's own devpts, and
 * the JVM holds the master. What is asserted is what the kernel's tty layer does (the
 * controlling terminal, the line discipline's echo and signals, the window size), read
 * back through the master; output arrives with the line discipline's {@code \r\n}.
 */
@KernelTest
class TerminalIT {

    private static final Pattern PTS = Pattern.compile("^/dev/pts/(\\d+)\r\n", Pattern.MULTILINE);

    @Test
    void stdioIsAPtyOfTheContainersOwnDevptsAndItsControllingTerminal() throws Exception {
        try (Container c = builder().terminal(true).command("/bin/sh", "-c",
                "tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-three; ls -1 /dev/pts; readlink /proc/self/fd/1;"
                        + " echo to-stderr >&2; : </dev/tty && echo has-ctty").build()) {
            ContainerProcess p = c.start();
            String shown = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), shown);
            Matcher tty = PTS.matcher(shown);
            assertTrue(tty.find(), "tty prints a /dev/pts path:\n" + shown);
            String n = tty.group(1);
            assertTrue(shown.contains("all-three\r\n"), "stdin, stdout and stderr are terminals:\n" + shown);
            assertTrue(shown.contains("\r\n" + n + "\r\nptmx\r\n"),
                    "the container's /dev/pts is a new instance holding this pty only:\n" + shown);
            assertTrue(shown.contains("\r\n/dev/pts/" + n + "\r\n"), "stdout is that same pty:\n" + shown);
            assertTrue(shown.contains("to-stderr\r\n"), "stderr shows on the terminal too:\n" + shown);
            assertTrue(shown.contains("has-ctty\r\n"), "/dev/tty opens: the pty is the controlling terminal:\n" + shown);
            assertEquals(-1, p.getErrorStream().read(), "stderr is merged, as with redirectErrorStream(true)");
        }
    }

    @Test
    void theInitialSizeAndAResizeWhileRunningShowInStty() throws Exception {
        try (Container c = builder().terminal(true).command("/bin/sh", "-c",
                "stty size; echo ready; read x; stty size").build()) {
            ContainerProcess p = c.start();
            Screen screen = new Screen(p.getInputStream());
            assertTrue(screen.await("ready").startsWith("24 80\r\n"), "the default is 80x24:\n" + screen);
            p.resize(100, 40);
            p.getOutputStream().write('\n');
            assertTrue(screen.rest().endsWith("40 100\r\n"), "after resize(100, 40):\n" + screen);
            assertEquals(0, p.waitFor());
        }
        try (Container c = builder().terminal(true).terminalSize(132, 50).command("/bin/stty", "size").build()) {
            ContainerProcess p = c.start();
            assertEquals("50 132\r\n", new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aResizeSendsSigwinchToTheForegroundProcess() throws Exception {
        try (Container c = builder().terminal(true).command("/bin/sh", "-c",
                "trap 'echo winched; exit 3' WINCH; sleep 1000 & echo ready; wait").build()) {
            ContainerProcess p = c.start();
            Screen screen = new Screen(p.getInputStream());
            screen.await("ready");
            p.resize(81, 25);
            assertTrue(screen.rest().contains("winched"), screen.toString());
            assertEquals(3, p.waitFor(), "the shell's trap ran: the kernel sent SIGWINCH");
        }
    }

    @Test
    void ctrlCInterruptsTheForegroundProcess() throws Exception {
        // No PID namespace: a PID 1 ignores SIGINT unless it has a handler, as any init does.
        EnumSet<Namespace> noPid = EnumSet.copyOf(Namespace.all());
        noPid.remove(Namespace.PID);
        try (Container c = builder().terminal(true).namespaces(noPid).command("/bin/sleep", "1000").build()) {
            ContainerProcess p = c.start();
            p.getOutputStream().write(3);
            ExitStatus status = p.awaitStatus();
            assertEquals(linux_h.SIGINT(), status.signal(), "Ctrl-C: " + status);
        }
    }

    @Test
    void theLineDisciplineEchoesWhatIsTyped() throws Exception {
        String script = "echo ready; read line; echo \"got:$line\"";
        try (Container c = builder().terminal(true).command("/bin/sh", "-c", script).build()) {
            ContainerProcess p = c.start();
            Screen screen = new Screen(p.getInputStream());
            screen.await("ready\r\n");
            p.getOutputStream().write("typed\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("typed\r\ngot:typed\r\n", screen.rest(), "echoed by the tty, then printed by the shell");
        }
        try (Container c = builder().terminal(true).command("/bin/sh", "-c", "stty -echo; " + script).build()) {
            ContainerProcess p = c.start();
            Screen screen = new Screen(p.getInputStream());
            screen.await("ready\r\n");
            p.getOutputStream().write("typed\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("got:typed\r\n", screen.rest(), "control: with echo off, only the shell prints it");
        }
    }

    @Test
    void runWorksWithATerminal() throws Exception {
        Container.Result r = builder().terminal(true).command("/bin/sh", "-c", "echo out; echo err >&2").run();
        assertEquals(0, r.exitCode());
        assertEquals("out\r\nerr\r\n", r.stdout());
        assertEquals("", r.stderr());
    }

    @Test
    void closingTheContainerReleasesTheMaster() throws Exception {
        try (Container warm = builder().terminal(true).command("/bin/true").build()) {
            warm.start().getInputStream().readAllBytes();
        }
        JvmResources before = JvmResources.snapshot();
        try (Container c = builder().terminal(true).command("/bin/sleep", "1000").build()) {
            ContainerProcess p = c.start();
            List<String> fds = JvmResources.snapshot().fds();
            assertTrue(fds.stream().anyMatch(fd -> fd.endsWith("ptmx")),
                    "while it runs, the JVM holds the master: " + fds);
            p.getOutputStream().write('x');
        }
        JvmResources.assertNoLeakSince(before);
    }

    @Test
    void aReaderBlockedOnTheTerminalIsWokenByClose() throws Exception {
        // The main process ends, a background one (deaf to the hangup) keeps the terminal
        // open: the read below stays blocked until close() closes the master.
        EnumSet<Namespace> noPid = EnumSet.copyOf(Namespace.all());
        noPid.remove(Namespace.PID);
        Container c = builder().terminal(true).namespaces(noPid)
                .command("/bin/sh", "-c", "trap '' HUP; sleep 1000 & exec sleep 1001").build();
        ContainerProcess p = c.start();
        Thread closer = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(200); // let the read below block first; either order must end the read
            } catch (InterruptedException ignored) {
                // close now then
            }
            c.close();
        });
        InputStream in = p.getInputStream();
        IOException e = assertThrows(IOException.class, () -> in.read());
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        closer.join();
    }

    @Test
    void aTerminalThatCannotBeMadeLeavesNothingBehind() throws Exception {
        try (Container warm = builder().terminal(true).command("/bin/true").build()) {
            warm.start().getInputStream().readAllBytes();
        }
        JvmResources before = JvmResources.snapshot();
        for (int i = 0; i < 3; i++) {
            // A tmpfs over /dev/pts: the container has no ptmx, so no master reaches the JVM.
            Container c = builder().terminal(true).mount(Mount.tmpfs("/dev/pts")).command("/bin/true").build();
            ContainerException e = assertThrows(ContainerException.class, c::start);
            assertTrue(e.getMessage().contains("(terminal)"), e.getMessage());
            assertTrue(e.getMessage().contains("/dev/pts/ptmx"), e.getMessage());
            c.close();
        }
        JvmResources.assertNoLeakSince(before);
    }
}
