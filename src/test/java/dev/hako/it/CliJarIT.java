package dev.hako.it;

import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged jar as a user first meets it: {@code java -jar hako.jar demo}, with nothing
 * else on the class path and no flags, as root and as a plain user.
 */
@KernelTest
class CliJarIT {

    private record Run(int code, String stdout, String stderr) {
    }

    private static Run javaJar(List<String> prefix, String... args) throws IOException, InterruptedException {
        Path built = Path.of(System.getProperty("hako.jar", "target/hako.jar"));
        assertTrue(Files.isRegularFile(built), "the packaged jar is missing: " + built);
        // A copy that any user can read: the checkout may sit in a home directory only its
        // owner may enter (Debian 12 makes new homes 0700).
        Path dir = Files.createTempDirectory("hako-cli-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        Path jar = Files.copy(built, dir.resolve("hako.jar"));
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.addAll(List.of(args));
        Path err = dir.resolve("stderr");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).directory(Path.of("/").toFile()).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "java -jar did not end");
            return new Run(p.exitValue(), out, Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
            Files.delete(jar);
            Files.delete(dir);
        }
    }

    @Test
    void demoRunsFromTheJarAloneWithoutWarnings() throws Exception {
        Run r = javaJar(List.of(), "demo");
        assertEquals(0, r.code(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("hostname: hako-demo"), r.stdout());
        assertTrue(r.stdout().contains("uid=0"), r.stdout());
        assertEquals("", r.stderr(), "the manifest's Enable-Native-Access must keep the JVM quiet");
    }

    @Test
    void demoRunsAsAPlainUserInAUserNamespace() throws Exception {
        Run r = javaJar(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"), "demo");
        assertEquals(0, r.code(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("rootless: your uid 65534 is root inside"), r.stdout());
        assertTrue(r.stdout().contains("hostname: hako-demo") && r.stdout().contains("uid=0(root)"), r.stdout());
        assertEquals("", r.stderr());
    }

    @Test
    void onTheModulePathEnableNativeAccessForDevHakoKeepsItQuiet() throws Exception {
        String jackson = java.util.Arrays.stream(System.getProperty("jdk.module.path", "").split(java.io.File.pathSeparator))
                .filter(e -> e.contains("jackson")).collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
        assertFalse(jackson.isEmpty(), "Jackson is not on this JVM's module path: " + System.getProperty("jdk.module.path"));
        Path jar = Path.of(System.getProperty("hako.jar", "target/hako.jar")).toAbsolutePath();
        String modulePath = jar + java.io.File.pathSeparator + jackson;
        Run quiet = java(List.of("--module-path", modulePath, "--enable-native-access=dev.hako",
                "-m", "dev.hako/dev.hako.cli.Main", "demo"));
        assertEquals(0, quiet.code(), quiet.stdout() + quiet.stderr());
        assertTrue(quiet.stdout().contains("hostname: hako-demo"), quiet.stdout());
        assertEquals("", quiet.stderr(), "--enable-native-access=dev.hako must cover every restricted call");
        // The control: without the flag the JVM names the module, so the check above can fail.
        Run warned = java(List.of("--module-path", modulePath, "-m", "dev.hako/dev.hako.cli.Main", "demo"));
        assertTrue(warned.stderr().contains("--enable-native-access=dev.hako"), warned.stderr());
    }

    private static Run java(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).directory(Path.of("/").toFile()).start();
        p.getOutputStream().close();
        var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "java did not end");
        return new Run(p.exitValue(), out, err.join());
    }

    @Test
    void helpListsTheCommands() throws Exception {
        Run r = javaJar(List.of(), "help");
        assertEquals(0, r.code(), r.stderr());
        assertTrue(r.stdout().contains("demo"), r.stdout());
    }
}
