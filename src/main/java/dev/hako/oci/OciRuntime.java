package dev.hako.oci;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The runtime operations behind runc's command line, on the containers whose state lives
 * under one root directory ({@code --root}). Each call may come from a different process:
 * everything a later call needs is in the state directory, never in this JVM.
 *
 * <p>Errors are {@link OciException}s whose message reads like runc's (engines match some
 * of them, e.g. "container does not exist").
 */
public final class OciRuntime {
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

    /** {@code create}: the container set up, its process waiting before execve until {@link #start}. */
    public void create(String id, CreateOptions options) throws IOException {
        throw new OciException("create: not yet");
    }

    /** {@code start}: releases a created container's process. */
    public void start(String id) throws IOException {
        throw new OciException("start: not yet");
    }

    /**
     * {@code run}: create and start; without {@code detach} waits for the process, deletes the
     * container and returns its exit code (128 + signal when killed); with it, returns 0.
     */
    public int run(String id, CreateOptions options, boolean detach) throws IOException, InterruptedException {
        throw new OciException("run: not yet");
    }

    /** {@code state}: the container's state as the runtime spec defines it. */
    public ContainerState state(String id) throws IOException {
        throw new OciException("state: not yet");
    }

    /** {@code list}: every container under the root, by id. */
    public List<ContainerState> list() throws IOException {
        throw new OciException("list: not yet");
    }

    /** {@code kill}: sends {@code signal} to the container's process, or with {@code all} to every process in it. */
    public void kill(String id, int signal, boolean all) throws IOException {
        throw new OciException("kill: not yet");
    }

    /** {@code delete}: removes a stopped (or created) container; {@code force} kills a running one first. */
    public void delete(String id, boolean force) throws IOException {
        throw new OciException("delete: not yet");
    }

    /** {@code exec}: a new process in the running container; returns its exit code, or 0 when detached. */
    public int exec(String id, ExecOptions options) throws IOException, InterruptedException {
        throw new OciException("exec: not yet");
    }

    /** {@code ps}: the host pids of the container's processes. */
    public List<Long> pids(String id) throws IOException {
        throw new OciException("ps: not yet");
    }

    /** {@code pause}: freezes every process of the container. */
    public void pause(String id) throws IOException {
        throw new OciException("pause: not yet");
    }

    /** {@code resume}: thaws a paused container. */
    public void resume(String id) throws IOException {
        throw new OciException("resume: not yet");
    }

    /** {@code update}: new resource limits, as the JSON of {@code linux.resources}. */
    public void update(String id, String resourcesJson) throws IOException {
        throw new OciException("update: not yet");
    }

    /** {@code events --stats}: one stats event, as runc prints it (JSON). */
    public String statsEvent(String id) throws IOException {
        throw new OciException("events: not yet");
    }
}
