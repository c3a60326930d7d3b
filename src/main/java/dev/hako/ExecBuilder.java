package dev.hako;

import dev.hako.linux.linux_h;
import dev.hako.security.User;
import dev.hako.spawn.ExecConfig;
import dev.hako.spawn.ExecLauncher;
import dev.hako.spawn.LaunchConfig;
import dev.hako.spawn.Launched;
import dev.hako.terminal.TerminalSize;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs another process in a running {@link Container}, like {@code docker exec}: made by
 * {@link Container#execBuilder(String...)}, set up like a {@link ProcessBuilder}, started
 * with {@link #start()}.
 *
 * <p>The process joins every namespace of the container (mount, PID, UTS, IPC, network,
 * cgroup, as far as the container has them) and its cgroup, and runs with the container's
 * capabilities, no_new_privs, resource limits and seccomp filter. What it may choose for
 * itself is what {@code docker exec} lets one choose: the command, extra environment
 * variables, the user and the working directory, and its stdio. By default it runs as the
 * container's user, in the container's working directory, with the container's
 * environment, and its stdio are pipes to the JVM; {@link #terminal(boolean) terminal(true)}
 * gives it a terminal instead, as {@code docker exec -t} does.
 *
 * <p>It is killed with the container: when the container's first process exits (with a
 * PID namespace, the kernel kills everything in it), and when the container is closed.
 */
public final class ExecBuilder {
    private final Container container;
    private final List<String> command;
    private final Map<String, String> env = new LinkedHashMap<>();
    private String user;
    private String workingDir;
    private Redirect stdin = Redirect.PIPE;
    private Redirect stdout = Redirect.PIPE;
    private Redirect stderr = Redirect.PIPE;
    private boolean redirectErrorStream;
    private boolean terminal;
    private int[] terminalSize;

    ExecBuilder(Container container, List<String> command) {
        this.container = container;
        this.command = new ArrayList<>(command);
    }

    /** Sets one environment variable, on top of the container's environment ({@code docker exec -e}). */
    public ExecBuilder env(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("environment variable name '" + name
                    + "' is invalid: it must be non-empty and contain neither '=' nor NUL");
        }
        env.put(name, value);
        return this;
    }

    /** Sets several environment variables. */
    public ExecBuilder env(Map<String, String> variables) {
        variables.forEach(this::env);
        return this;
    }

    /**
     * The user to run as ({@code docker exec -u}): {@code uid}, {@code uid:gid}, {@code name}
     * or {@code name:group}, names looked up in the running container's own /etc/passwd and
     * /etc/group (its root as it is now, symlinks resolved inside it). HOME becomes that
     * user's home unless {@link #env} sets it. Default: the container's user.
     */
    public ExecBuilder user(String user) {
        this.user = Objects.requireNonNull(user, "user");
        return this;
    }

    /**
     * The working directory inside the container ({@code docker exec -w}); absolute, and it
     * must exist. Default: the container's working directory.
     */
    public ExecBuilder workingDir(String dir) {
        this.workingDir = Objects.requireNonNull(dir, "dir");
        return this;
    }

    /** Where stdin comes from. Default: {@link Redirect#PIPE}. Files are the host's, as with ProcessBuilder. */
    public ExecBuilder redirectInput(Redirect source) {
        this.stdin = Container.Builder.requireType(source, "redirectInput", Redirect.Type.WRITE, Redirect.Type.APPEND);
        return this;
    }

    /** Where stdout goes. Default: {@link Redirect#PIPE}. */
    public ExecBuilder redirectOutput(Redirect destination) {
        this.stdout = Container.Builder.requireType(destination, "redirectOutput", Redirect.Type.READ);
        return this;
    }

    /** Where stderr goes. Default: {@link Redirect#PIPE}. */
    public ExecBuilder redirectError(Redirect destination) {
        this.stderr = Container.Builder.requireType(destination, "redirectError", Redirect.Type.READ);
        return this;
    }

    /** When true, stderr goes wherever stdout goes. */
    public ExecBuilder redirectErrorStream(boolean merge) {
        this.redirectErrorStream = merge;
        return this;
    }

    /** The process shares the JVM's stdin, stdout and stderr. */
    public ExecBuilder inheritIO() {
        stdin = Redirect.INHERIT;
        stdout = Redirect.INHERIT;
        stderr = Redirect.INHERIT;
        return this;
    }

    /**
     * Gives the process a terminal, like {@code docker exec -t}: a new pty of the container's
     * own {@code /dev/pts} (opened by the process once it is in the container's mount
     * namespace) is its stdin, stdout, stderr and controlling terminal, owned by its user,
     * and the {@link ContainerProcess} streams are the pty's master, with
     * {@link ContainerProcess#resize}, exactly as for {@link Container.Builder#terminal(boolean)}.
     * The container's own command need not have one. An explicit {@code redirectInput},
     * {@code redirectOutput}, {@code redirectError} or {@code inheritIO} conflicts with it
     * and is refused by {@link #start()}. The JVM holds the master until the container is
     * closed. Default: false.
     */
    public ExecBuilder terminal(boolean terminal) {
        this.terminal = terminal;
        return this;
    }

    /** The terminal's initial size in columns and rows (1 to 65535 each). Default: 80x24. Needs {@link #terminal}. */
    public ExecBuilder terminalSize(int columns, int rows) {
        this.terminalSize = new int[] {columns, rows};
        return this;
    }

    /**
     * Starts the process in the container; returns once its command has been exec'd there.
     *
     * @throws IllegalArgumentException naming the option that is wrong (checked before
     *         anything is started)
     * @throws IllegalStateException when the container was not started, has exited, is
     *         paused or is closed, or holds CAP_SYS_PTRACE (see the README's "exec")
     * @throws ContainerException when the process cannot be set up or its command cannot be
     *         run; nothing of it is left behind then
     */
    public ContainerProcess start() throws IOException {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("exec needs a command: execBuilder(\"sh\", \"-c\", ...)");
        }
        ConfigRules.command(command);
        TerminalSize theTerminal = ConfigRules.terminal(terminal, terminalSize, stdin, stdout, stderr,
                "the exec'd process", "docker exec -t");
        LaunchConfig c = container.config();
        if (c.capabilities().has(linux_h.CAP_SYS_PTRACE())) {
            // Non-dumpable stops every ptrace-mode access but one by CAP_SYS_PTRACE.
            throw new IllegalStateException("cannot exec in container " + container.id() + ": it may hold"
                    + " CAP_SYS_PTRACE (capAdd), with which its processes could ptrace the joining process,"
                    + " which runs on the JVM's memory until it execs; build the container without it to exec");
        }
        String dir = workingDir != null ? workingDir : c.workingDir();
        ConfigRules.workingDir(dir);
        Launched first = container.firstProcessForExec();
        User theUser = user == null ? c.user() : lookUpInside(first);
        Map<String, String> environment = new LinkedHashMap<>(c.env());
        if (user != null) {
            environment.put("HOME", theUser.home());
        }
        environment.putAll(env);
        ConfigRules.environment(environment);
        ExecConfig exec = new ExecConfig(List.copyOf(command), Collections.unmodifiableMap(environment), theUser, dir,
                stdin, stdout, stderr, redirectErrorStream, theTerminal);
        return container.adopt(ExecLauncher.launch(c, first, exec));
    }

    /** The user in the container's root as it is now: /proc/PID/root of its first process. */
    private User lookUpInside(Launched first) {
        User found;
        try {
            found = User.resolve(user, Rootfs.directory(Path.of("/proc/" + first.pid() + "/root")));
        } catch (IOException e) {
            throw new UncheckedIOException("reading the container's /etc/passwd for user '" + user + "' failed", e);
        } catch (IllegalArgumentException e) {
            container.firstProcessForExec(); // gone meanwhile: say that, not that its root is missing
            throw e;
        }
        // Read while the pid still named the container's first process: it has not been reaped.
        container.firstProcessForExec();
        return found;
    }

    @Override
    public String toString() {
        return "exec " + command + " in container " + container.id();
    }
}
