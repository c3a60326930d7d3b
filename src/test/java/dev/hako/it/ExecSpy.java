package dev.hako.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code src/test/c/exec-spy.c}, compiled static at test time into {@code target/}, for
 * {@link ExecIT}'s hostile test: a process inside the container that tries to ptrace and
 * read the memory of every exec child it sees.
 */
final class ExecSpy {
    private static Path binary;

    private ExecSpy() {
    }

    static synchronized Path binary() throws IOException, InterruptedException {
        if (binary == null) {
            Path base = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
            Path source = base.resolve("src/test/c/exec-spy.c");
            Path out = base.resolve("target/exec-spy").toAbsolutePath();
            Process gcc;
            try {
                gcc = new ProcessBuilder("gcc", "-static", "-O2", "-Wall", "-o", out.toString(), source.toString())
                        .redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new IllegalStateException("ExecIT compiles a probe with gcc -static: apt-get install gcc libc6-dev", e);
            }
            String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (gcc.waitFor() != 0 || !Files.isExecutable(out)) {
                throw new IllegalStateException("gcc -static " + source + " failed (static libc: apt-get install"
                        + " libc6-dev):\n" + log);
            }
            binary = out;
        }
        return binary;
    }
}
