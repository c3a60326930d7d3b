package dev.hako.cli;

import dev.hako.Container;
import dev.hako.ContainerProcess;
import dev.hako.Namespace;
import dev.hako.linux.Kernel;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code hako} command line: {@code java dev.hako.cli.Main <command> [args...]}.
 *
 * <p>A tiny dispatcher: each subcommand is a name, a one-line summary and a method taking
 * the remaining arguments and returning an exit code.
 */
public final class Main {

    @FunctionalInterface
    private interface Action {
        int run(List<String> args) throws Exception;
    }

    private record Command(String name, String usage, String summary, Action action) {
    }

    private static final Map<String, Command> COMMANDS = new LinkedHashMap<>();

    static {
        add(new Command("demo", "demo", "run a container on a minimal rootfs built from this host's"
                + " binaries and show what it sees", Main::demo));
        add(new Command("help", "help", "show this help", args -> {
            usage(System.out);
            return 0;
        }));
    }

    private static void add(Command command) {
        COMMANDS.put(command.name(), command);
    }

    private Main() {
    }

    public static void main(String[] args) {
        int code = run(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs one command line and returns its exit code, without exiting the JVM. */
    public static int run(String... args) {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            usage(args.length == 0 ? System.err : System.out);
            return args.length == 0 ? 2 : 0;
        }
        Command command = COMMANDS.get(args[0]);
        if (command == null) {
            System.err.println("hako: unknown command '" + args[0] + "'");
            usage(System.err);
            return 2;
        }
        try {
            return command.action().run(List.of(Arrays.copyOfRange(args, 1, args.length)));
        } catch (IllegalArgumentException | IllegalStateException | IOException e) {
            System.err.println("hako " + command.name() + ": " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.err.println("hako " + command.name() + ": interrupted");
            return 130;
        } catch (Exception e) {
            System.err.println("hako " + command.name() + ": " + e);
            return 1;
        }
    }

    private static void usage(PrintStream out) {
        out.println("usage: hako <command> [args...]");
        out.println();
        out.println("commands:");
        for (Command c : COMMANDS.values()) {
            out.printf("  %-12s %s%n", c.usage(), c.summary());
        }
    }

    private static int demo(List<String> args) throws Exception {
        if (!args.isEmpty()) {
            System.err.println("hako demo: takes no arguments, got " + args);
            return 2;
        }
        // ps not last, or the shell would exec it and ps would be PID 1 instead of the shell
        String script = "echo \"hostname: $(hostname)\"; id; ps -o pid,user,comm; exit";
        Path rootfs = Files.createTempDirectory("hako-demo-");
        try {
            MinimalRootfs.build(rootfs);
            System.out.println("hako demo: running /bin/sh -c '" + script + "'");
            boolean rootless = Kernel.rootless();
            System.out.println("  in a container with namespaces " + Namespace.all()
                    + (rootless ? " and a user namespace (rootless: your uid " + Kernel.effectiveUid() + " is root inside)"
                    : "") + " and hostname hako-demo, on a minimal rootfs in " + rootfs);
            System.out.println();
            System.out.flush();
            try (Container container = Container.builder()
                    .rootfs(rootfs)
                    .namespaces(Namespace.all())
                    .hostname("hako-demo")
                    .command("/bin/sh", "-c", script)
                    .inheritIO()
                    .build()) {
                ContainerProcess process = container.start();
                var status = process.awaitStatus();
                System.out.println();
                System.out.println("hako demo: container " + container.id() + " " + status);
                return status.toExitValue();
            }
        } finally {
            MinimalRootfs.delete(rootfs);
        }
    }

}
