package dev.hako.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hako.Container;
import dev.hako.ContainerException;
import dev.hako.ContainerProcess;
import dev.hako.cgroup.CgroupLayout;
import dev.hako.cgroup.CgroupStats;
import dev.hako.cgroup.ContainerCgroup;
import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;
import dev.hako.spawn.ExecConfig;
import dev.hako.spawn.ExecLauncher;
import dev.hako.spawn.LaunchConfig;
import dev.hako.spawn.ApiAccess;
import dev.hako.spawn.Launched;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The runtime operations behind runc's command line, on the containers whose state lives
 * under one root directory ({@code --root}). Each call may come from a different process:
 * everything a later call needs is in the state directory, never in this JVM.
 *
 * <p>Errors are {@link OciException}s whose message reads like runc's (engines match some
 * of them, e.g. "does not exist").
 */
public final class OciRuntime {
    /** The spec version hako writes in states. */
    public static final String OCI_VERSION = "1.2.0";

    private final Path root;
    private final RuntimeLog log;

    public OciRuntime(Path root, RuntimeLog log) {
        this.root = root;
        this.log = log;
    }

    /** The state root ({@code --root}). */
    public Path root() {
        return root;
    }

    /** The status of a container, read from the kernel where the stored phase cannot say it. */
    enum Status {
        CREATING, CREATED, RUNNING, PAUSED, STOPPED;

