package dev.hako.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hako.oci.CreateOptions;
import dev.hako.oci.ExecOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line end to end in this JVM, without root: every error path, and each command's flags. */
class CliTest {

    @TempDir
    Path dir;

    /** runc 1.x's flags per command (names and one-letter aliases), which callers may pass. */
    private static final Map<String, Set<String>> RUNC_FLAGS = Map.ofEntries(
            Map.entry("create", Set.of("bundle", "b", "console-socket", "pidfd-socket", "pid-file", "no-pivot",
                    "no-new-keyring", "preserve-fds")),
            Map.entry("run", Set.of("bundle", "b", "console-socket", "pidfd-socket", "detach", "d", "keep",
                    "pid-file", "no-subreaper", "no-pivot", "no-new-keyring", "preserve-fds")),
            Map.entry("exec", Set.of("console-socket", "pidfd-socket", "cwd", "env", "e", "tty", "t", "user", "u",
                    "additional-gids", "g", "process", "p", "detach", "d", "pid-file", "process-label", "apparmor",
                    "no-new-privs", "cap", "c", "preserve-fds", "cgroup", "ignore-paused")),
            Map.entry("kill", Set.of("all", "a")),
            Map.entry("delete", Set.of("force", "f")),
            Map.entry("list", Set.of("format", "f", "quiet", "q")),
            Map.entry("ps", Set.of("format", "f")),
            Map.entry("events", Set.of("interval", "stats")),
            Map.entry("update", Set.of("resources", "r", "blkio-weight", "cpu-period", "cpu-quota", "cpu-burst",
                    "cpu-share", "cpu-rt-period", "cpu-rt-runtime", "cpuset-cpus", "cpuset-mems", "kernel-memory",
                    "kernel-memory-tcp", "memory", "cpu-idle", "memory-reservation", "memory-swap", "pids-limit",
                    "l3-cache-schema", "mem-bw-schema")),
            Map.entry("spec", Set.of("bundle", "b", "rootless")),
            Map.entry("start", Set.of()), Map.entry("state", Set.of()), Map.entry("pause", Set.of()),
            Map.entry("resume", Set.of()), Map.entry("features", Set.of()));

    @Test
    void everyRuncCommandIsThereWithEveryRuncFlag() {
        for (var e : RUNC_FLAGS.entrySet()) {
            Command c = Cli.commands().get(e.getKey());
            assertTrue(c != null, e.getKey());
            for (String name : e.getValue()) {
                assertTrue(c.flags().stream().anyMatch(f -> f.answersTo(name)), e.getKey() + " --" + name);
            }
        }
        assertTrue(Cli.commands().containsKey("checkpoint") && Cli.commands().containsKey("restore"));
        assertTrue(Cli.commands().containsKey("demo"));
    }

    /** Each flag of each command in both syntaxes, with a value of its kind, reaches the parsed arguments alike. */
    @Test
    void everyFlagOfEveryCommandParsesInBothSyntaxes() throws Exception {
        for (Command c : Cli.commands().values()) {
            if (!c.parsesFlags()) {
                continue;
            }
            for (Flag f : c.flags()) {
                String value = switch (f.kind()) {
                    case BOOL -> null;
                    case INT -> "7";
                    case DURATION -> "2s";
                    default -> "v";
                };
                for (String name : names(f)) {
                    List<String> spaced = new ArrayList<>(List.of(name));
                    List<String> joined = new ArrayList<>(List.of(value == null ? name : name + "=" + value));
                    if (value != null) {
                        spaced.add(value);
                    }
                    spaced.add("id");
                    joined.add("id");
                    for (List<String> line : List.of(spaced, joined)) {
                        ParsedArgs p = ArgParser.parse(c.flags(), line, c.stopAfter());
                        String where = c.name() + " " + line;
                        assertEquals(value == null ? "true" : value, p.string(f.name()), where);
                        assertEquals(List.of("id"), p.positional(), where);
                    }
                }
            }
        }
    }

    private static List<String> names(Flag f) {
        List<String> names = new ArrayList<>(List.of("--" + f.name(), "-" + f.name()));
        f.aliases().forEach(a -> names.add("-" + a));
        return names;
    }

