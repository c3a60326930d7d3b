package dev.hako;

import dev.hako.linux.Kernel;
import dev.hako.net.NetworkPlan;
import dev.hako.net.PortMapping;
import dev.hako.security.User;
import dev.hako.spawn.LaunchConfig;
import dev.hako.spawn.Launched;
import dev.hako.spawn.PooledStart;
import dev.hako.spawn.StartingChild;
import dev.hako.spawn.WarmMembers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Containers set up before they are asked for: each member of the pool has done all its
 * setup (namespaces, mounts, pivot_root, /proc, /sys, /dev, cgroup, network) and waits just
 * before its command; a start hands it the command, environment, working directory, user
 * and stdio, and returns as soon as the command is exec'd.
 *
 * <pre>{@code
 * try (ContainerPool pool = ContainerPool.builder(Container.builder().rootfs(rootfs).memoryLimit("64m"))
 *         .size(4).build()) {
 *     ContainerProcess p = pool.command("/bin/sh", "-c", "echo $GREETING").env("GREETING", "hi").start();
 *     String out = new String(p.getInputStream().readAllBytes());
 *     p.waitFor();
 * }
 * }</pre>
 *
 * <p>Everything else is the pool's configuration, fixed for every member: what the template
 * builder says. Each member is its own container (its own id, hostname, cgroup and, on a
 * bridge, address and published host ports), and each is started once. Members are made and
 * replaced on the pool's own workers, and what a start leaves (its cgroup and network once
 * its process has exited) is released there too. A start's container releases itself once
 * its process has exited (with a terminal, all but the terminal's master, which stays
 * readable until {@code process.container().close()}); that {@code close()} also kills it
 * earlier. Members die with the JVM, as containers do.
 */
public final class ContainerPool implements AutoCloseable {
    /** When members are made. */
    public enum Refill {
        /** A new member for each one started, so that {@code size} members wait whenever the pool keeps up. */
        KEEP_FULL,
        /** {@code size} members at first and no more: a burst of starts prepared ahead. */
        NEVER
    }

    private final LaunchConfig template;
    private final Container networkOf;
    private final WarmMembers members;

    private ContainerPool(LaunchConfig template, Container networkOf, String name, int size, Refill refill,
                          String idPrefix, boolean hostnameGiven, Consumer<ContainerException> onFailure) {
        this.template = template;
        this.networkOf = networkOf;
        AtomicLong count = new AtomicLong();
        this.members = new WarmMembers(name, size, refill == Refill.KEEP_FULL, () -> {
            String id = idPrefix != null ? idPrefix + "-" + count.incrementAndGet() : Container.Builder.randomId();
            String hostname = hostnameGiven ? template.hostname()
                    : ConfigRules.hostname(null, template.namespaces(), id);
            return template.withIdentity(id, hostname);
        }, () -> networkOf == null ? null : networkOf.runningForNetwork(name), onFailure);
    }

    /**
     * A pool of containers configured by {@code template}, whose command (if it has one) is
     * the default command of a start. The builder is read when {@link Builder#build()} runs.
     */
    public static Builder builder(Container.Builder template) {
        return new Builder(Objects.requireNonNull(template, "template"));
    }

    /** Starts {@code command} in a member, with the pool's environment, directory, user and stdio. */
    public ContainerProcess start(String... command) throws IOException {
        return command(command).start();
    }

    /** Like {@link #start(String...)}. */
    public ContainerProcess start(List<String> command) throws IOException {
        return command(command.toArray(String[]::new)).start();
    }

    /**
     * A start to configure, like a {@link ProcessBuilder}: {@code command} (none: the
     * template's), then what may differ per start.
     */
    public Start command(String... command) {
        return new Start(command.length == 0 ? template.command() : List.of(command));
    }

    /** How many members wait for a start now. */
    public int waiting() {
        return members.waiting();
    }

    /**
     * Kills every waiting member and releases its cgroup, network, memory and descriptors,
     * and ends the pool's thread. Containers started from the pool are left running: they
     * are their callers'. Safe to call more than once.
     */
    @Override
    public void close() {
        members.close();
    }

    private ContainerProcess start(PooledStart given) throws IOException {
        StartingChild member = members.take();
        PooledStart start = given.inMember(template.hostname(), member.config().hostname());
        Launched launched;
        try {
            launched = member.start(start);
        } catch (ContainerException | RuntimeException e) {
            member.freeMemory();
            members.replace(); // the member is gone with its failed start
            throw e;
        }
        members.started(member, launched);
        return Container.started(member.config().withStart(start), networkOf, launched);
    }

    /**
     * One start: its command, and the environment, working directory, user and stdio, each
     * the pool's unless set here.
     */
    public final class Start {
        private final List<String> command;
        private final Map<String, String> env = new LinkedHashMap<>();
        private String workingDir;
        private String user;
        private Redirect stdin = template.stdin();
        private Redirect stdout = template.stdout();
        private Redirect stderr = template.stderr();
        private boolean redirectErrorStream = template.redirectErrorStream();

        private Start(List<String> command) {
            this.command = List.copyOf(command);
        }

