package dev.hako.cli;

import dev.hako.Signal;
import dev.hako.oci.CreateOptions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** create, start, run, kill, delete, pause and resume: a container's life, as runc's commands drive it. */
final class Lifecycle {

    private Lifecycle() {
    }

    static final List<Flag> CREATE_FLAGS = List.of(
            Flag.string("bundle", "path to the root of the bundle directory, defaults to the current directory", "b"),
            Flag.string("console-socket", "path to an AF_UNIX socket which will receive a file descriptor referencing"
                    + " the master end of the console's pseudoterminal"),
            Flag.string("pidfd-socket", "accepted; hako sends no pidfd (the engine falls back to the pid file)"),
            Flag.string("pid-file", "specify the file to write the process id to"),
            Flag.bool("no-pivot", "do not use pivot root to jail process inside rootfs"),
            Flag.bool("no-new-keyring", "do not create a new session keyring for the container"),
            Flag.integer("preserve-fds", "pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N"
                    + " in total)"));

    static final List<Flag> RUN_FLAGS = concat(CREATE_FLAGS, List.of(
            Flag.bool("detach", "detach from the container's process", "d"),
            Flag.bool("keep", "accepted; the container is deleted after it exits unless detached"),
            Flag.bool("no-subreaper", "accepted; hako waits for its own child")));

    static List<Command> commands() {
        return List.of(
                Command.of("create", "<container-id>", "create a container", 1, CREATE_FLAGS, Lifecycle::create),
                Command.of("start", "<container-id>", "executes the user defined process in a created container", 1,
                        List.of(), inv -> {
                            inv.runtime().start(inv.id());
                            return 0;
                        }),
                Command.of("run", "<container-id>", "create and run a container", 1, RUN_FLAGS, Lifecycle::run),
                Command.of("kill", "<container-id> [signal]", "kill sends the specified signal (default: SIGTERM) to"
                                + " the container's init process", 1,
                        List.of(Flag.bool("all", "send the signal to all processes in the container", "a")),
                        Lifecycle::kill).arity(1, 2).stoppingAfter(1),
                Command.of("delete", "<container-id>", "delete any resources held by the container often used with"
                                + " detached container", 1,
                        List.of(Flag.bool("force", "forcibly deletes the container if it is still running (uses"
                                + " SIGKILL)", "f")),
                        inv -> {
                            inv.runtime().delete(inv.id(), inv.args().bool("force"));
                            return 0;
                        }),
                Command.of("pause", "<container-id>", "pause suspends all processes inside the container", 1,
                        List.of(), inv -> {
                            inv.runtime().pause(inv.id());
                            return 0;
                        }),
                Command.of("resume", "<container-id>", "resumes all processes that have been previously paused", 1,
                        List.of(), inv -> {
                            inv.runtime().resume(inv.id());
                            return 0;
                        }));
    }

    private static int create(Invocation inv) throws Exception {
        inv.runtime().create(inv.id(), createOptions(inv));
        return 0;
    }

    private static int run(Invocation inv) throws Exception {
        if (inv.args().bool("keep") && !inv.args().bool("detach")) {
            inv.log().warn("--keep is ignored: hako deletes a container run in the foreground when it exits");
        }
        return inv.runtime().run(inv.id(), createOptions(inv), inv.args().bool("detach"));
    }

    /** The create flags as the runtime takes them; relative paths against the working directory, as runc does. */
    static CreateOptions createOptions(Invocation inv) throws UsageException {
        ParsedArgs a = inv.args();
        Path bundle = inv.path("bundle");
        if (bundle == null) {
            bundle = inv.io().cwd();
        }
        long preserve = a.integer("preserve-fds", 0);
        if (preserve < 0 || preserve > 65536) {
            throw new UsageException("--preserve-fds must be between 0 and 65536, got " + preserve);
        }
        if (a.isSet("pidfd-socket")) {
            inv.log().warn("--pidfd-socket is ignored: hako sends no pidfd");
        }
        return new CreateOptions(bundle, inv.path("pid-file"), inv.path("console-socket"), a.bool("no-pivot"),
                a.bool("no-new-keyring"), (int) preserve);
    }

    private static int kill(Invocation inv) throws Exception {
        String given = inv.args().positional(1);
        int signal = signal(given == null ? "SIGTERM" : given);
        inv.runtime().kill(inv.id(), signal, inv.args().bool("all"));
        return 0;
    }

    /** runc's parseSignal: a number as it is, else a name with or without SIG, any case. */
    static int signal(String raw) throws UsageException {
        try {
            long n = Long.parseLong(raw);
            if (n < 0 || n > 64) {
                throw new UsageException("unknown signal " + GoSyntax.quote(raw) + ": signals are 0 to 64");
            }
            return (int) n;
        } catch (NumberFormatException notANumber) {
            try {
                return Signal.of(raw).number();
            } catch (IllegalArgumentException e) {
                throw new UsageException("unknown signal " + GoSyntax.quote(raw) + ": " + e.getMessage());
            }
        }
    }

    static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }
}
