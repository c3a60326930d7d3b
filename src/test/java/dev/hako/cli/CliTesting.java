package dev.hako.cli;

import dev.hako.oci.OciRuntime;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/** Runs command lines in this JVM with captured streams, and builds invocations for option tests. */
final class CliTesting {

    /** One command line's outcome. */
    record Result(int code, String out, String err) {
    }

    private CliTesting() {
    }

    static Result run(Path cwd, String... args) {
        String stdin = "";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Io io = new Io(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of(), cwd);
        int code = Cli.run(List.of(args), io, Clock.systemUTC());
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The named command's arguments parsed as the command line would, against {@code cwd}; log lines to {@code log}. */
    static Invocation invocation(String command, Path cwd, ByteArrayOutputStream log, String stdin, String... args)
            throws UsageException {
        Command c = Cli.commands().get(command);
        ParsedArgs parsed = ArgParser.parse(c.flags(), List.of(args), c.stopAfter());
        PrintStream err = new PrintStream(log, true, StandardCharsets.UTF_8);
        LogFile logFile = LogFile.toStderr(log, LogFile.Format.TEXT, false, Clock.systemUTC());
        Io io = new Io(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), err, Map.of(), cwd);
        GlobalOptions global = GlobalOptions.of(ArgParser.parse(GlobalOptions.FLAGS, List.of(), 1), Map.of(), 0, cwd);
        return new Invocation(global, parsed, logFile, io, new OciRuntime(global.root(), logFile));
    }

    static Invocation invocation(String command, Path cwd, String... args) throws UsageException {
        return invocation(command, cwd, new ByteArrayOutputStream(), "", args);
    }
}
