package dev.hako.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The built {@code hako} launcher (system property {@code hako.launcher}, else target/hako),
 * run as an engine runs it: its own process each time, with a minimal environment.
 */
public final class HakoCommand {
    /** What one call did. */
    public record Result(int code, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + code + ", stdout [" + stdout + "], stderr [" + stderr + "]";
        }
    }

    private HakoCommand() {
    }

    public static Path launcher() {
        Path built = Path.of(System.getProperty("hako.launcher", "target/hako")).toAbsolutePath();
        assertTrue(Files.isExecutable(built), "the packaged launcher is missing or not executable: " + built
                + " (./mvnw package makes it)");
        return built;
    }

    /** {@code hako --root ROOT args...}, stdin empty. */
    public static Result run(Path root, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(launcher().toString(), "--root", root.toString()));
        command.addAll(List.of(args));
        // Files, not pipes: a created container's process inherits the command's stdout and
        // stderr (as an engine's container gets its pipes) and keeps them open after it exits.
        Path out = Files.createTempFile("hako-out-", ".txt");
        Path err = Files.createTempFile("hako-err-", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().clear();
            pb.environment().put("PATH", "/usr/bin:/bin");
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("hako " + String.join(" ", args) + " did not end within 60 s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
