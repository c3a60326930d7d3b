package dev.hako.cli;

import dev.hako.oci.OciException;
import dev.hako.oci.OciRuntime;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code hako} command line, runc's: global options, then a command with its flags and
 * arguments. podman (through conmon) and containerd (through its runc shim) drive it as
 * they drive runc, so names, flags, exit codes, output formats and the log follow runc's.
 *
 * <p>Exit codes: 0, or 1 for an error (255 when {@code exec} fails to start its process);
 * {@code run} and {@code exec} in the foreground exit with their process's code. Every
 * error goes to the log ({@code --log}, in {@code --log-format}) and to stderr.
 */
final class Cli {

    /** This runtime's version, as {@code --version} prints it. */
    static final String VERSION = "0.1.0";
    /** The runtime-spec version hako implements. LEAD: take it from dev.hako.spec once wired. */
    static final String SPEC_VERSION = dev.hako.spec.Spec.OCI_VERSION;

    private static final Map<String, Command> COMMANDS = new LinkedHashMap<>();

    static {
        List<Command> all = new ArrayList<>();
        all.addAll(Unsupported.commands().subList(0, 1));
        all.addAll(Lifecycle.commands());
        all.add(Exec.command());
        all.addAll(Queries.commands());
        all.addAll(Unsupported.commands().subList(1, 2));
        all.add(Update.command());
        all.addAll(SpecFiles.commands());
        all.add(Command.of("demo", "", "run a container on a minimal rootfs built from this host's binaries and show"
                + " what it sees", 0, List.of(), inv -> Main.demo(inv.args().positional())));
        for (Command c : all) {
            COMMANDS.put(c.name(), c);
        }
    }

    private Cli() {
    }

    /** The command table, by name (help is not in it: it is answered before the table). */
    static Map<String, Command> commands() {
        return COMMANDS;
    }

    /** Runs one command line and returns its exit code, without exiting the JVM. */
    static int run(List<String> argv, Io io, Clock clock) {
        ParsedArgs parsed;
        GlobalOptions global;
        try {
            parsed = ArgParser.parse(GlobalOptions.FLAGS, argv, 1);
        } catch (UsageException e) {
            io.err().println("Incorrect Usage: " + e.getMessage());
            io.err().println();
            appHelp(io.err());
            return 1;
        }
        try {
            global = GlobalOptions.of(parsed, io.env(), GlobalOptions.effectiveUid(), io.cwd());
        } catch (UsageException e) {
            io.err().println(e.getMessage());
            return 1;
        }
        if (global.version()) {
            io.out().print(versionText());
            io.out().flush();
            return 0;
        }
        List<String> rest = parsed.positional();
        if (rest.isEmpty() || global.help()) {
            appHelp(io.out());
            return 0;
        }
        LogFile log;
        try {
            log = global.log() == null ? LogFile.toStderr(io.err(), global.logFormat(), global.debug(), clock)
                    : LogFile.append(global.log(), global.logFormat(), global.debug(), clock);
        } catch (IOException e) {
            io.err().println("hako: cannot open the log " + global.log() + ": " + describe(e));
            return 1;
        }
        try (log) {
            return dispatch(rest.getFirst(), rest.subList(1, rest.size()), global, log, io);
        } catch (IOException closing) {
            return 1;
        }
    }

