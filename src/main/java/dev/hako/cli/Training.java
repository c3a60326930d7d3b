package dev.hako.cli;


import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The build's training run for the start-up archive (JDK 25's AOT cache, CDS before it):
 * the work of short commands as engines call them, without root and without touching
 * anything outside a temporary directory, so that their classes are loaded, linked and
 * profiled at build time instead of at every call. Not a command: the build runs it.
 *
 * <p>{@code java -XX:AOTCacheOutput=hako-cli.aot -cp hako-cli.jar dev.hako.cli.Training STAMP}
 * writes STAMP: which JDK made the archive, which the launcher compares with the JDK it picked.
 */
final class Training {

    /** A config.json as engines write them, for the parsing a create does first. */
    private static final String CONFIG = """
            {"ociVersion":"1.2.0","process":{"terminal":false,"user":{"uid":0,"gid":0},"args":["sh"],
            "env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","TERM=xterm"],"cwd":"/",
            "capabilities":{"bounding":["CAP_AUDIT_WRITE","CAP_KILL"],"effective":["CAP_KILL"],"permitted":["CAP_KILL"]},
            "rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}],"noNewPrivileges":true},
            "root":{"path":"rootfs","readonly":true},"hostname":"hako",
            "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
            {"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755"]}],
            "linux":{"resources":{"devices":[{"allow":false,"access":"rwm"}],"memory":{"limit":536870912}},
            "namespaces":[{"type":"pid"},{"type":"network"},{"type":"ipc"},{"type":"uts"},{"type":"mount"}],
            "maskedPaths":["/proc/kcore"],"readonlyPaths":["/proc/sys"]},"annotations":{"a":"b"}}
            """;

    private Training() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("hako-training-");
        try {
            train(dir);
        } finally {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        if (args.length == 1) {
            Files.writeString(Path.of(args[0]), stamp(Path.of(System.getProperty("java.home"))));
        }
    }

    /** What the launcher compares: the JDK's home and its release file's runtime version. */
    static String stamp(Path javaHome) throws IOException {
        String version = "";
        for (String line : Files.readAllLines(javaHome.resolve("release"))) {
            if (line.startsWith("JAVA_RUNTIME_VERSION=")) {
                version = line.substring(line.indexOf('=') + 1).replace("\"", "");
            }
        }
        return javaHome.toRealPath() + "\n" + version + "\n";
    }

    private static void train(Path dir) throws IOException {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path bundle = Files.createDirectories(dir.resolve("bundle"));
        // An empty rootfs: create gets through the config's mapping and build() and stops at the
        // command check (no sh in it), before anything is made in the kernel, also as root.
        Files.createDirectories(bundle.resolve("rootfs"));
        // A container another command left, stopped (no process): state, list and delete read it.
        Path left = Files.createDirectories(root.resolve("left"));
        Files.writeString(left.resolve("state.json"), "{\"ociVersion\":\"1.2.0\",\"id\":\"left\",\"phase\":\"running\","
                + "\"pid\":0,\"pidStartTime\":0,\"bundle\":\"" + bundle + "\",\"rootfs\":\"" + bundle.resolve("rootfs")
                + "\",\"created\":\"2026-12-01T00:00:00Z\",\"owner\":\"root\",\"annotations\":{},\"cgroupDirectories\":[]}");
        String log = dir.resolve("log.json").toString();
        String r = root.toString();
        List<List<String>> lines = List.of(
                List.of("--version"),
                List.of("features"),
                List.of("spec", "--bundle", bundle.toString()),
                List.of("--root", r, "--log", log, "--log-format", "json", "state", "nonexistent"),
                List.of("--root", r, "--log", log, "--log-format", "text", "state", "nonexistent"),
                List.of("--root", r, "list"),
                List.of("--root", r, "state", "left"),
                List.of("--root", r, "list", "--format=json"),
                List.of("--root", r, "--log", log, "--log-format=json", "kill", "nonexistent", "KILL"),
                List.of("--root", r, "--log", log, "--log-format=json", "delete", "--force", "nonexistent"),
                List.of("--root", r, "--log", log, "--log-format=json", "delete", "left"),
                List.of("--root", r, "--log", log, "--log-format=json", "create", "--bundle", bundle.toString(),
                        "--pid-file", dir.resolve("pid").toString(), "nonexistent"),
                List.of("--root", r, "--log", log, "--log-format=json", "start", "nonexistent"),
                List.of("--root", r, "--log", log, "--log-format=json", "exec", "-e", "A=1", "nonexistent", "true"),
                List.of("--root", r, "--log", log, "--log-format=json", "update", "--memory", "512m", "nonexistent"),
                List.of("--root", r, "ps", "--format", "json", "nonexistent"),
                List.of("state"),
                List.of("nope"),
                List.of("help", "state"));
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream quiet = new PrintStream(sink, true, StandardCharsets.UTF_8);
        Io io = new Io(new ByteArrayInputStream(new byte[0]), quiet, quiet, Map.of(), dir);
        for (int round = 0; round < 3; round++) {
            for (List<String> line : lines) {
                Cli.run(line, io, Clock.systemUTC());
            }
            sink.reset();
        }
        // The parsing and mapping a create does first, of a config as engines write them.
        dev.hako.spec.Spec spec = dev.hako.spec.Spec.parse(CONFIG.getBytes(StandardCharsets.UTF_8));
        dev.hako.oci.SpecMapping.toBuilder(spec, bundle);
    }
}
