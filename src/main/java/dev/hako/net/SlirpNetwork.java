package dev.hako.net;

import dev.hako.linux.Kernel;
import dev.hako.linux.Libc;
import dev.hako.linux.Namespaces;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A user-mode network for a network namespace that this JVM cannot plumb itself (no
 * bridge or veth without root): a helper program, {@link SlirpHelper slirp4netns or
 * pasta}, started as the JVM's child and attached to the namespace of a running process,
 * with a tap device {@value SlirpCommand#INTERFACE} at 10.0.2.100/24, a default route
 * through 10.0.2.2, a DNS forwarder at 10.0.2.3 ({@link #resolvConf()}) and published
 * ports. The same addresses whichever helper runs.
 *
 * <pre>{@code
 * try (SlirpNetwork net = SlirpNetwork.start(pid, pidfd, SlirpOptions.defaults()
 *         .publish(SlirpPort.tcp(0, 80).onHost(InetAddress.getLoopbackAddress())))) {
 *     int port = net.published().getFirst().hostPort();   // the free port chosen
 *     ...
 * }
 * }</pre>
 *
 * <p><b>The target.</b> {@code pid} must have a network namespace of its own (refused
 * otherwise: the helper would configure the host's); without root its user namespace must
 * own that network namespace, as a rootless container's does. {@code pidfd} names the same
 * process: a pid can be reused once its process is reaped, so the process is checked to be
 * alive, through the pidfd, before the helper starts and after it has joined the
 * namespaces; alive throughout, the pid the helper opened was that process's.
 *
 * <p><b>Ready.</b> {@link #start} returns once the helper says it has configured the
 * namespace (slirp4netns's ready-fd, pasta's pid file; see {@link SlirpCommand}) and every
 * port is published, or throws, with the helper's stderr, after
 * {@link SlirpOptions#readyTimeout()}; then nothing of it is left.
 *
 * <p><b>Lifetime.</b> {@link #close()} ends the helper, waits until it is reaped and its
 * output readers are done. slirp4netns also ends by itself when the JVM dies in any way:
 * its exit-fd is a pipe only the JVM writes to. Neither helper ends when the namespace's
 * last process exits (tried: each holds the namespace through its tap device, and neither
 * watches the process), so {@code close()} belongs with the container's, and pasta (no
 * exit-fd, and no {@code PR_SET_PDEATHSIG} for a {@code ProcessBuilder} child) survives a
 * JVM that dies without it. The slirp4netns API socket, the one file, is in a private
 * directory removed as soon as the ports are published (slirp4netns keeps listening on an
 * unlinked socket that no one else can then reach), so a dead JVM leaves no file.
 *
 * <p><b>UDP from the host's own loopback.</b> Datagrams sent to a published UDP port from
 * 127.0.0.1 reach the container, but its replies do not come back. slirp4netns presents
 * such a client as 10.0.2.2, the address that stands for the host's loopback, and while
 * host loopback is off (the default) drops what goes back to it; with host loopback
 * allowed it answers. pasta (this version), either way, hands local datagrams to the
 * namespace's loopback past the tap device and fails to send the reply (sendmmsg on a
 * descriptor that is no socket, ENOTSOCK, seen with strace). TCP is unaffected (the
 * connection carries the reply); clients from other addresses are ordinary traffic for
 * both (not tested here: that would need a second host address).
 */
public final class SlirpNetwork implements AutoCloseable {
    /** The helper's DNS forwarder, for the container's resolv.conf. */
    public static final String DNS = SlirpCommand.DNS;

    /** A published port and the host port it got (the one asked, or the free one chosen for 0). */
    public record Published(SlirpPort port, int hostPort) {
    }

    private final SlirpHelper helper;
    private final SlirpProcess process;
    private final List<Published> published;
    private final Duration readyTime;
    private boolean closed;

    private SlirpNetwork(SlirpHelper helper, SlirpProcess process, List<Published> published, Duration readyTime) {
        this.helper = helper;
        this.process = process;
        this.published = List.copyOf(published);
        this.readyTime = readyTime;
    }

    /**
     * Starts the helper for the network namespace of {@code pid} and waits until it is
     * configured and every port of {@code options} is published.
     *
     * @param pid     a process with its own network namespace
     * @param pidfd   a pidfd of that process (the caller keeps it; it is not closed)
     * @param options the helper, ports, host loopback, MTU and ready timeout
     * @throws IllegalStateException    when the helper is not installed (naming its package)
     * @throws IllegalArgumentException when {@code pid} shares this JVM's network namespace, or
     *                                  {@code pid} or {@code pidfd} is not a possible value
     * @throws IOException              when the process is gone, or the helper fails or is not
     *                                  ready in time (with its stderr)
     */
    public static SlirpNetwork start(long pid, int pidfd, SlirpOptions options) throws IOException {
        if (pid < 1 || pidfd < 0) {
            throw new IllegalArgumentException("a user-mode network needs the pid and a pidfd of a running process, not pid "
                    + pid + " and pidfd " + pidfd);
        }
        SlirpHelper helper = options.helperToUse();
        Path program = helper.require();
        requireOwnNetworkNamespace(pid, pidfd);
        SlirpNetwork net = helper == SlirpHelper.SLIRP4NETNS
                ? SlirpStarts.slirp4netns(program, pid, options)
                : SlirpStarts.pasta(program, pid, options, Kernel.effectiveUid() == 0);
        try {
            requireAlive(pid, pidfd, "while " + helper.program() + " joined its namespaces");
            return net;
        } catch (IOException | RuntimeException e) {
            net.close();
            throw e;
        }
    }

    static SlirpNetwork of(SlirpHelper helper, SlirpProcess process, List<Published> published, Duration readyTime) {
        return new SlirpNetwork(helper, process, published, readyTime);
    }

    /** Refuses a process in this JVM's own network namespace, or one already gone. */
    private static void requireOwnNetworkNamespace(long pid, int pidfd) throws IOException {
        int theirs = Namespaces.open(pid, pidfd, "net");
        try {
            int ours = Libc.openat2(linux_h.AT_FDCWD(), "/proc/self/ns/net", linux_h.O_RDONLY() | linux_h.O_CLOEXEC(), 0);
            try {
                Libc.FileStatus a = Libc.fstat(theirs);
                Libc.FileStatus b = Libc.fstat(ours);
                if (a.device() == b.device() && a.inode() == b.inode()) {
                    throw new IllegalArgumentException("process " + pid + " is in this JVM's own network namespace: a"
                            + " user-mode network would configure the host's; give the container a network namespace");
                }
            } finally {
                Libc.closeQuietly(ours);
            }
        } finally {
            Libc.closeQuietly(theirs);
        }
    }

    private static void requireAlive(long pid, int pidfd, String when) throws IOException {
        try {
            Libc.pidfdSendSignal(pidfd, 0);
        } catch (SyscallException e) {
            throw new IOException("process " + pid + " exited " + when + ", so its pid may name another process"
                    + " now: the network was not attached", e);
        }
    }

    /** The helper that runs. */
    public SlirpHelper helper() {
        return helper;
    }

    /** The helper's pid (in the JVM's PID namespace). */
    public long helperPid() {
        return process.pid();
    }

    /** Whether the helper still runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The tap device in the namespace, {@value SlirpCommand#INTERFACE}. */
    public String interfaceName() {
        return SlirpCommand.INTERFACE;
    }

    /** The namespace's address on the tap device, 10.0.2.100. */
    public InetAddress address() {
        return literal(SlirpCommand.ADDRESS);
    }

    /** The prefix length of {@link #address()}, 24. */
    public int prefixLength() {
        return SlirpCommand.PREFIX_LENGTH;
    }

    /** The default gateway inside, 10.0.2.2: the host (its loopback only with host loopback allowed). */
    public InetAddress gateway() {
        return literal(SlirpCommand.GATEWAY);
    }

    /**
     * The helper's DNS forwarder, 10.0.2.3: queries sent there go to the host's resolvers
     * (the host's /etc/resolv.conf when the helper started). A container's resolv.conf should
     * name it: the host's own may name 127.0.0.53, which is the container's loopback inside.
     * Host loopback off does not cover this one port: when the host's resolver listens on its
     * loopback, the forwarder reaches it (DNS on port 53 only), which is what makes DNS work.
     * Not tested with queries here: they would go on to the host's real resolver.
     */
    public InetAddress dnsServer() {
        return literal(SlirpCommand.DNS);
    }

    /** An /etc/resolv.conf for the container: {@code nameserver 10.0.2.3}. */
    public String resolvConf() {
        return "nameserver " + SlirpCommand.DNS + "\n";
    }

    /** The published ports, in the order of the options, with their host ports. */
    public List<Published> published() {
        return published;
    }

    /**
     * The host port {@code port} (one of the options' ports) got.
     *
     * @throws IllegalArgumentException when it was not published here
     */
    public int hostPort(SlirpPort port) {
        return published.stream().filter(p -> p.port().equals(port)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(port + " is not published here: " + published))
                .hostPort();
    }

    /** From starting the helper to its readiness signal (ports not included). */
    public Duration readyTime() {
        return readyTime;
    }

    /** Ends the helper and waits until it is reaped. Safe to call twice. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            process.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while stopping " + helper.program() + " (pid " + process.pid()
                    + ")");
        }
    }

    private static InetAddress literal(String dotted) {
        try {
            return InetAddress.getByName(dotted); // a literal: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return helper.program() + " (pid " + process.pid() + ") " + SlirpCommand.INTERFACE + " " + SlirpCommand.ADDRESS
                + "/" + SlirpCommand.PREFIX_LENGTH + ", published " + published;
    }

    /** A private directory (0700) for the API socket: $XDG_RUNTIME_DIR when set, else java.io.tmpdir. */
    static Path privateDirectory() throws IOException {
        return Files.createTempDirectory(privateDirectoryParent(), "hako-slirp-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    /** Where {@link #privateDirectory()} makes its directories. */
    static Path privateDirectoryParent() {
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        return runtime != null && !runtime.isEmpty() && Files.isDirectory(Path.of(runtime))
                && Files.isWritable(Path.of(runtime)) ? Path.of(runtime) : Path.of(System.getProperty("java.io.tmpdir"));
    }

    static List<Published> concrete(List<SlirpPort> asked, List<Integer> ports) {
        List<Published> out = new ArrayList<>();
        for (int i = 0; i < asked.size(); i++) {
            out.add(new Published(asked.get(i), ports.get(i)));
        }
        return out;
    }
}
