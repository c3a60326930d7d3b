package dev.hako;

import dev.hako.cgroup.ByteSizes;
import dev.hako.cgroup.CgroupLimits;
import dev.hako.fs.MaskedPaths;
import dev.hako.image.Image;
import dev.hako.image.ImageConfig;
import dev.hako.linux.Kernel;
import dev.hako.net.NetworkPlan;
import dev.hako.seccomp.Arch;
import dev.hako.seccomp.Filter;
import dev.hako.seccomp.Profile;
import dev.hako.seccomp.SeccompException;
import dev.hako.security.Capabilities;
import dev.hako.security.ResourceLimit;
import dev.hako.security.User;
import dev.hako.spawn.ContainerLauncher;
import dev.hako.spawn.LaunchConfig;
import dev.hako.spawn.Launched;
import dev.hako.spawn.PassedFd;
import dev.hako.terminal.TerminalSize;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A Linux container: a command run in its own namespaces with its own root filesystem.
 *
 * <pre>{@code
 * try (Container box = Container.builder()
 *         .rootfs(Path.of("/srv/alpine"))
 *         .hostname("box")
 *         .command("/bin/sh", "-c", "echo hello from $(hostname)")
 *         .build()) {
 *     ContainerProcess p = box.start();
 *     System.out.print(new String(p.getInputStream().readAllBytes()));
 *     int code = p.waitFor();
 * }
 * }</pre>
 *
 * <p>A container is started once. {@link #close()} kills whatever is still running in it and
 * releases everything hako created for it. Containers also die with the JVM unless built
 * with {@link Builder#dieWithJvm(boolean) dieWithJvm(false)}. Starting containers needs
 * root (CAP_SYS_ADMIN); the JVM must run with {@code --enable-native-access=ALL-UNNAMED}
 * (or {@code =dev.hako} on the module path).
 */
public final class Container implements AutoCloseable {

    /** What {@link #run} returns: how the command ended and what it printed. */
    public record Result(ExitStatus status, String stdout, String stderr) {
        /** The exit code, or 128 + signal for a command killed by a signal. */
        public int exitCode() {
            return status.toExitValue();
        }
    }

    static {
        dev.hako.spawn.ApiAccess.register(c -> ((Container) c).config(), p -> ((ContainerProcess) p).launched());
    }

    private final LaunchConfig config;
    private final Object lock = new Object();
    private Launched launched;
    private ContainerProcess process;
    private boolean closed;
    /**
     * Processes exec'd into the container that have not exited yet, and those with a
     * terminal (whose master the JVM holds until then): close() kills and releases them.
     */
    private final Set<Launched> execs = new HashSet<>();

    /** The container whose network namespace this one joins ({@link Network#container}); null for none. */
    private final Container networkOf;

    /** The fifo the command waits on before its execve ({@link Builder#startGate}); null: none. */
    private final Path startGate;

    private Container(LaunchConfig config, Container networkOf) {
        this(config, networkOf, null);
    }

    private Container(LaunchConfig config, Container networkOf, Path startGate) {
        this.config = config;
        this.networkOf = networkOf;
        this.startGate = startGate;
    }

    /** A pool member's container, started already: {@code config} is as its start made it. */
    static ContainerProcess started(LaunchConfig config, Container networkOf, Launched launched) {
        Container c = new Container(config, networkOf);
        synchronized (c.lock) {
            c.launched = launched;
            c.process = new ContainerProcess(c, launched);
            return c.process;
        }
    }

    /** A builder with Docker's defaults: all namespaces, PATH set, working directory /. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs {@code command} in a container on {@code rootfs} with all namespaces, waits for
     * it and returns its exit status and output.
     */
    public static Result run(Path rootfs, String... command) throws IOException, InterruptedException {
        return builder().rootfs(rootfs).command(command).run();
    }

    /** This container's id: given to the builder, or 12 random hex digits. */
    public String id() {
        return config.id();
    }

    /**
     * Starts the container's command. Returns once the command has been exec'd inside the
     * container.
     *
     * @throws ContainerException when the container cannot be set up or the command cannot
     *         be run; nothing of the container is left behind then
     * @throws IllegalStateException when the container was started before or is closed
     */
    public ContainerProcess start() throws IOException {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("container " + id() + " is closed");
            }
            if (launched != null) {
                throw new IllegalStateException("container " + id()
                        + " was started already: build a new Container to run another");
            }
            launched = ContainerLauncher.launch(config, networkOf == null ? null : networkOf.runningForNetwork(id()),
                    startGate);
            process = new ContainerProcess(this, launched);
            return process;
        }
    }

    /**
     * What the container uses now, from its cgroup.
     *
     * @throws IllegalStateException if it was not started, or is closed
     */
    public ContainerStats stats() throws IOException {
        return running("read the stats of").stats();
    }

    /**
     * Freezes every process in the container (the cgroup freezer, like {@code docker pause}):
     * they stop running until {@link #resume()}.
     */
    public void pause() throws IOException {
        running("pause").pause();
    }

    /** Lets the processes of a {@link #pause() paused} container run again. */
    public void resume() throws IOException {
        running("resume").resume();
    }

    /**
     * Kills every process in the container with SIGKILL, not only the main one: through
     * {@code cgroup.kill} on cgroup v2, else by freezing and killing what cgroup.procs lists
     * until it is empty. Returns once they are all gone.
     */
    public void killAll() throws IOException {
        running("kill the processes of").killAll();
    }

    private Launched running(String action) {
        synchronized (lock) {
            if (launched == null || closed) {
                throw new IllegalStateException("cannot " + action + " container " + id() + ": it "
                        + (closed ? "is closed" : "was not started"));
            }
            return launched;
        }
    }

    /**
     * Runs {@code command} in the running container, like {@code docker exec}: as the
     * container's user, in its working directory, with its environment, stdio piped to the
     * JVM. See {@link ExecBuilder} for what joins what, and to choose otherwise.
     *
     * @throws IllegalStateException when the container was not started, has exited, is
     *         paused or is closed
     * @throws ContainerException when the process cannot be set up or the command not run
     */
    public ContainerProcess exec(String... command) throws IOException {
        return execBuilder(command).start();
    }

    /** A builder for a process in the running container, like {@code docker exec} with its options. */
    public ExecBuilder execBuilder(String... command) {
        return new ExecBuilder(this, List.of(command));
    }

    LaunchConfig config() {
        return config;
    }

    /**
     * This container's configuration as an OCI runtime-spec config.json: the command, its
     * user, capabilities and rlimits, the mounts (hako's own /proc, /sys, /dev and the rest
     * with the options it uses, then the binds and tmpfs mounts given), namespaces, id maps,
     * cgroup limits and path ({@code cgroupParent/id}), devices, masked and read-only paths.
     * Where config.json has no field for what hako does, an annotation says it:
     * {@code dev.hako.rootfs} for an overlay rootfs (its layers; the merged directory
     * exists only while the container runs, so {@code root.path} is then the top layer) or
     * the host view; {@code dev.hako.seccomp} for the filter, which the configuration holds
     * compiled to BPF only, so {@code linux.seccomp} is left out and the annotation names the
     * filter (architecture and length); {@code dev.hako.userns: auto} for maps chosen at
     * start; {@code dev.hako.network} for a bridge, slirp or another container's network;
     * {@code dev.hako.etcFiles} when hako writes /etc/hostname, hosts and resolv.conf at start.
     */
    public dev.hako.spec.Spec toOciSpec() {
        return OciSpecs.from(config);
    }

    /** The first process, whose network namespace container {@code joiner} joins; refuses one not running. */
    Launched runningForNetwork(String joiner) {
        synchronized (lock) {
            if (launched == null || closed || launched.exit().isDone()) {
                throw new IllegalStateException("container " + joiner + " has network(Network.container(" + id()
                        + ")), but container " + id() + (launched == null ? " was not started"
                        : closed ? " is closed" : " has exited (" + launched.exit().getNow(null) + ")")
                        + ": start the container whose network it shares first, and keep it running");
            }
            return launched;
        }
    }

    /** The first process, whose namespaces an exec joins; refuses a container that is not running. */
    Launched firstProcessForExec() {
        Launched first = running("exec in");
        ExitStatus exited = first.exit().getNow(null);
        if (exited != null) {
            throw new IllegalStateException("cannot exec in container " + id() + ": its command has exited ("
                    + exited + "), and its namespaces with it; exec needs a running container");
        }
        if (first.isPaused()) {
            throw new IllegalStateException("cannot exec in container " + id() + ": it is paused; resume() it first");
        }
        return first;
    }

    /** Takes on a process exec'd into the container, so that close() kills it too. */
    ContainerProcess adopt(Launched exec) {
        boolean wasClosed;
        synchronized (lock) {
            wasClosed = closed;
            if (!wasClosed) {
                execs.add(exec);
            }
        }
        if (wasClosed) {
            exec.killAndRelease();
            throw new IllegalStateException("container " + id() + " was closed while the exec was starting");
        }
        if (!exec.hasTerminal()) {
            // Its pidfd closes when it is reaped, and its pipes are the caller's streams: nothing left to release.
            exec.exit().whenComplete((status, failure) -> {
                synchronized (lock) {
                    execs.remove(exec);
                }
            });
        }
        // With a terminal, close() releases the master (as the first process's): what the
        // terminal showed stays readable after the exec'd process has exited.
        return new ContainerProcess(this, exec);
    }

    /** The started process, if {@link #start()} has been called. */
    public java.util.Optional<ContainerProcess> process() {
        synchronized (lock) {
            return java.util.Optional.ofNullable(process);
        }
    }

    /**
     * Kills whatever still runs in the container (SIGKILL), waits for it to be gone and
     * releases its file descriptors and memory. Safe to call more than once.
     */
    @Override
    public void close() {
        Launched toRelease;
        List<Launched> execsToRelease;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            toRelease = launched;
            execsToRelease = List.copyOf(execs);
        }
        if (toRelease != null) {
            toRelease.killAndRelease(); // kills everything in the cgroup, exec'd processes too
        }
        execsToRelease.forEach(Launched::killAndRelease);
    }

    /**
     * Builds a {@link Container}. Setters return the builder; {@link #build()} validates.
     *
     * <p>Devices: like a Docker container, a container may open only the standard devices
     * (null, zero, full, random, urandom, tty, ptmx and its own /dev/pts/*) and those given
     * with {@link #device(Device)}; it may mknod any device node, but opening one outside
     * that list fails with EPERM, also for root. The policy is compiled once, in
     * {@link #build()}, and enforced by the container's cgroup: the v1 devices controller
     * and, on the v2 directory, an eBPF device program (both at once on hybrid machines).
     */
    public static final class Builder {
        static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

        private String id;
        private Rootfs rootfs;
        private EnumSet<Namespace> namespaces = EnumSet.copyOf(Namespace.all());
        private boolean namespacesGiven;
        private Network network;
        private String hostname;
        private final List<String> command = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private String workingDir;
        private Image image;
        private List<String> entrypoint;
        private boolean readonlyRootfs;
        private Redirect stdin = Redirect.PIPE;
        private Redirect stdout = Redirect.PIPE;
        private Redirect stderr = Redirect.PIPE;
        private boolean redirectErrorStream;
        private boolean dieWithJvm = true;
        private final CgroupLimits.Builder limits = CgroupLimits.builder();
        private final List<Mount> mounts = new ArrayList<>();
        private List<String> maskedPaths = MaskedPaths.DEFAULT_MASKED;
        private List<String> readonlyPaths = MaskedPaths.DEFAULT_READONLY;
        private boolean etcFiles = true;
        /** Null: Docker's default profile for the container's capabilities. */
        private Profile seccomp;
        private String user;
        private String cgroupParent = "/hako";
        private final List<String> capAdd = new ArrayList<>();
        private final List<String> capDrop = new ArrayList<>();
        private boolean noNewPrivileges = true;
        private final List<ConfigRules.RawLimit> rlimits = new ArrayList<>();
        private final List<Device> devices = new ArrayList<>();
        private boolean terminal;
        private int[] terminalSize;
        private final List<PassedFd> passedFds = new ArrayList<>();
        private final List<String> published = new ArrayList<>();
        private final List<String> dns = new ArrayList<>();
        private UserNamespace userNamespace;
        private final List<IdMapping> uidMap = new ArrayList<>();
        private final List<IdMapping> gidMap = new ArrayList<>();
        private Path startGate;
        private final Map<String, String> sysctls = new LinkedHashMap<>();
        private String domainname;
        private int umask = -1;
        private final List<String> groupAdd = new ArrayList<>();
        private Integer oomScoreAdj;
        private final List<LaunchConfig.JoinedNamespace> joinedNamespaces = new ArrayList<>();
        private String cgroupPath;
        /** Null: Docker's default with capAdd/capDrop; else bounding, effective, permitted, inheritable, ambient. */
        private List<Set<String>> capabilitySets;

        private Builder() {
        }

        /** The container's id (letters, digits, {@code _ . -}; up to 64). Default: random. */
        public Builder id(String id) {
            this.id = Objects.requireNonNull(id, "id");
            return this;
        }

        /** The root filesystem: {@link Rootfs#directory}, {@link Rootfs#overlay} or {@link Rootfs#host}. Required. */
        public Builder rootfs(Rootfs rootfs) {
            this.rootfs = Objects.requireNonNull(rootfs, "rootfs");
            return this;
        }

        /** Shorthand for {@code rootfs(Rootfs.directory(dir))}. */
        public Builder rootfs(Path dir) {
            return rootfs(Rootfs.directory(dir));
        }

        /** The namespaces to create. Default: {@link Namespace#all()}. */
        public Builder namespaces(Set<Namespace> namespaces) {
            Objects.requireNonNull(namespaces, "namespaces");
            this.namespaces = namespaces.isEmpty() ? EnumSet.noneOf(Namespace.class) : EnumSet.copyOf(namespaces);
            this.namespacesGiven = true;
            return this;
        }

        /** The namespaces to create. */
        public Builder namespaces(Namespace... namespaces) {
            return namespaces(Set.of(namespaces));
        }

        /**
         * The network the container is shown (see {@link Network}); it decides whether the
         * container gets a network namespace of its own. Default: {@link Network#none()},
         * or the host's network when {@link #namespaces} leaves out {@link Namespace#NETWORK}.
         */
        public Builder network(Network network) {
            this.network = Objects.requireNonNull(network, "network");
            return this;
        }

        /**
         * Publishes a container port on the host, in Docker's {@code -p} syntax:
         * {@code "8080:80"}, {@code "80"} or {@code "0:80"} (a free host port, which
         * {@link ContainerProcess#hostPort(int)} reports), {@code "127.0.0.1:8080:80"},
         * {@code "8053:53/udp"}. Needs {@link Network#bridge()} (the default then, as root)
         * or {@link Network#slirp()} (the default without root). Checked in {@link #build()};
         * a host port already taken fails the start, before anything is made.
         */
        public Builder publish(String... ports) {
            for (String p : ports) {
                published.add(Objects.requireNonNull(p, "port"));
            }
            return this;
        }

        /** Publishes TCP {@code containerPort} on {@code hostPort} of every host address (0: a free one). */
        public Builder publish(int hostPort, int containerPort) {
            return publish(hostPort + ":" + containerPort);
        }

        /**
         * The nameservers of the container's /etc/resolv.conf (IPv4 or IPv6 addresses), like
         * {@code docker run --dns}. Default: the host's, leaving out those on its loopback,
         * which a container with a network of its own cannot reach (with systemd-resolved's
         * stub there, the upstream servers it lists instead).
         */
        public Builder dns(String... servers) {
            for (String d : servers) {
                dns.add(Objects.requireNonNull(d, "server"));
            }
            return this;
        }

        /** The hostname seen inside (needs {@link Namespace#UTS}). Default: the first 12 characters of the id. */
        public Builder hostname(String hostname) {
            this.hostname = Objects.requireNonNull(hostname, "hostname");
            return this;
        }

        /**
         * Runs an image: its layers become an overlay rootfs (unless {@link #rootfs} says
         * otherwise), and its config gives the defaults, as {@code docker run} uses them:
         * entrypoint, command, environment, working directory and user. {@link #command}
         * replaces the image's command; {@link #entrypoint} replaces its entrypoint and drops
         * its command.
         */
        public Builder image(Image image) {
            this.image = Objects.requireNonNull(image, "image");
            return this;
        }

        /** What runs before the command's arguments, like Docker's {@code --entrypoint}. */
        public Builder entrypoint(String... entrypoint) {
            this.entrypoint = List.of(entrypoint);
            return this;
        }

        /** The command and its arguments. A name without '/' is looked up in the container's PATH. */
        public Builder command(String... command) {
            return command(List.of(command));
        }

        /** The command and its arguments. */
        public Builder command(List<String> command) {
            this.command.clear();
            this.command.addAll(command);
            return this;
        }

        /** Sets one environment variable (added to PATH, HOSTNAME and HOME, which it may override). */
        public Builder env(String name, String value) {
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
        public Builder env(Map<String, String> variables) {
            variables.forEach(this::env);
            return this;
        }

        /** The working directory inside the container (absolute; created if missing). Default: /. */
        public Builder workingDir(String dir) {
            this.workingDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** Makes the root filesystem read-only inside the container. */
        public Builder readonlyRootfs(boolean readonly) {
            this.readonlyRootfs = readonly;
            return this;
        }

        /** Where the container's stdin comes from. Default: {@link Redirect#PIPE}. */
        public Builder redirectInput(Redirect source) {
            this.stdin = requireType(source, "redirectInput", Redirect.Type.WRITE, Redirect.Type.APPEND);
            return this;
        }

        /** Where the container's stdout goes. Default: {@link Redirect#PIPE}. */
        public Builder redirectOutput(Redirect destination) {
            this.stdout = requireType(destination, "redirectOutput", Redirect.Type.READ);
            return this;
        }

        /** Where the container's stderr goes. Default: {@link Redirect#PIPE}. */
        public Builder redirectError(Redirect destination) {
            this.stderr = requireType(destination, "redirectError", Redirect.Type.READ);
            return this;
        }

        /** When true, stderr goes wherever stdout goes, as with {@link ProcessBuilder#redirectErrorStream(boolean)}. */
        public Builder redirectErrorStream(boolean merge) {
            this.redirectErrorStream = merge;
            return this;
        }

        /** The container shares the JVM's stdin, stdout and stderr. */
        public Builder inheritIO() {
            stdin = Redirect.INHERIT;
            stdout = Redirect.INHERIT;
            stderr = Redirect.INHERIT;
            return this;
        }

        /**
         * Gives the command a terminal, like {@code docker run -t}: a pty of the container's
         * own {@code /dev/pts} is its stdin, stdout, stderr and controlling terminal, and the
         * {@link ContainerProcess} streams are the pty's master (see there; stderr is merged
         * into what the terminal shows), with {@link ContainerProcess#resize}. The terminal
         * replaces the stdio redirects, so an explicit {@code redirectInput},
         * {@code redirectOutput}, {@code redirectError} or {@code inheritIO} is refused by
         * {@link #build()}. Default: false.
         */
        public Builder terminal(boolean terminal) {
            this.terminal = terminal;
            return this;
        }

        /** The terminal's initial size in columns and rows (1 to 65535 each). Default: 80x24. Needs {@link #terminal}. */
        public Builder terminalSize(int columns, int rows) {
            this.terminalSize = new int[] {columns, rows};
            return this;
        }

        /**
         * Passes one of the JVM's open descriptors to the container as {@code containerFd}
         * (3 or more), for socket activation ({@code LISTEN_FDS}) and the like: the container
         * gets a copy when it starts, so the caller may close {@code hostFd} once
         * {@link Container#start()} has returned. Nothing else but 0, 1 and 2 is open in the
         * container. Checked in {@link #build()} (and that {@code hostFd} is still open, again
         * at start).
         */
        public Builder passFd(int containerFd, int hostFd) {
            passedFds.add(new PassedFd(containerFd, hostFd));
            return this;
        }

        /**
         * A user namespace: root inside is an unprivileged id outside, as {@code namespace}'s
         * maps say ({@link UserNamespace#auto()}: a free range of 65536 ids chosen at start,
         * like Kubernetes' {@code hostUsers: false}). Adds {@link Namespace#USER}.
         */
        public Builder userNamespace(UserNamespace namespace) {
            this.userNamespace = Objects.requireNonNull(namespace, "userNamespace");
            return this;
        }

        /**
         * Maps {@code count} uids from {@code containerId} inside to those from {@code hostId}
         * outside (one line of {@code uid_map}; call again for more), as {@code podman run
         * --uidmap} does. Without {@link #gidMap}, gids are mapped the same way. Adds
         * {@link Namespace#USER}.
         */
        public Builder uidMap(long containerId, long hostId, long count) {
            uidMap.add(IdMapping.of(containerId, hostId, count));
            return this;
        }

        /** Maps gids as {@link #uidMap} maps uids (one line of {@code gid_map}). */
        public Builder gidMap(long containerId, long hostId, long count) {
            gidMap.add(IdMapping.of(containerId, hostId, count));
            return this;
        }

        /** Whether the container is killed when the JVM exits. Default: true. */
        public Builder dieWithJvm(boolean die) {
            this.dieWithJvm = die;
            return this;
        }

        /**
         * Splits the start in two, as {@code runc create} and {@code runc start} do across two
         * commands: {@link Container#start()} sets the container up and returns once its
         * process waits just before its execve (after its user, capabilities and working
         * directory, before its signals, seccomp filter and command), and it runs its command
         * only when a process (this JVM or any other) opens {@code fifo} for reading and reads
         * the one byte written to it. {@code fifo} must be a FIFO ({@code mkfifo}) by the
         * time of the start, writable by the container's user. With {@link #dieWithJvm(boolean)
         * dieWithJvm(false)} the waiting process outlives this JVM. Not for a pool.
         */
        public Builder startGate(Path fifo) {
            Objects.requireNonNull(fifo, "fifo");
            if (!fifo.isAbsolute()) {
                throw new IllegalArgumentException("startGate(" + fifo + "): the fifo's path must be absolute");
            }
            this.startGate = fifo;
            return this;
        }

        /** The gate given with {@link #startGate(Path)}, or null: a pool refuses one. */
        Path startGate() {
            return startGate;
        }

        /** Adds a bind or tmpfs mount; mounts are made in the order they are added, after /proc, /sys and /dev. */
        public Builder mount(Mount mount) {
            mounts.add(Objects.requireNonNull(mount, "mount"));
            return this;
        }

        /**
         * The paths covered so the container cannot read them (a file with /dev/null, a
         * directory with an empty read-only tmpfs). Default: Docker's list
         * ({@code /proc/kcore}, {@code /proc/keys}, {@code /sys/firmware}, ...); none for an
         * empty list.
         */
        public Builder maskedPaths(List<String> paths) {
            this.maskedPaths = absolutePaths(paths, "maskedPaths");
            return this;
        }

        /** The paths made read-only. Default: Docker's list ({@code /proc/sys}, {@code /proc/sysrq-trigger}, ...). */
        public Builder readonlyPaths(List<String> paths) {
            this.readonlyPaths = absolutePaths(paths, "readonlyPaths");
            return this;
        }

        /**
         * The user to run the command as, like Docker's {@code --user}: {@code uid},
         * {@code uid:gid}, {@code name} or {@code name:group}, names looked up in the
         * container's /etc/passwd and /etc/group. Default: root.
         */
        public Builder user(String user) {
            this.user = Objects.requireNonNull(user, "user");
            return this;
        }

        /**
         * Adds capabilities to Docker's default set, like {@code docker run --cap-add}: names
         * like {@code NET_ADMIN} or {@code CAP_NET_ADMIN} (any case), or {@code ALL}. Checked
         * in {@link #build()}.
         */
        public Builder capAdd(String... capabilities) {
            capAdd.addAll(List.of(capabilities));
            return this;
        }

        /**
         * Removes capabilities from the container's set, like {@code docker run --cap-drop}
         * ({@code ALL} for every one); applied after {@link #capAdd}. Checked in {@link #build()}.
         */
        public Builder capDrop(String... capabilities) {
            capDrop.addAll(List.of(capabilities));
            return this;
        }

        /**
         * Whether the command runs with no_new_privs, so that setuid programs and file
         * capabilities inside grant nothing. Default: true.
         */
        public Builder noNewPrivileges(boolean noNewPrivileges) {
            this.noNewPrivileges = noNewPrivileges;
            return this;
        }

        /**
         * A resource limit of the command, like {@code docker run --ulimit}: {@code name} is
         * an {@code RLIMIT_*} with or without the prefix ({@code "NOFILE"}, any case);
         * {@code -1} means unlimited. A later call for the same resource replaces an earlier
         * one. Lowering always works; raising the hard limit above the JVM's own needs
         * CAP_SYS_RESOURCE. Checked in {@link #build()}.
         */
        public Builder rlimit(String name, long soft, long hard) {
            rlimits.add(new ConfigRules.RawLimit(name, soft, hard));
            return this;
        }

        /**
         * Whether the container gets generated /etc/hostname, /etc/hosts and
         * /etc/resolv.conf (the host's, less loopback nameservers), bind-mounted over its
         * own, as Docker does. Default: true.
         */
        public Builder etcFiles(boolean generate) {
            this.etcFiles = generate;
            return this;
        }

        /**
         * The seccomp profile the command runs under, installed as the last step before
         * execve: an OCI profile ({@link Profile#parse}), {@link Profile#unconfined()} (no
         * filter), or {@link Profile#dockerDefault(java.util.Collection)}. Default: Docker's
         * default profile for the container's capabilities, as {@code docker run} gives it
         * (with {@code capAdd("SYS_ADMIN")} it also allows mount, unshare, setns, ...).
         */
        public Builder seccomp(Profile profile) {
            this.seccomp = Objects.requireNonNull(profile, "seccomp");
            return this;
        }

        /**
         * Gives the container a host device, like {@code docker run --device}: the node is
         * made in its /dev (the host's type, numbers, mode and owner) and allowed by its
         * device policy with {@link Device#permissions() the permissions given}. Without
         * this, a container may use only the standard devices: null, zero, full, random,
         * urandom, tty, ptmx and its own /dev/pts; it may mknod any device node (as in
         * Docker), but not open one outside that list, also as root. Checked in
         * {@link #build()}: the host path must exist and be a character or block device.
         */
        public Builder device(Device device) {
            devices.add(Objects.requireNonNull(device, "device"));
            return this;
        }

        /**
         * {@link #device(Device)} in Docker's {@code --device} syntax:
         * {@code /dev/sdc[:/dev/xvdc][:rwm]} (see {@link Device#parse}).
         */
        public Builder device(String device) {
            return device(Device.parse(device));
        }

        private static List<String> absolutePaths(List<String> paths, String option) {
            for (String p : paths) {
                if (p == null || !p.startsWith("/")) {
                    throw new IllegalArgumentException(option + " takes absolute paths inside the container; got " + p);
                }
            }
            return List.copyOf(paths);
        }

        /**
         * Caps the container's memory (Docker's {@code --memory}); its processes are
         * OOM-killed beyond it. At least 6 MiB.
         */
        public Builder memoryLimit(long bytes) {
            limits.memoryLimit(bytes);
            return this;
        }

        /** {@link #memoryLimit(long)} from a size like {@code "64m"} or {@code "1.5g"} (k, m, g, t: powers of 1024). */
        public Builder memoryLimit(String size) {
            return memoryLimit(ByteSizes.parse(size, "memoryLimit"));
        }

        /** Caps memory plus swap (Docker's {@code --memory-swap}); -1 for unlimited swap. Needs a memory limit. */
        public Builder memorySwapLimit(long bytes) {
            limits.memorySwap(bytes);
            return this;
        }

        /** {@link #memorySwapLimit(long)} from a size like {@code "128m"}. */
        public Builder memorySwapLimit(String size) {
            return memorySwapLimit(ByteSizes.parse(size, "memorySwapLimit"));
        }

        /** A soft limit the kernel reclaims down to under memory pressure (Docker's {@code --memory-reservation}). */
        public Builder memoryReservation(long bytes) {
            limits.memoryReservation(bytes);
            return this;
        }

        /** {@link #memoryReservation(long)} from a size like {@code "32m"}. */
        public Builder memoryReservation(String size) {
            return memoryReservation(ByteSizes.parse(size, "memoryReservation"));
        }

        /** CPU time as a fraction of cores, e.g. 0.5 or 1.5 (Docker's {@code --cpus}): a quota per 100 ms period. */
        public Builder cpus(double cores) {
            limits.cpus(cores);
            return this;
        }

        /** Relative CPU weight, 2 to 262144, default 1024 (Docker's {@code --cpu-shares}; cpu.weight on cgroup v2). */
        public Builder cpuShares(int shares) {
            limits.cpuShares(shares);
            return this;
        }

        /** The CPUs the container may run on, like {@code "0-1,3"} (Docker's {@code --cpuset-cpus}). */
        public Builder cpusetCpus(String cpus) {
            limits.cpusetCpus(cpus);
            return this;
        }

        /** The memory nodes the container may use, like {@code "0"} (Docker's {@code --cpuset-mems}). */
        public Builder cpusetMems(String mems) {
            limits.cpusetMems(mems);
            return this;
        }

        /** The most processes and threads the container may have (Docker's {@code --pids-limit}). */
        public Builder pidsLimit(long max) {
            limits.pidsLimit(max);
            return this;
        }

        /** Relative block I/O weight, 10 to 1000 (Docker's {@code --blkio-weight}; io.weight on cgroup v2). */
        public Builder ioWeight(int weight) {
            limits.ioWeight(weight);
            return this;
        }

        /**
         * The cgroup under which the container's own cgroup (named after its id) is made,
         * in every hierarchy, as a path from the hierarchy's root. Default: {@code /hako}.
         */
        public Builder cgroupParent(String path) {
            this.cgroupParent = Objects.requireNonNull(path, "cgroupParent");
            return this;
        }

        /**
         * Sets a kernel parameter inside the container, like {@code docker run --sysctl}: the
         * child writes {@code value} to {@code /proc/sys/NAME} (dots as slashes) once its
         * /proc is mounted, before /proc/sys is made read-only. Only sysctls of the
         * container's own namespaces: {@code kernel.shm*}, {@code kernel.msg*},
         * {@code kernel.sem}, {@code fs.mqueue.*} (IPC), {@code net.*} (a network of its own
         * or joined), {@code kernel.hostname}, {@code kernel.domainname} (UTS); any other
         * would change the host and is refused by {@link #build()}. A later call for the same
         * name replaces the value; one this kernel lacks fails the start, naming it.
         */
        public Builder sysctl(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            sysctls.remove(name);
            sysctls.put(name, value);
            return this;
        }

        /** The NIS domain name seen inside (setdomainname; needs the UTS namespace; up to 64 bytes). Default: unset. */
        public Builder domainname(String domainname) {
            this.domainname = Objects.requireNonNull(domainname, "domainname");
            return this;
        }

        /**
         * The umask the command starts with (0 to 0777), set just before execve. Default:
         * 022, as in Docker.
         */
        public Builder umask(int umask) {
            this.umask = umask;
            return this;
        }

        /**
         * Supplementary groups for the command beyond its user's own, like
         * {@code docker run --group-add}: names (looked up in the container's /etc/group,
         * inside its rootfs) or numbers. Checked in {@link #build()}.
         */
        public Builder groupAdd(String... groups) {
            for (String g : groups) {
                groupAdd.add(Objects.requireNonNull(g, "group"));
            }
            return this;
        }

        /**
         * The command's {@code oom_score_adj}, -1000 to 1000 (Docker's
         * {@code --oom-score-adj}). Raising it always works; lowering it below the JVM's own
         * needs CAP_SYS_RESOURCE in the JVM, and fails the start without it. Default: the
         * JVM's.
         */
        public Builder oomScoreAdj(int adj) {
            this.oomScoreAdj = adj;
            return this;
        }

        /**
         * Joins an existing namespace instead of creating one (OCI's
         * {@code linux.namespaces[].path}; a Kubernetes pod's network, IPC and UTS): a
         * {@code /proc/PID/ns/TYPE} file, or a bind mount of one like {@code /run/netns/NAME}.
         * Types: {@link Namespace#NETWORK}, {@link Namespace#IPC}, {@link Namespace#UTS},
         * {@link Namespace#PID}, {@link Namespace#CGROUP}; the JVM's spawner thread joins it
         * for the clone. {@link Namespace#MOUNT} and {@link Namespace#USER} are refused by
         * {@link #build()}: the kernel lets no multi-threaded process (the JVM) join those.
         * The file is opened and its type checked at start. With a joined network the
         * container has that namespace's links as they are, and no network of its own; with
         * a joined UTS namespace its hostname stays unless {@link #hostname} is given.
         */
        public Builder joinNamespace(Namespace type, Path path) {
            joinedNamespaces.add(new LaunchConfig.JoinedNamespace(Objects.requireNonNull(type, "type"),
                    Objects.requireNonNull(path, "path")));
            return this;
        }

        /**
         * The container's cgroup at exactly this path in every hierarchy (OCI's
         * {@code linux.cgroupsPath}, like {@code /libpod_parent/libpod-abc}) instead of
         * {@code cgroupParent/ID}: absolute from each hierarchy's root, or relative to
         * {@link #cgroupParent} (runc takes a relative path from its own cgroup; a library's
         * JVM has no such place of its own, so hako's parent stands for it). Parents are made
         * where missing and left in place (a pod may share them); {@link Container#close()}
         * removes only this directory, and no other JVM's sweep of stale cgroups removes it.
         * Needs root.
         */
        public Builder cgroupPath(String path) {
            this.cgroupPath = Objects.requireNonNull(path, "cgroupPath");
            return this;
        }

        /**
         * The five capability sets given one by one, as OCI's {@code process.capabilities}
         * has them, instead of Docker's default with {@link #capAdd}/{@link #capDrop}: names
         * as capAdd takes them. {@link #build()} refuses what the kernel would: effective
         * beyond permitted, ambient beyond permitted or inheritable, inheritable beyond
         * bounding, and a capability the JVM lacks. For root, execve would make permitted and
         * effective the bounding set (the kernel's rule for uid 0); with
         * {@link #noNewPrivileges} (the default) it gains nothing and keeps the sets as given.
         */
        public Builder capabilitySets(Set<String> bounding, Set<String> effective, Set<String> permitted,
                                      Set<String> inheritable, Set<String> ambient) {
            this.capabilitySets = List.of(Set.copyOf(bounding), Set.copyOf(effective), Set.copyOf(permitted),
                    Set.copyOf(inheritable), Set.copyOf(ambient));
            return this;
        }

        /**
         * Validates the configuration and returns the container, not yet started. Nothing
         * is created in the kernel until {@link Container#start()}.
         *
         * @throws IllegalArgumentException naming the option that is wrong and why
         */
        public Container build() {
            String theId = id != null ? id : randomId();
            return new Container(configure(theId, false), networkOf(), startGate);
        }

        /** The container whose network this one joins ({@link Network#container}), or null. */
        Container networkOf() {
            return network instanceof Network.Joined j ? j.container() : null;
        }

        /** The id given with {@link #id(String)}, or null. */
        String givenId() {
            return id;
        }

        /** Whether {@link #hostname(String)} was given: else each container's comes from its id. */
        boolean hostnameGiven() {
            return hostname != null;
        }

        /**
         * Every rule once, for a container with id {@code theId}; {@code forPool}: a pool's
         * configuration, whose command comes with each start (so it may have none).
         */
        LaunchConfig configure(String theId, boolean forPool) {
            ConfigRules.id(theId);
            ImageConfig imageConfig = image == null ? null : image.config();
            Rootfs theRootfs = rootfs != null ? rootfs : image != null ? Rootfs.overlay(image.layers()) : null;
            if (theRootfs == null) {
                throw new IllegalArgumentException("no rootfs: call rootfs(Path) with the directory"
                        + " that holds the container's root filesystem, or image(...)");
            }
            List<String> command = new ArrayList<>(entrypoint != null ? entrypoint
                    : imageConfig != null ? imageConfig.entrypoint() : List.of());
            command.addAll(!this.command.isEmpty() ? this.command
                    : entrypoint == null && imageConfig != null ? imageConfig.cmd() : List.of());
            String workingDir = this.workingDir != null ? this.workingDir
                    : imageConfig != null && !imageConfig.workingDir().isEmpty() ? imageConfig.workingDir() : "/";
            String user = this.user != null ? this.user
                    : imageConfig != null && !imageConfig.user().isEmpty() ? imageConfig.user() : null;
            if (!forPool) {
                ConfigRules.command(command);
            }
            ConfigRules.UserNamespaceRule userNamespaceRule = ConfigRules.userNamespace(userNamespace, uidMap, gidMap,
                    namespaces);
            UserNamespace theUserNamespace = userNamespaceRule.namespace();
            EnumSet<Namespace> theNamespaces = namespaces.clone();
            if (theUserNamespace != null) {
                theNamespaces.add(Namespace.USER);
            }
            NetworkPlan theNetwork = ConfigRules.network(network, theNamespaces, namespacesGiven, published, dns);
            ConfigRules.namespaces(theNamespaces);
            boolean joinsNetwork = joinedNamespaces.stream().anyMatch(j -> j.type() == Namespace.NETWORK);
            if (joinsNetwork && (network != null || !published.isEmpty() || !dns.isEmpty())) {
                throw new IllegalArgumentException("joinNamespace(NETWORK, ...) and network(...), publish(...) or"
                        + " dns(...) conflict: the joined namespace's network is the container's; leave them out");
            }
            List<LaunchConfig.JoinedNamespace> theJoined = ConfigRules.joinedNamespaces(joinedNamespaces,
                    theNamespaces, theUserNamespace);
            if (joinsNetwork) {
                theNetwork = new NetworkPlan.Joined();
            }
            boolean joinsUts = theJoined.stream().anyMatch(j -> j.type() == Namespace.UTS);
            String theHostname = joinsUts && hostname == null ? null
                    : ConfigRules.hostname(hostname, joinsUts ? EnumSet.of(Namespace.UTS) : theNamespaces, theId);
            ConfigRules.workingDir(workingDir);
            ConfigRules.cgroupParent(cgroupParent);
            String theCgroupPath = ConfigRules.cgroupPath(cgroupPath, cgroupParent, forPool);
            java.util.function.Predicate<Namespace> has = ns -> theNamespaces.contains(ns)
                    || theJoined.stream().anyMatch(j -> j.type() == ns);
            Map<String, String> theSysctls = ConfigRules.sysctls(sysctls, has, hostname != null, domainname != null);
            ConfigRules.domainname(domainname, has.test(Namespace.UTS));
            ConfigRules.umask(umask);
            ConfigRules.oomScoreAdj(oomScoreAdj);
            CgroupLimits theLimits = ConfigRules.limits(limits.build());
            ConfigRules.rootlessLimits(theLimits, cgroupParent);
            User theUser;
            try {
                theUser = user == null ? User.ROOT : User.resolve(user, theRootfs);
            } catch (IOException e) {
                throw new UncheckedIOException("reading the container's /etc/passwd for user '" + user + "' failed", e);
            }
            List<Integer> theGroupAdd;
            try {
                theGroupAdd = User.resolveGroups(groupAdd, theRootfs);
            } catch (IOException e) {
                throw new UncheckedIOException("reading the container's /etc/group for groupAdd " + groupAdd
                        + " failed", e);
            }
            ConfigRules.mappedUser(theUser.withGroups(theGroupAdd), theUserNamespace);
            ConfigRules.idmappedBinds(mounts, theUserNamespace);
            Map<String, String> environment = new LinkedHashMap<>();
            environment.put("PATH", DEFAULT_PATH);
            if (theHostname != null) {
                environment.put("HOSTNAME", theHostname);
            }
            environment.put("HOME", theUser.home());
            if (imageConfig != null) {
                environment.putAll(imageConfig.env());
            }
            environment.putAll(env);
            ConfigRules.environment(environment);
            if (capabilitySets != null && !(capAdd.isEmpty() && capDrop.isEmpty())) {
                throw new IllegalArgumentException("capabilitySets(...) and capAdd/capDrop(...) both given: the sets"
                        + " say every capability already; use one of them");
            }
            Capabilities capabilities = capabilitySets != null ? ConfigRules.capabilitySets(capabilitySets)
                    : ConfigRules.capabilities(capAdd, capDrop);
            List<ResourceLimit> theRlimits = ConfigRules.rlimits(rlimits, capabilities);
            Profile profile = seccomp != null ? seccomp : ConfigRules.defaultProfile(capabilities);
            Filter theFilter = null; // unconfined
            if (!profile.isUnconfined()) {
                try {
                    theFilter = profile.compile(Arch.host()); // once per configuration; a start only copies its bytes
                } catch (SeccompException e) {
                    throw new IllegalArgumentException("seccomp: " + e.getMessage(), e);
                }
            }
            ConfigRules.Devices theDevices = ConfigRules.devices(devices); // the policy compiled once, here
            TerminalSize theTerminal = ConfigRules.terminal(terminal, terminalSize, stdin, stdout, stderr,
                    "the container", "docker run -t");
            List<PassedFd> thePassedFds = ConfigRules.passedFds(passedFds);
            return new LaunchConfig(theId, theRootfs,
                    theNamespaces,
                    theHostname, List.copyOf(command), environment, workingDir, readonlyRootfs,
                    stdin, stdout, stderr, redirectErrorStream, dieWithJvm, theLimits, cgroupParent,
                    List.copyOf(mounts), maskedPaths, readonlyPaths, etcFiles, theUser,
                    capabilities, noNewPrivileges, theRlimits, theFilter, theDevices.nodes(),
                    Kernel.rootless() ? null : theDevices.policy(), // without cgroups: the host's permissions on the bound nodes
                    theTerminal, thePassedFds, theUserNamespace, userNamespaceRule.setgroupsDenied(), theNetwork,
                    theSysctls, domainname, umask, theGroupAdd, oomScoreAdj, theJoined, theCgroupPath);
        }

        static String randomId() {
            return HexFormat.of().formatHex(randomBytes(6));
        }

        /**
         * Builds the container, runs it to completion and returns what it printed. stdin is
         * empty unless redirected; stdout and stderr are captured unless redirected.
         */
        public Result run() throws IOException, InterruptedException {
            try (Container container = build()) {
                ContainerProcess p = container.start();
                p.getOutputStream().close();
                CompletableFuture<String> err = readAsync(p.getErrorStream());
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                p.waitFor();
                return new Result(p.exitStatus(), out, err.join());
            }
        }

        private static CompletableFuture<String> readAsync(InputStream in) {
            CompletableFuture<String> result = new CompletableFuture<>();
            Thread.ofVirtual().name("hako-stderr").start(() -> {
                try {
                    result.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    result.completeExceptionally(new UncheckedIOException(e));
                }
            });
            return result;
        }

        static Redirect requireType(Redirect r, String option, Redirect.Type... refused) {
            Objects.requireNonNull(r, option);
            for (Redirect.Type t : refused) {
                if (r.type() == t) {
                    throw new IllegalArgumentException(option + "(" + r + ") points the wrong way:"
                            + " use Redirect.from(file) for input and Redirect.to/appendTo(file) for output");
                }
            }
            return r;
        }

        private static byte[] randomBytes(int n) {
            byte[] b = new byte[n];
            ThreadLocalRandom.current().nextBytes(b);
            return b;
        }
    }
}
