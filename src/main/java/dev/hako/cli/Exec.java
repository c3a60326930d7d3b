package dev.hako.cli;

import dev.hako.oci.ExecOptions;

import java.util.List;
import java.util.regex.Pattern;

/**
 * runc's {@code exec}: a process in a running container, from {@code --process FILE} or
 * from the arguments after the id. Flags stop at the id, so {@code exec ID ls -l} runs
 * {@code ls -l}. Exits with the process's code, or 255 when hako could not start it (runc's).
 */
final class Exec {

    private static final Pattern USER = Pattern.compile("\\d+(:\\d+)?");
    private static final Pattern ENV = Pattern.compile("[^=]+=.*", Pattern.DOTALL);

    private Exec() {
    }

    static final List<Flag> FLAGS = List.of(
            Flag.string("console-socket", "path to an AF_UNIX socket which will receive a file descriptor referencing"
                    + " the master end of the console's pseudoterminal"),
            Flag.string("pidfd-socket", "accepted; hako sends no pidfd"),
            Flag.string("cwd", "current working directory in the container"),
            Flag.strings("env", "set environment variables", "e"),
            Flag.bool("tty", "allocate a pseudo-TTY", "t"),
            Flag.string("user", "UID (format: <uid>[:<gid>])", "u"),
            Flag.strings("additional-gids", "refused: hako cannot add groups to an exec yet", "g"),
            Flag.string("process", "path to the process.json", "p"),
            Flag.bool("detach", "detach from the container's process", "d"),
            Flag.string("pid-file", "specify the file to write the process id to"),
            Flag.string("process-label", "accepted; hako sets no SELinux label"),
            Flag.string("apparmor", "accepted; hako sets no AppArmor profile"),
            Flag.bool("no-new-privs", "accepted; the container's setting applies"),
            Flag.strings("cap", "refused: hako cannot add capabilities to an exec", "c"),
            Flag.integer("preserve-fds", "pass N additional file descriptors to the container"),
            Flag.strings("cgroup", "accepted; the exec joins the container's cgroup"),
            Flag.bool("ignore-paused", "accepted"));

    static Command command() {
        return Command.of("exec", "<container-id> <command> [command options]  || -p process.json <container-id>",
                        "execute new process inside the container", 1, FLAGS, Exec::exec)
                .arity(1, Integer.MAX_VALUE).stoppingAfter(1).failingWith(255);
    }

    private static int exec(Invocation inv) throws Exception {
        return inv.runtime().exec(inv.id(), options(inv));
    }

    /** The flags as the runtime takes them, checked; warnings for what is accepted but not done. */
    static ExecOptions options(Invocation inv) throws UsageException {
        ParsedArgs a = inv.args();
        List<String> args = a.positional().subList(1, a.positional().size());
        if (!a.isSet("process") && args.isEmpty()) {
            throw new UsageException("exec args cannot be empty");
        }
        if (a.isSet("cap")) {
            throw new UsageException("--cap is not supported by hako: put the capabilities in a --process file's"
                    + " capabilities instead");
        }
        if (a.isSet("additional-gids")) {
            throw new UsageException("--additional-gids is not supported by hako: put the groups in a --process"
                    + " file's user.additionalGids instead");
        }
        String user = a.string("user");
        if (user != null && !USER.matcher(user).matches()) {
            throw new UsageException("--user " + GoSyntax.quote(user) + ": use <uid>[:<gid>] with numbers");
        }
        for (String e : a.strings("env")) {
            if (!ENV.matcher(e).matches()) {
                throw new UsageException("--env " + GoSyntax.quote(e) + ": use NAME=value");
            }
        }
        for (String ignored : List.of("pidfd-socket", "process-label", "apparmor", "cgroup")) {
            if (a.isSet(ignored)) {
                inv.log().warn("--" + ignored + " is ignored by hako");
            }
        }
        long preserve = a.integer("preserve-fds", 0);
        if (preserve < 0 || preserve > 65536) {
            throw new UsageException("--preserve-fds must be between 0 and 65536, got " + preserve);
        }
        return new ExecOptions(inv.path("process"), List.copyOf(args), a.bool("tty"), a.bool("detach"),
                inv.path("pid-file"), inv.path("console-socket"), a.strings("env"), a.string("cwd"), user,
                (int) preserve);
    }
}