    private static int dispatch(String name, List<String> args, GlobalOptions global, LogFile log, Io io) {
        if (name.equals("help") || name.equals("h")) {
            if (args.isEmpty()) {
                appHelp(io.out());
                return 0;
            }
            Command topic = COMMANDS.get(args.getFirst());
            if (topic == null) {
                return fail(log, io, "No help topic for '" + args.getFirst() + "'");
            }
            commandHelp(topic, io.out());
            return 0;
        }
        Command command = COMMANDS.get(name);
        if (command == null) {
            return fail(log, io, "No help topic for '" + name + "'");
        }
        ParsedArgs parsed;
        try {
            parsed = command.parsesFlags() ? ArgParser.parse(command.flags(), args, command.stopAfter())
                    : new ParsedArgs(Map.of(), args, args.contains("-h") || args.contains("--help"));
        } catch (UsageException e) {
            io.out().println("Incorrect Usage: " + e.getMessage());
            io.out().println();
            commandHelp(command, io.out());
            return fail(log, io, e.getMessage());
        }
        if (parsed.help()) {
            commandHelp(command, io.out());
            return 0;
        }
        String arity = command.arityError(parsed.positional().size());
        if (arity != null) {
            io.out().println("Incorrect Usage.");
            io.out().println();
            commandHelp(command, io.out());
            return fail(log, io, "hako: " + arity);
        }
        if (global.systemdCgroup() && (name.equals("create") || name.equals("run"))) {
            log.warn("--systemd-cgroup is accepted but not used: hako places containers by cgroupfs paths"
                    + " (cgroupsPath is read as a path, not as slice:prefix:name)");
        }
        log.debug("hako " + name + " " + args);
        Invocation invocation = new Invocation(global, parsed, log, io, new OciRuntime(global.root(), log));
        try {
            return command.action().run(invocation);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(log, io, name + ": interrupted");
            return 130;
        } catch (Exception e) {
            if (global.debug()) {
                log.debug(stackTrace(e));
            }
            fail(log, io, describe(e));
            return command.failureCode();
        }
    }

    /** Logs the error and, when the log is not stderr already, prints it there too; returns 1. */
    private static int fail(LogFile log, Io io, String message) {
        log.error(message);
        if (!log.isStderr()) {
            io.err().println(message);
            io.err().flush();
        }
        return 1;
    }

    /** A failure as runc words it; Java's file exceptions carry only the path. */
    static String describe(Throwable e) {
        if (e instanceof OciException || e instanceof UsageException) {
            return e.getMessage();
        }
        if (e instanceof NoSuchFileException f) {
            return "open " + f.getFile() + ": no such file or directory";
        }
        if (e instanceof AccessDeniedException f) {
            return "open " + f.getFile() + ": permission denied";
        }
        if (e instanceof FileAlreadyExistsException f) {
            return f.getFile() + ": file exists";
        }
        if (e instanceof NotDirectoryException f) {
            return f.getFile() + ": not a directory";
        }
        if (e.getMessage() != null && (e instanceof IOException || e instanceof IllegalArgumentException
                || e instanceof IllegalStateException)) {
            return e.getMessage();
        }
        return e.toString();
    }

    private static String stackTrace(Throwable e) {
        java.io.StringWriter w = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }

    /** runc's --version lines: the runtime, the spec, then the platform ("go:" there, "java:" here). */
    static String versionText() {
        return "hako version " + VERSION + "\n"
                + "spec: " + SPEC_VERSION + "\n"
                + "java: " + Runtime.version() + "\n";
    }

    private static void appHelp(PrintStream out) {
        StringBuilder b = new StringBuilder();
        b.append("NAME:\n   hako - Open Container Initiative runtime in a JVM\n\n");
        b.append("USAGE:\n   hako [global options] command [command options] [arguments...]\n\n");
        b.append("VERSION:\n   ").append(VERSION).append("\n\n");
        b.append("COMMANDS:\n");
        TabTable t = new TabTable();
        for (Command c : COMMANDS.values()) {
            t.row("   " + c.name(), c.summary());
        }
        t.row("   help, h", "Shows a list of commands or help for one command");
        b.append(t);
        b.append("\nGLOBAL OPTIONS:\n");
        List<Flag> global = new ArrayList<>(GlobalOptions.FLAGS);
        global.add(Flag.bool("help", "show help", "h"));
        b.append(options(global));
        out.print(b);
        out.flush();
    }

    private static void commandHelp(Command c, PrintStream out) {
        StringBuilder b = new StringBuilder();
        b.append("NAME:\n   hako ").append(c.name()).append(" - ").append(c.summary()).append("\n\n");
        b.append("USAGE:\n   hako ").append(c.name()).append(c.flags().isEmpty() ? "" : " [command options]")
                .append(c.argsUsage().isEmpty() ? "" : " " + c.argsUsage()).append("\n");
        if (!c.flags().isEmpty()) {
            b.append("\nOPTIONS:\n").append(options(c.flags()));
        }
        out.print(b);
        out.flush();
    }

    private static String options(List<Flag> flags) {
        TabTable t = new TabTable();
        for (Flag f : flags) {
            t.row("   " + f.synopsis(), f.usage());
        }
        return t.toString();
    }
}
