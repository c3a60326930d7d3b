package dev.hako.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Test programs of {@code src/test/c}, compiled static at test time into {@code target/},
 * to run inside containers whose rootfs has no libc of their own: {@code exec-spy}
 * ({@link ExecIT}'s hostile process, which tries to ptrace and read the memory of every exec
 * child it sees) and {@code udp-echo} ({@link BridgeNetworkIT}'s UDP server, which busybox's
 * nc here cannot be).
 */
final class StaticPrograms {
    private static final Map<String, Path> BUILT = new HashMap<>();

    private StaticPrograms() {
    }

    /** {@code src/test/c/NAME.c} as a static binary, compiled once per JVM. */
    static synchronized Path binary(String name) throws IOException, InterruptedException {
        Path built = BUILT.get(name);
        if (built == null) {
            Path base = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
            Path source = base.resolve("src/test/c/" + name + ".c");
            Path out = base.resolve("target/" + name).toAbsolutePath();
            Process gcc;
            try {
                gcc = new ProcessBuilder("gcc", "-static", "-O2", "-Wall", "-o", out.toString(), source.toString())
                        .redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new IllegalStateException("the kernel tests compile " + name + " with gcc -static: apt-get install"
                        + " gcc libc6-dev", e);
            }
            String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (gcc.waitFor() != 0 || !Files.isExecutable(out)) {
                throw new IllegalStateException("gcc -static " + source + " failed (static libc: apt-get install"
                        + " libc6-dev):\n" + log);
            }
            BUILT.put(name, built = out);
        }
        return built;
    }
}