        /** Sets one environment variable, over the pool's. */
        public Start env(String name, String value) {
            env.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Sets these environment variables, over the pool's. */
        public Start env(Map<String, String> variables) {
            variables.forEach(this::env);
            return this;
        }

        /** The working directory: it must exist in the member (the pool's own is made at setup). */
        public Start workingDir(String dir) {
            this.workingDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** The user, as {@link Container.Builder#user(String)} takes it, looked up in the rootfs. */
        public Start user(String user) {
            this.user = Objects.requireNonNull(user, "user");
            return this;
        }

        public Start redirectInput(Redirect source) {
            stdin = Container.Builder.requireType(source, "redirectInput", Redirect.Type.WRITE, Redirect.Type.APPEND);
            return this;
        }

        public Start redirectOutput(Redirect destination) {
            stdout = Container.Builder.requireType(destination, "redirectOutput", Redirect.Type.READ);
            return this;
        }

        public Start redirectError(Redirect destination) {
            stderr = Container.Builder.requireType(destination, "redirectError", Redirect.Type.READ);
            return this;
        }

        public Start redirectErrorStream(boolean merge) {
            redirectErrorStream = merge;
            return this;
        }

        /** stdin, stdout and stderr are the JVM's own. */
        public Start inheritIO() {
            stdin = Redirect.INHERIT;
            stdout = Redirect.INHERIT;
            stderr = Redirect.INHERIT;
            return this;
        }

        /**
         * Starts the command in a waiting member (waiting for one when none is ready).
         *
         * @throws IllegalArgumentException naming the option that is wrong
         * @throws ContainerException when the command cannot be run, or no member could be set up
         * @throws IllegalStateException when the pool is closed, or used up ({@link Refill#NEVER})
         */
        public ContainerProcess start() throws IOException {
            return ContainerPool.this.start(toPooledStart());
        }

        private PooledStart toPooledStart() {
            ConfigRules.command(command);
            if (template.terminal() != null && (stdin.type() != Redirect.Type.PIPE || stdout.type() != Redirect.Type.PIPE
                    || stderr.type() != Redirect.Type.PIPE || redirectErrorStream)) {
                throw new IllegalArgumentException("redirect*(...): the pool's members have a terminal"
                        + " (terminal(true)), which is every start's stdin, stdout and stderr");
            }
            String dir = workingDir != null ? workingDir : template.workingDir();
            ConfigRules.workingDir(dir);
            User theUser = template.user();
            Map<String, String> environment = new LinkedHashMap<>(template.env());
            if (user != null) {
                try {
                    theUser = User.resolve(user, template.rootfs());
                } catch (IOException e) {
                    throw new UncheckedIOException("reading the container's /etc/passwd for user '" + user + "' failed", e);
                }
                ConfigRules.mappedUser(theUser, template.userNamespace());
                if (template.user().home().equals(environment.get("HOME"))) {
                    environment.put("HOME", theUser.home());
                }
            }
            environment.putAll(env);
            ConfigRules.environment(environment);
            return new PooledStart(command, environment, dir, theUser, stdin, stdout, stderr, redirectErrorStream);
        }
    }

    /** Builds a {@link ContainerPool}. */
    public static final class Builder {
        private final Container.Builder template;
        private int size = 2;
        private Refill refill = Refill.KEEP_FULL;
        private Consumer<ContainerException> onMemberFailure = e -> System.getLogger(ContainerPool.class.getName())
                .log(System.Logger.Level.WARNING, "a container pool member failed its setup and is replaced: "
                        + e.getMessage());

        private Builder(Container.Builder template) {
            this.template = template;
        }

        /** How many members wait for a start (1 to 1024; 2 unless set). */
        public Builder size(int size) {
            if (size < 1 || size > 1024) {
                throw new IllegalArgumentException("size(" + size + "): a pool holds 1 to 1024 waiting members");
            }
            this.size = size;
            return this;
        }

        /** When members are made ({@link Refill#KEEP_FULL} unless set). */
        public Builder refill(Refill refill) {
            this.refill = Objects.requireNonNull(refill, "refill");
            return this;
        }

        /**
         * Told about each member whose setup failed (it is replaced), on the pool's thread;
         * a warning in the log unless set.
         */
        public Builder onMemberFailure(Consumer<ContainerException> listener) {
            this.onMemberFailure = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Validates the template as {@link Container.Builder#build()} does, and starts making
         * members in the background.
         *
         * @throws IllegalArgumentException naming the option that is wrong, or that a pool cannot have
         * @throws IllegalStateException in a JVM without root, which cannot keep a pool
         */
        public ContainerPool build() {
            if (Kernel.rootless()) {
                // Its members live in user namespaces whose root ids make the memory they share
                // with the JVM non-dumpable while they wait, and a JVM without root needs it
                // dumpable to write other children's maps and join their namespaces.
                throw new IllegalStateException("ContainerPool needs a JVM with root (CAP_SYS_ADMIN): a JVM"
                        + " without root cannot keep members waiting in user namespaces and start other containers"
                        + " meanwhile; start Containers one by one instead");
            }
            if (template.startGate() != null) {
                throw new IllegalArgumentException("startGate(" + template.startGate() + "): a pool's members are"
                        + " released by pool.start(...), not through a fifo; build single Containers for that");
            }
            String name = template.givenId() != null ? template.givenId() : Container.Builder.randomId();
            LaunchConfig config = template.configure(name, true);
            List<PortMapping> ports = switch (config.network()) {
                case NetworkPlan.Bridged b -> b.ports();
                case NetworkPlan.UserMode u -> u.ports();
                default -> List.of();
            };
            for (PortMapping p : ports) {
                if (p.hostPort() != 0) {
                    throw new IllegalArgumentException("publish(" + p.hostPort() + ":" + p.containerPort()
                            + "): every member of a pool publishes its own host port, so a pool takes only"
                            + " random ones: publish(\"0:" + p.containerPort() + "\"), then ask each started"
                            + " process for hostPort(" + p.containerPort() + ")");
                }
            }
            return new ContainerPool(config, template.networkOf(), name, size, refill, template.givenId(),
                    template.hostnameGiven(), onMemberFailure);
        }
    }
}
