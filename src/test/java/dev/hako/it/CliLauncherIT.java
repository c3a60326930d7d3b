package dev.hako.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The built launcher, target/hako, as engines call it: by absolute path from another
 * directory, with a minimal environment, as root and as a plain user, with its start-up
 * archive. The jar and the archive are the build's (the package phase makes them).
 */
@KernelTest
class CliLauncherIT {


    private record Run(int code, String stdout, String stderr) {
    }

    private Path dir;

    @BeforeEach
    void tempDir() throws IOException {
        dir = Files.createTempDirectory("hako-launcher-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
    }

    @AfterEach
    void removeTempDir() throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static Path launcher() {
        Path built = Path.of(System.getProperty("hako.launcher", "target/hako")).toAbsolutePath();
        assertTrue(Files.isExecutable(built), "the packaged launcher is missing or not executable: " + built);
        return built;
    }

    /** Runs {@code command} in {@code cwd} with exactly {@code env}, feeding {@code stdin}. */
    private static Run run(List<String> command, Path cwd, Map<String, String> env, String stdin)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "hako did not end: " + command);
        return new Run(p.exitValue(), out, err.join());
    }

    private Run hako(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(launcher().toString()));
        command.addAll(List.of(args));
        return run(command, dir, Map.of("PATH", "/usr/bin:/bin"), "");
    }

    @Test
    void versionWithAnEmptyEnvironmentFromAnotherDirectory() throws Exception {
        for (Path cwd : List.of(Path.of("/"), dir)) {
            Run r = run(List.of("/usr/bin/env", "-i", launcher().toString(), "--version"), cwd, Map.of(), "");
            assertEquals(0, r.code(), r.stderr());
            List<String> lines = r.stdout().lines().toList();
            assertEquals("hako version 0.1.0", lines.get(0));
            assertEquals("spec: 1.2.0", lines.get(1));
            assertTrue(lines.get(2).startsWith("java: "), r.stdout());
            assertEquals("", r.stderr(), "nothing on stderr: engines show it to users");
        }
        // a PATH with nothing on it, and JAVA_HOME naming a JDK too old: the launcher copes
        Run odd = run(List.of(launcher().toString(), "-v"), Path.of("/"), Map.of("PATH", "/nonexistent",
                "JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64"), "");
        assertEquals(0, odd.code(), odd.stderr());
        assertTrue(odd.stdout().startsWith("hako version 0.1.0\n"), odd.stdout());
        assertEquals("", odd.stderr());
    }

    @Test
    void throughASymbolicLinkTheJarAndArchiveAreStillFound() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("hako"), launcher());
        Run r = run(List.of(link.toString(), "--version"), Path.of("/"), Map.of("HAKO_LAUNCHER_DEBUG", "1"), "");
        assertEquals(0, r.code(), r.stderr());
        assertTrue(r.stderr().contains("archive=-XX:AOTCache=" + launcher().getParent().resolve("hako-cli.aot")),
                r.stderr());
    }

    @Test
    void theArchiveIsUsedForTheCommandsOwnClasses() throws Exception {
        Run r = run(List.of(launcher().toString(), "--version"), Path.of("/"), Map.of("HAKO_LAUNCHER_DEBUG", "1"), "");
        assertEquals(0, r.code(), r.stderr());
        assertTrue(r.stderr().contains("dev.hako.cli.Cli source: shared objects file"), r.stderr());
        // The control: without the archive the same class comes from the jar.
        Run off = run(List.of(launcher().toString(), "--version"), Path.of("/"),
                Map.of("HAKO_LAUNCHER_DEBUG", "1", "HAKO_ARCHIVE", "off"), "");
        assertEquals(0, off.code(), off.stderr());
        assertTrue(off.stderr().contains("archive=none"), off.stderr());
        assertTrue(off.stderr().matches("(?s).*dev\\.hako\\.cli\\.Cli source: (file|jar):.*"), off.stderr());
    }

    /** An installed copy: elsewhere, readable by all, run by a plain user; a stale or broken archive is skipped silently. */
    @Test
    void aCopyElsewhereRunsAsAPlainUserAndSkipsAnArchiveThatDoesNotFit() throws Exception {
        Path target = launcher().getParent();
        for (String name : List.of("hako", "hako-cli.jar", "hako-cli.aot", "hako-cli.aot.jdk")) {
            Files.copy(target.resolve(name), dir.resolve(name), StandardCopyOption.COPY_ATTRIBUTES);
            Files.setPosixFilePermissions(dir.resolve(name), PosixFilePermissions.fromString(
                    name.equals("hako") ? "rwxr-xr-x" : "rw-r--r--"));
        }
        List<String> asNobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "/usr/bin/env", "-i", "HAKO_LAUNCHER_DEBUG=1", dir.resolve("hako").toString(), "--version");
        Run nobody = run(asNobody, Path.of("/"), Map.of("PATH", "/usr/bin:/bin"), "");
        assertEquals(0, nobody.code(), nobody.stderr());
        assertTrue(nobody.stdout().startsWith("hako version 0.1.0\n"), nobody.stdout());
        assertTrue(nobody.stderr().contains("dev.hako.cli.Cli source: shared objects file"), nobody.stderr());

        // A stamp naming another JDK build: the launcher leaves the archive out.
        List<String> stamp = Files.readAllLines(dir.resolve("hako-cli.aot.jdk"));
        Files.writeString(dir.resolve("hako-cli.aot.jdk"), stamp.get(0) + "\n" + stamp.get(1) + "-other\n");
        Run stale = run(List.of(dir.resolve("hako").toString(), "--version"), Path.of("/"),
                Map.of("HAKO_LAUNCHER_DEBUG", "1"), "");
        assertEquals(0, stale.code(), stale.stderr());
        assertTrue(stale.stderr().contains("archive=none"), stale.stderr());

        // A stamp that fits but an archive cut short (a disk that filled up): the JVM skips it, quietly.
        Files.writeString(dir.resolve("hako-cli.aot.jdk"), String.join("\n", stamp) + "\n");
        byte[] head = new byte[100_000];
        try (var in = Files.newInputStream(target.resolve("hako-cli.aot"))) {
            assertEquals(head.length, in.readNBytes(head, 0, head.length));
        }
        Files.write(dir.resolve("hako-cli.aot"), head);
        Run broken = run(List.of(dir.resolve("hako").toString(), "--version"), Path.of("/"), Map.of(), "");
        assertEquals(0, broken.code(), broken.stderr());
        assertTrue(broken.stdout().startsWith("hako version 0.1.0\n"), broken.stdout());
        assertEquals("", broken.stderr(), "a broken archive must not show on stderr");
    }

    @Test
    void aLauncherWithoutItsJarSaysSo() throws Exception {
        Path alone = Files.copy(launcher(), dir.resolve("hako"), StandardCopyOption.COPY_ATTRIBUTES);
        Run r = run(List.of(alone.toString(), "--version"), Path.of("/"), Map.of(), "");
        assertEquals(1, r.code());
        assertTrue(r.stderr().contains(dir.resolve("hako-cli.jar") + " is missing"), r.stderr());
        assertEquals("", r.stdout());
    }

    @Test
    void argumentsStdinAndExitCodesPassThroughUntouched() throws Exception {
        Run unknown = hako("frobnicate");
        assertEquals(1, unknown.code());
        assertTrue(unknown.stderr().contains("No help topic for 'frobnicate'"), unknown.stderr());
        Run exec = hako("exec", "id");
        assertEquals(255, exec.code(), "runc's code when exec itself fails: " + exec.stderr());
        // an argument with a space, quotes and a newline arrives as one argument, unchanged
        Run signal = hako("kill", "some id", "SIG \"X\"\nY");
        assertEquals(1, signal.code());
        assertTrue(signal.stderr().contains("unknown signal \\\"SIG \\\\\\\"X\\\\\\\"\\\\nY\\\""), signal.stderr());
        // stdin reaches the command: update -r - reads the resources from it
        Run stdin = run(List.of(launcher().toString(), "update", "-r", "-", "web"), dir, Map.of(), "not json");
        assertEquals(1, stdin.code());
        assertTrue(stdin.stderr().contains("--resources -: not JSON"), stdin.stderr());
    }

    /** features: the runtime-spec document, as JSON with the versions hako reads. */
    @Test
    void featuresPrintsTheRuntimeSpecDocument() throws Exception {
        Run r = hako("features");
        assertEquals(0, r.code(), r.stderr());
        com.fasterxml.jackson.databind.JsonNode doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.stdout());
        assertEquals("1.0.0", doc.path("ociVersionMin").asText());
        assertEquals("1.2.0", doc.path("ociVersionMax").asText());
    }

    /** spec refuses to overwrite; a fresh bundle gets a config.json that parses. */
    @Test
    void specRefusesToOverwriteAConfig() throws Exception {
        Path config = Files.writeString(dir.resolve("config.json"), "{\"mine\":true}");
        Run r = hako("spec", "--bundle", dir.toString());
        assertEquals(1, r.code());
        assertTrue(r.stderr().contains("File config.json exists. Remove it first"), r.stderr());
        assertEquals("{\"mine\":true}", Files.readString(config));
        Files.delete(config);
        Run fresh = hako("spec", "-b", dir.toString());
        assertEquals(0, fresh.code(), fresh.stderr());
        dev.hako.spec.Spec.parse(Files.readAllBytes(config));
    }

    /**
     * state of a container that does not exist: exit 1, the message on stderr and as the last
     * error of a json --log, as containerd's shim reads it. The message has runc's words that
     * engines match ("does not exist": containerd's not-found).
     */
    @Test
    void stateOfAMissingContainerFailsWithRuncsMessageOnStderrAndInTheLog() throws Exception {
        Path root = Files.createDirectory(dir.resolve("root"));
        Path log = dir.resolve("log.json");
        Run r = hako("--root", root.toString(), "--log", log.toString(), "--log-format", "json", "state", "nope");
        assertEquals(1, r.code(), r.stdout() + r.stderr());
        assertEquals("", r.stdout());
        String message = r.stderr().strip();
        assertEquals("container nope does not exist", message);
        List<String> lines = Files.readAllLines(log);
        JsonNode last = null;
        for (String line : lines) {
            JsonNode n = new ObjectMapper().readTree(line);
            assertTrue(n.has("level") && n.has("msg") && n.has("time"), line);
            if (n.get("level").asText().equals("error")) {
                last = n;
            }
        }
        assertTrue(last != null, lines.toString());
        assertEquals(message, last.get("msg").asText());
    }

    /** list of an empty root prints runc's header alone. */
    @Test
    void listOfAnEmptyRootPrintsTheHeader() throws Exception {
        Path root = Files.createDirectory(dir.resolve("root"));
        Run r = hako("--root", root.toString(), "list");
        assertEquals(0, r.code(), r.stderr());
        assertEquals("ID          PID         STATUS      BUNDLE      CREATED     OWNER\n", r.stdout());
        assertEquals("", r.stderr());
        Run json = hako("--root", root.toString(), "list", "--format", "json");
        assertEquals("null\n", json.stdout());
    }
}
