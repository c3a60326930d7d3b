package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerProcess;
import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The container's stdin, stdout and stderr: pipes, files, discard, inherit. */
@KernelTest
class StdioIT {

    private static final int MIB = 1 << 20;

    @TempDir
    Path tmp;

    @Test
    void stdinIsEchoedBackThroughPipes() throws Exception {
        try (Container c = builder().command("cat").build()) {
            ContainerProcess p = c.start();
            try (OutputStream in = p.getOutputStream()) {
                in.write("hello\nworld\n".getBytes(StandardCharsets.UTF_8));
            }
            assertEquals("hello\nworld\n", text(p.getInputStream()));
            assertEquals("", text(p.getErrorStream()));
            assertEquals(0, p.waitFor());
        }
    }

    @Test
    void oneMebibyteBothWaysWithoutDeadlock() throws Exception {
        byte[] data = new byte[MIB];
        new Random(42).nextBytes(data);
        try (Container c = builder().command("cat").build()) {
            ContainerProcess p = c.start();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try (OutputStream in = p.getOutputStream()) {
                    in.write(data);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            byte[] echoed = p.getInputStream().readAllBytes();
            writer.join();
            assertEquals(0, p.waitFor());
            assertArrayEquals(data, echoed);
        }
    }

    @Test
    void oneMebibyteOnStdoutAndStderrAtOnce() throws Exception {
        Container.Result r = builder().command("/bin/sh", "-c",
                "head -c 1048576 /dev/zero >&2 & head -c 1048576 /dev/zero; wait").run();
        assertEquals(0, r.exitCode());
        assertEquals(MIB, r.stdout().length());
        assertEquals(MIB, r.stderr().length());
        assertTrue(r.stdout().chars().allMatch(ch -> ch == 0) && r.stderr().chars().allMatch(ch -> ch == 0));
    }

    @Test
    void redirectOutputToFile() throws Exception {
        Path out = tmp.resolve("out.txt");
        try (Container c = builder().redirectOutput(Redirect.to(out.toFile()))
                .command("/bin/sh", "-c", "echo out; echo err >&2").build()) {
            ContainerProcess p = c.start();
            assertEquals(-1, p.getInputStream().read(), "stdout stream of a redirected stdout is empty");
            assertEquals("err\n", text(p.getErrorStream()));
            assertEquals(0, p.waitFor());
        }
        assertEquals("out\n", Files.readString(out));
    }

    @Test
    void redirectInputFromFile() throws Exception {
        Path in = tmp.resolve("in.txt");
        Files.writeString(in, "from a file\n");
        try (Container c = builder().redirectInput(Redirect.from(in.toFile())).command("cat").build()) {
            ContainerProcess p = c.start();
            assertThrows(IOException.class, () -> p.getOutputStream().write(1),
                    "as with ProcessBuilder, the stdin stream of a container whose stdin is redirected"
                            + " from a file is a null stream that refuses writes");
            assertEquals("from a file\n", text(p.getInputStream()));
            assertEquals(0, p.waitFor());
        }
    }

    @Test
    void redirectAppendsToFile() throws Exception {
        Path log = tmp.resolve("log.txt");
        Files.writeString(log, "first\n");
        Container.Result r = builder().redirectOutput(Redirect.appendTo(log.toFile()))
                .redirectError(Redirect.appendTo(log.toFile()))
                .command("/bin/sh", "-c", "echo second; echo third >&2").run();
        assertEquals(0, r.exitCode());
        assertEquals("", r.stdout());
        assertEquals("first\nsecond\nthird\n", Files.readString(log));
    }

    @Test
    void redirectToDiscard() throws Exception {
        Container.Result r = builder().redirectOutput(Redirect.DISCARD)
                .command("/bin/sh", "-c", "echo gone; echo kept >&2").run();
        assertEquals(0, r.exitCode());
        assertEquals("", r.stdout());
        assertEquals("kept\n", r.stderr());
    }

    @Test
    void redirectErrorStreamMergesStderrIntoStdout() throws Exception {
        try (Container c = builder().redirectErrorStream(true)
                .command("/bin/sh", "-c", "echo out; echo err >&2; echo out2").build()) {
            ContainerProcess p = c.start();
            assertEquals("out\nerr\nout2\n", text(p.getInputStream()));
            assertEquals(-1, p.getErrorStream().read(), "stderr stream of a merged stderr is empty");
            assertEquals(0, p.waitFor());
        }
    }

    @Test
    void redirectErrorStreamFollowsAFileRedirect() throws Exception {
        Path out = tmp.resolve("both.txt");
        ok(builder().redirectErrorStream(true).redirectOutput(Redirect.to(out.toFile()))
                .command("/bin/sh", "-c", "echo out; echo err >&2").run());
        assertEquals("out\nerr\n", Files.readString(out));
    }

    @Test
    void inheritIoSharesTheJvmsStdio() throws Exception {
        try (Container c = builder().inheritIO().command("sleep", "1000").build()) {
            ContainerProcess p = c.start();
            for (int fd = 0; fd <= 2; fd++) {
                assertEquals(identity(Path.of("/proc/self/fd/" + fd)), identity(Path.of("/proc/" + p.pid() + "/fd/" + fd)),
                        "fd " + fd + " of the container is the JVM's");
            }
            p.destroyForcibly();
            p.waitFor();
        }
    }

    /** Device and inode of the file an fd refers to. */
    private static String identity(Path fd) throws IOException {
        return Files.getAttribute(fd, "unix:dev") + ":" + Files.getAttribute(fd, "unix:ino");
    }

    private static String text(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