        String json() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** {@code create}: the container set up, its process waiting before execve until {@link #start}. */
    public void create(String id, CreateOptions options) throws IOException {
        createHere(id, options);
    }

    /** Create, returning the process for a {@code run} in this JVM to wait on. */
    private ContainerProcess createHere(String id, CreateOptions options) throws IOException {
        StateDirectory dir = StateDirectory.create(root, id);
        Container container = null;
        try (FileChannel lock = dir.lock()) {
            Path bundle = options.bundle().toAbsolutePath().normalize();
            Bundle loaded = Bundle.load(bundle, log);
            StoredState creating = new StoredState(OCI_VERSION, id, StoredState.CREATING, 0, 0, bundle.toString(),
                    loaded.rootfs().toString(), Instant.now().toString(), owner(), loaded.annotations(), List.of(),
                    loaded.hooks());
            dir.write(creating);
            ExecFifo.make(dir.fifo());
            Container.Builder builder = loaded.builder().id(id).dieWithJvm(false).startGate(dir.fifo());
            if (loaded.terminal()) {
                if (options.consoleSocket() == null) {
                    throw new OciException("process.terminal: a terminal needs --console-socket, where its master"
                            + " is sent (hako does not relay a terminal itself)");
                }
            } else {
                builder.inheritIO();
            }
            for (int i = 0; i < options.preserveFds(); i++) {
                builder.passFd(3 + i, 3 + i);
            }
            container = loaded.build(id);
            CommandCheck.check(ApiAccess.config(container));
            ContainerProcess process = container.start();
            long pid = process.pid();
            if (loaded.terminal()) {
                ApiAccess.launched(process).sendTerminalTo(options.consoleSocket());
            }
            OptionalLong started = ProcessIdentity.startTime(pid);
            if (started.isEmpty()) {
                throw new OciException("container " + id + ": its process " + pid + " ended during create");
            }
            List<String> cgroups = ApiAccess.launched(process).cgroup().directories().stream()
                    .map(Path::toString).toList();
            StoredState created = new StoredState(OCI_VERSION, id, StoredState.CREATED, pid, started.getAsLong(),
                    creating.bundle(), creating.rootfs(), creating.created(), creating.owner(), creating.annotations(),
                    cgroups, creating.hooks());
            Hooks.run(loaded.hooks(), "prestart", stateJson(created, Status.CREATED), log);
            Hooks.run(loaded.hooks(), "createRuntime", stateJson(created, Status.CREATED), log);
            Hooks.run(loaded.hooks(), "createContainer", stateJson(created, Status.CREATED), log);
            if (options.pidFile() != null) {
                writePidFile(options.pidFile(), pid);
            }
            dir.write(created);
            return process;
        } catch (ContainerException e) {
            cleanUpFailedCreate(container, dir, e);
            throw new OciException(e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            cleanUpFailedCreate(container, dir, e);
            throw e;
        }
    }

    private static void cleanUpFailedCreate(Container container, StateDirectory dir, Exception failure) {
        if (container != null) {
            container.close();
        }
        try {
            dir.remove();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /** runc's pid file: written beside, then renamed, so that an engine never reads half of it. */
    private static void writePidFile(Path pidFile, long pid) throws IOException {
        Path absolute = pidFile.toAbsolutePath();
        Path tmp = absolute.resolveSibling("." + absolute.getFileName() + ".tmp");
        Files.writeString(tmp, Long.toString(pid));
        Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** {@code start}: releases a created container's process. */
    public void start(String id) throws IOException {
        StateDirectory dir = StateDirectory.open(root, id);
        StoredState state;
        try (FileChannel lock = dir.lock()) {
            state = dir.read();
            Status status = status(state, dir);
            switch (status) {
                case CREATED -> { }
                case STOPPED -> throw new OciException("cannot start a container that has stopped");
                case CREATING -> throw new OciException("cannot start container " + id + ": it is still being created");
                default -> throw new OciException("cannot start an already running container");
            }
            ExecFifo.release(dir.fifo(), state.pid(), id);
            Files.deleteIfExists(dir.fifo());
            state = state.withPhase(StoredState.RUNNING);
            dir.write(state);
        }
        Hooks.run(state.hooks(), "poststart", stateJson(state, Status.RUNNING), log);
    }

    /**
     * {@code run}: create and start; without {@code detach} waits for the process, deletes the
     * container and returns its exit code (128 + signal when killed); with it, returns 0.
     */
    public int run(String id, CreateOptions options, boolean detach) throws IOException, InterruptedException {
        ContainerProcess process = createHere(id, options);
        try {
            start(id);
        } catch (IOException | RuntimeException e) {
            try {
                delete(id, true);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        if (detach) {
            return 0;
        }
        int code = process.waitFor();
        delete(id, true);
        return code;
    }

    /** {@code state}: the container's state as the runtime spec defines it. */
    public ContainerState state(String id) throws IOException {
        StateDirectory dir = StateDirectory.open(root, id);
        StoredState state = dir.read();
        return view(state, status(state, dir));
    }

    /** {@code list}: every container under the root, by id. */
    public List<ContainerState> list() throws IOException {
        List<ContainerState> all = new ArrayList<>();
        for (String id : StateDirectory.ids(root)) {
            try {
                all.add(state(id));
            } catch (OciException e) {
                log.warn(e.getMessage());
            }
        }
        return all;
    }

    /** {@code kill}: sends {@code signal} to the container's process, or with {@code all} to every process in it. */
    public void kill(String id, int signal, boolean all) throws IOException {
        StateDirectory dir = StateDirectory.open(root, id);
        StoredState state = dir.read();
        Status status = status(state, dir);
        if (status == Status.STOPPED || status == Status.CREATING) {
            throw new OciException("container not running");
        }
        if (all) {
            for (long pid : cgroup(state).pids()) {
                signal(pid, signal);
            }
            return;
        }
        signal(state.pid(), state.pidStartTime(), signal);
    }

    /** Signals {@code pid} through a pidfd opened for it; a process gone meanwhile is no error. */
    private static void signal(long pid, int signal) throws OciException {
        int pidfd;
        try {
            pidfd = Libc.pidfdOpen(pid);
        } catch (SyscallException e) {
            return;
        }
        try {
            Libc.pidfdSendSignal(pidfd, signal);
        } catch (SyscallException e) {
            if (e.errno() != linux_h.ESRCH()) {
                throw new OciException("kill " + pid + ": " + e.getMessage());
            }
        } finally {
            Libc.closeQuietly(pidfd);
        }
    }

    /** Signals the container's process, checked against its start time once its pidfd is open (no pid reuse race). */
    private static void signal(long pid, long startTime, int signal) throws OciException {
        int pidfd;
        try {
            pidfd = Libc.pidfdOpen(pid);
        } catch (SyscallException e) {
            throw new OciException("container not running");
        }
        try {
            if (!ProcessIdentity.isAlive(pid, startTime)) {
                throw new OciException("container not running");
            }
            Libc.pidfdSendSignal(pidfd, signal);
        } catch (SyscallException e) {
            throw new OciException(e.errno() == linux_h.ESRCH() ? "container not running" : "kill: " + e.getMessage());
        } finally {
            Libc.closeQuietly(pidfd);
        }
    }

    /** {@code delete}: removes a stopped (or created) container; {@code force} kills a running one first. */
    public void delete(String id, boolean force) throws IOException {
        StateDirectory.checkId(id);
        if (force && !StateDirectory.exists(root, id)) {
            return; // as runc: deleting what is gone already is done
        }
        StateDirectory dir = StateDirectory.open(root, id);
        StoredState state;
        try (FileChannel lock = dir.lock()) {
            state = dir.read();
            Status status = status(state, dir);
            if ((status == Status.RUNNING || status == Status.PAUSED) && !force) {
                throw new OciException("cannot delete container " + id + " that is not stopped: " + status.json());
            }
            ContainerCgroup cgroup = cgroup(state);
            if (status == Status.PAUSED) {
                cgroup.thaw();
            }
            cgroup.destroy(); // kills what is left: a created container's waiting process, a forced one's
            dir.remove();
        }
        if (state.pid() > 0) {
            Hooks.run(state.hooks(), "poststop", stateJson(state, Status.STOPPED), log);
        }
    }

    /** {@code exec}: a new process in the running container; returns its exit code, or 0 when detached. */
    public int exec(String id, ExecOptions options) throws IOException, InterruptedException {
        StateDirectory dir = StateDirectory.open(root, id);
        StoredState state = dir.read();
        Status status = status(state, dir);
        if (status == Status.PAUSED) {
            throw new OciException("cannot exec in a paused container");
        }
        if (status != Status.RUNNING && status != Status.CREATED) {
            throw new OciException("cannot exec in a stopped container");
        }
        JsonNode process = ExecProcess.of(options, Path.of(state.bundle()));
        Bundle loaded = Bundle.load(Path.of(state.bundle()), log, process);
        if (loaded.terminal() && options.consoleSocket() == null) {
            throw new OciException("process.terminal: a terminal needs --console-socket, where its master is sent");
        }
        Container template = loaded.build(id);
        LaunchConfig config = ApiAccess.config(template);
        ProcessBuilder.Redirect stdio = config.terminal() != null ? ProcessBuilder.Redirect.PIPE
                : ProcessBuilder.Redirect.INHERIT;
        ExecConfig exec = new ExecConfig(config.command(), config.env(), config.user(), config.workingDir(),
                stdio, stdio, stdio, false, config.terminal());
        Launched launched;
        try {
            launched = ExecLauncher.launch(config, new AttachedProcess(state.pid(), state.pidStartTime(), cgroup(state)),
                    exec);
        } catch (ContainerException e) {
            throw new OciException(e.getMessage(), e);
        }
        if (config.terminal() != null) {
            launched.sendTerminalTo(options.consoleSocket());
        }
        if (options.pidFile() != null) {
            writePidFile(options.pidFile(), launched.pid());
        }
        if (options.detach()) {
            return 0;
        }
        try {
            return launched.exit().get().toExitValue();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new OciException("exec in container " + id + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** {@code ps}: the host pids of the container's processes. */
    public List<Long> pids(String id) throws IOException {
        StateDirectory dir = StateDirectory.open(root, id);
        StoredState state = dir.read();
        if (state.pid() == 0) {
            return List.of();
        }
        return cgroup(state).pids().stream().sorted().toList();
    }

    /** {@code pause}: freezes every process of the container. */
    public void pause(String id) throws IOException {
        StateDirectory dir = StateDirectory.open(root, id);
        try (FileChannel lock = dir.lock()) {
            StoredState state = dir.read();
            Status status = status(state, dir);
            if (status != Status.RUNNING && status != Status.CREATED) {
                throw new OciException("container not running");
            }
            cgroup(state).freeze();
        }
    }

    /** {@code resume}: thaws a paused container. */
    public void resume(String id) throws IOException {
        StateDirectory dir = StateDirectory.open(root, id);
        try (FileChannel lock = dir.lock()) {
            StoredState state = dir.read();
            if (status(state, dir) != Status.PAUSED) {
                throw new OciException("container not paused");
            }
            cgroup(state).thaw();
        }
    }

    /** {@code update}: new resource limits, as the JSON of {@code linux.resources}. */
    public void update(String id, String resourcesJson) throws IOException {
        StateDirectory dir = StateDirectory.open(root, id);
        try (FileChannel lock = dir.lock()) {
            StoredState state = dir.read();
            if (status(state, dir) == Status.STOPPED) {
                throw new OciException("container " + id + " is not running");
            }
            cgroup(state).update(ResourceUpdate.parse(resourcesJson));
        }
    }

    /** {@code events --stats}: one stats event, as runc prints it (JSON). */
    public String statsEvent(String id) throws IOException {
        StateDirectory dir = StateDirectory.open(root, id);
        StoredState state = dir.read();
        if (status(state, dir) == Status.STOPPED) {
            throw new OciException("container " + id + " is not running");
        }
        CgroupStats stats = cgroup(state).stats();
        ObjectNode event = StateDirectory.JSON.createObjectNode();
        event.put("type", "stats");
        event.put("id", id);
        ObjectNode data = event.putObject("data");
        stats.cpuTimeNanos().ifPresent(n -> data.putObject("cpu").putObject("usage").put("total", n));
        ObjectNode memory = data.putObject("memory");
        ObjectNode usage = memory.putObject("usage");
        stats.memoryCurrent().ifPresent(n -> usage.put("usage", n));
        stats.memoryPeak().ifPresent(n -> usage.put("max", n));
        stats.pidsCurrent().ifPresent(n -> data.putObject("pids").put("current", n));
        return event.toString();
    }

    /** What the kernel says of a stored container. */
    private static Status status(StoredState state, StateDirectory dir) throws IOException {
        if (state.phase().equals(StoredState.CREATING)) {
            // A create writes its process only at its end: until then it holds the lock, and a
            // create that no longer holds it died on the way.
            return dir.isLocked() ? Status.CREATING : Status.STOPPED;
        }
        if (!ProcessIdentity.isAlive(state.pid(), state.pidStartTime())) {
            return Status.STOPPED;
        }
        if (state.phase().equals(StoredState.CREATED) && Files.exists(dir.fifo())) {
            return Status.CREATED;
        }
        return cgroup(state).isFrozen() ? Status.PAUSED : Status.RUNNING;
    }

    private static ContainerCgroup cgroup(StoredState state) throws IOException {
        List<Path> dirs = state.cgroupDirectories() == null ? List.of()
                : state.cgroupDirectories().stream().map(Path::of).toList();
        return ContainerCgroup.reopen(CgroupLayout.detect(), state.id(), dirs);
    }

    private static ContainerState view(StoredState state, Status status) {
        Map<String, String> annotations = state.annotations() == null ? Map.of() : state.annotations();
        return new ContainerState(state.ociVersion() == null ? OCI_VERSION : state.ociVersion(), state.id(),
                status.json(), status == Status.STOPPED ? 0 : state.pid(),
                state.bundle() == null ? null : Path.of(state.bundle()),
                state.rootfs() == null ? null : Path.of(state.rootfs()),
                state.created() == null ? null : Instant.parse(state.created()), state.owner(), annotations);
    }

    /** The state as hooks receive it on stdin (the spec's state JSON). */
    private static String stateJson(StoredState state, Status status) {
        ObjectNode json = StateDirectory.JSON.createObjectNode();
        json.put("ociVersion", state.ociVersion());
        json.put("id", state.id());
        json.put("status", status.json());
        if (status != Status.STOPPED) {
            json.put("pid", state.pid());
        }
        json.put("bundle", state.bundle());
        ObjectNode annotations = json.putObject("annotations");
        if (state.annotations() != null) {
            state.annotations().forEach(annotations::put);
        }
        return json.toString();
    }

    private static String owner() {
        return System.getProperty("user.name", "");
    }
}