    @Test
    void versionIsRuncsLayout() {
        for (String flag : List.of("--version", "-v")) {
            CliTesting.Result r = CliTesting.run(dir, flag);
            assertEquals(0, r.code());
            List<String> lines = r.out().lines().toList();
            assertEquals("hako version 0.1.0", lines.get(0));
            assertEquals("spec: 1.2.0", lines.get(1));
            assertTrue(lines.get(2).startsWith("java: "), r.out());
            assertEquals("", r.err());
        }
    }

    @Test
    void helpForTheAppAndForEachCommand() {
        for (String[] line : new String[][]{{}, {"--help"}, {"-h"}, {"help"}, {"h"}}) {
            CliTesting.Result r = CliTesting.run(dir, line);
            assertEquals(0, r.code(), List.of(line).toString());
            assertTrue(r.out().startsWith("NAME:\n   hako - "), r.out());
            for (String name : RUNC_FLAGS.keySet()) {
                assertTrue(r.out().contains("   " + name + " "), name);
            }
        }
        for (String name : Cli.commands().keySet()) {
            for (String[] line : new String[][]{{name, "-h"}, {name, "--help"}, {"help", name}}) {
                CliTesting.Result r = CliTesting.run(dir, line);
                assertEquals(0, r.code(), List.of(line).toString());
                assertTrue(r.out().startsWith("NAME:\n   hako " + name + " - "), r.out());
            }
        }
    }

    @Test
    void anUnknownCommandHasNoHelpTopic() {
        CliTesting.Result r = CliTesting.run(dir, "frobnicate");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("No help topic for 'frobnicate'"), r.err());
        CliTesting.Result help = CliTesting.run(dir, "help", "frobnicate");
        assertEquals(1, help.code());
        assertTrue(help.err().contains("No help topic for 'frobnicate'"), help.err());
    }

    @Test
    void aMissingIdIsIncorrectUsageWithRuncsMessage() {
        for (String name : List.of("create", "start", "run", "state", "delete", "pause", "resume", "events",
                "update", "kill", "exec", "ps")) {
            CliTesting.Result r = CliTesting.run(dir, name);
            assertEquals(1, r.code(), name);
            assertTrue(r.out().startsWith("Incorrect Usage.\n\nNAME:\n   hako " + name), r.out());
            assertTrue(r.err().contains("hako: \\\"" + name + "\\\" requires "), r.err());
        }
        CliTesting.Result tooMany = CliTesting.run(dir, "state", "a", "b");
        assertTrue(tooMany.err().contains("requires exactly 1 argument(s)"), tooMany.err());
        CliTesting.Result killTooMany = CliTesting.run(dir, "kill", "a", "KILL", "extra");
        assertTrue(killTooMany.err().contains("requires a maximum of 2 argument(s)"), killTooMany.err());
        CliTesting.Result listWithId = CliTesting.run(dir, "list", "x");
        assertTrue(listWithId.err().contains("\\\"list\\\" requires exactly 0 argument(s)"), listWithId.err());
    }

    @Test
    void unknownFlagsAreIncorrectUsage() {
        CliTesting.Result r = CliTesting.run(dir, "delete", "--bogus", "x");
        assertEquals(1, r.code());
        assertTrue(r.out().startsWith("Incorrect Usage: flag provided but not defined: -bogus"), r.out());
        assertTrue(r.err().contains("flag provided but not defined: -bogus"), r.err());
        CliTesting.Result global = CliTesting.run(dir, "--bogus", "list");
        assertEquals(1, global.code());
        assertTrue(global.err().startsWith("Incorrect Usage: flag provided but not defined: -bogus"), global.err());
        CliTesting.Result noValue = CliTesting.run(dir, "--root");
        assertEquals(1, noValue.code());
        assertTrue(noValue.err().contains("flag needs an argument: -root"), noValue.err());
    }

    @Test
    void badGlobalValuesAreRefused() {
        assertTrue(CliTesting.run(dir, "--root", "/", "list").err()
                .contains("Option --root argument should not be set to /"));
        assertTrue(CliTesting.run(dir, "--root", "../../../../../../..", "list").err()
                .contains("should not be set to /"));
        CliTesting.Result format = CliTesting.run(dir, "--log-format", "xml", "list");
        assertEquals(1, format.code());
        assertTrue(format.err().contains("invalid log-format: xml"), format.err());
        assertEquals(1, CliTesting.run(dir, "--rootless", "maybe", "list").code());
        CliTesting.Result log = CliTesting.run(dir, "--log", dir.resolve("no/such/dir/log").toString(), "list");
        assertEquals(1, log.code());
        assertTrue(log.err().contains("cannot open the log"), log.err());
    }

    @Test
    void theDefaultRootIsRuncsWithHakosName() {
        assertEquals(Path.of("/run/hako"), GlobalOptions.defaultRoot(Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), 0));
        assertEquals(Path.of("/run/user/1000/hako"),
                GlobalOptions.defaultRoot(Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), 1000));
        assertEquals(Path.of("/run/hako"), GlobalOptions.defaultRoot(Map.of(), 1000));
    }

    @Test
    void globalOptionsAreAcceptedInBothSyntaxes() throws Exception {
        ParsedArgs p = ArgParser.parse(GlobalOptions.FLAGS, List.of("--root=r", "-log", "l", "--log-format=json",
                "--systemd-cgroup", "--debug", "--rootless=false", "--criu", "/usr/sbin/criu", "state", "x"), 1);
        GlobalOptions g = GlobalOptions.of(p, Map.of(), 0, dir);
        assertEquals(dir.resolve("r"), g.root());
        assertEquals(dir.resolve("l"), g.log());
        assertEquals(LogFile.Format.JSON, g.logFormat());
        assertTrue(g.systemdCgroup() && g.debug());
        assertEquals("false", g.rootless());
        assertEquals(List.of("state", "x"), p.positional());
    }

    /** Every error reaches stderr and, in its format, the --log; its last error line is the message. */
    @Test
    void errorsGoToStderrAndToTheJsonLog() throws Exception {
        Path log = dir.resolve("log.json");
        CliTesting.Result r = CliTesting.run(dir, "--root", dir.resolve("root").toString(), "--log", log.toString(),
                "--log-format", "json", "state", "nope");
        assertEquals(1, r.code());
        assertEquals("", r.out());
        List<String> lines = Files.readAllLines(log);
        JsonNode last = new ObjectMapper().readTree(lines.getLast());
        assertEquals("error", last.get("level").asText());
        assertEquals(r.err().strip(), last.get("msg").asText());
        assertFalse(r.err().isBlank());
        // and a usage error too
        CliTesting.Result usage = CliTesting.run(dir, "--log", log.toString(), "--log-format", "json", "kill");
        assertEquals(1, usage.code());
        assertEquals("hako: \"kill\" requires a minimum of 1 argument(s)",
                new ObjectMapper().readTree(Files.readAllLines(log).getLast()).get("msg").asText());
    }

    @Test
    void withoutALogFileErrorsAreLogrusTextOnStderrOnce() {
        CliTesting.Result r = CliTesting.run(dir, "checkpoint", "--image-path", "/x", "web");
        assertEquals(1, r.code());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().matches("time=\"[-0-9T:]+Z\" level=error msg=\"checkpoint is not supported by hako.*\n"),
                r.err());
        assertTrue(CliTesting.run(dir, "restore", "web").err().contains("restore is not supported by hako"));
    }

    @Test
    void systemdCgroupIsAcceptedWithAWarningWhereCgroupsArePlaced() throws Exception {
        Path log = dir.resolve("log");
        CliTesting.run(dir, "--systemd-cgroup", "--log", log.toString(), "create", "-b", dir.toString(), "x");
        assertTrue(Files.readString(log).contains("level=warning msg=\"--systemd-cgroup is accepted but not used"),
                Files.readString(log));
    }

    @Test
    void createOptionsResolvePathsAgainstTheWorkingDirectory() throws Exception {
        CreateOptions o = Lifecycle.createOptions(CliTesting.invocation("create", dir, "--bundle", "b",
                "--pid-file=p.pid", "--console-socket", "/run/c.sock", "--no-pivot", "--no-new-keyring",
                "--preserve-fds", "2", "id"));
        assertEquals(new CreateOptions(dir.resolve("b"), dir.resolve("p.pid"), Path.of("/run/c.sock"), true, true, 2),
                o);
        CreateOptions defaults = Lifecycle.createOptions(CliTesting.invocation("run", dir, "-d", "id"));
        assertEquals(new CreateOptions(dir, null, null, false, false, 0), defaults);
        assertThrows(UsageException.class, () -> Lifecycle.createOptions(
                CliTesting.invocation("create", dir, "--preserve-fds", "-1", "id")));
        assertThrows(UsageException.class, () -> Lifecycle.createOptions(
                CliTesting.invocation("create", dir, "--preserve-fds", "100000000", "id")));
    }

    @Test
    void execOptionsFromFlagsAndTheCommandAfterTheId() throws Exception {
        ExecOptions o = Exec.options(CliTesting.invocation("exec", dir, "-t", "-d", "-e", "A=1", "--env=B=",
                "--cwd", "/w", "-u", "1000:100", "--pid-file", "p", "--console-socket=s", "--preserve-fds=1", "id",
                "ls", "-l", "--tty"));
        assertEquals(new ExecOptions(null, List.of("ls", "-l", "--tty"), true, true, dir.resolve("p"), dir.resolve("s"),
                List.of("A=1", "B="), "/w", "1000:100", 1), o);
        ExecOptions fromFile = Exec.options(CliTesting.invocation("exec", dir, "-p", "proc.json", "id"));
        assertEquals(dir.resolve("proc.json"), fromFile.processFile());
        assertEquals(List.of(), fromFile.args());
    }

    @Test
    void execRefusesWhatItCannotHonour() {
        for (String[] bad : new String[][]{{"id"}, {"-u", "root", "id", "sh"}, {"-u", "1:x", "id", "sh"},
                {"-e", "NOEQUALS", "id", "sh"}, {"-e", "=v", "id", "sh"}, {"--cap", "CAP_SYS_ADMIN", "id", "sh"},
                {"-g", "10", "id", "sh"}}) {
            assertThrows(UsageException.class, () -> Exec.options(CliTesting.invocation("exec", dir, bad)),
                    List.of(bad).toString());
        }
        CliTesting.Result r = CliTesting.run(dir, "exec", "id");
        assertEquals(255, r.code(), "runc's exit code when exec itself fails");
        assertTrue(r.err().contains("exec args cannot be empty"), r.err());
    }

    @Test
    void signalsByNumberOrNameWithOrWithoutSig() throws Exception {
        assertEquals(9, Lifecycle.signal("9"));
        assertEquals(9, Lifecycle.signal("KILL"));
        assertEquals(9, Lifecycle.signal("SIGKILL"));
        assertEquals(15, Lifecycle.signal("term"));
        assertEquals(10, Lifecycle.signal("SIGUSR1"));
        assertEquals(0, Lifecycle.signal("0"));
        for (String bad : new String[]{"SIGNOPE", "", "-1", "65", "9999999999999"}) {
            assertThrows(UsageException.class, () -> Lifecycle.signal(bad), bad);
        }
        CliTesting.Result r = CliTesting.run(dir, "kill", "id", "SIGNOPE");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown signal \\\"SIGNOPE\\\""), r.err());
    }

    @Test
    void formatsAndIntervalsAreChecked() {
        assertTrue(CliTesting.run(dir, "--root", dir.toString(), "list", "--format", "yaml").err()
                .contains("invalid format option"));
        assertTrue(CliTesting.run(dir, "ps", "-f", "yaml", "id").err().contains("invalid format option"));
        assertTrue(CliTesting.run(dir, "events", "--interval", "0s", "id").err()
                .contains("duration interval must be greater than 0"));
        assertTrue(CliTesting.run(dir, "events", "--interval", "soon", "id").err()
                .contains("invalid value \\\"soon\\\" for flag -interval"));
    }

    @Test
    void theTrainingRunLeavesNothingAndWritesItsStamp() throws Exception {
        Path stamp = dir.resolve("stamp");
        long before;
        try (var s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            before = s.filter(p -> p.getFileName().toString().startsWith("hako-training-")).count();
        }
        Training.main(new String[]{stamp.toString()});
        try (var s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertEquals(before, s.filter(p -> p.getFileName().toString().startsWith("hako-training-")).count());
        }
        List<String> lines = Files.readAllLines(stamp, StandardCharsets.UTF_8);
        assertEquals(Path.of(System.getProperty("java.home")).toRealPath().toString(), lines.get(0));
        assertEquals(Runtime.version().toString(), lines.get(1));
        assertNull(System.getProperty("hako.unused"));
        assertEquals(0, new ByteArrayOutputStream().size());
    }
}
