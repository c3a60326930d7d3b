package dev.hako.net;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How each helper is started, made ready and given its ports; on any failure the helper is
 * stopped and reaped and its API socket removed before the exception propagates.
 */
final class SlirpStarts {
    /** sun_path holds 108 bytes with its NUL; stay clear of it rather than fail inside slirp4netns. */
    private static final int MAX_SOCKET_PATH = 100;

    private SlirpStarts() {
    }

    /** slirp4netns: ready on its ready-fd, then one API request per port, then the API socket unlinked. */
    static SlirpNetwork slirp4netns(Path program, long pid, SlirpOptions options) throws IOException {
        Path dir = options.ports().isEmpty() ? null : SlirpNetwork.privateDirectory();
        Path socket = dir == null ? null : dir.resolve("api.sock");
        SlirpProcess process = null;
        try {
            if (socket != null && socket.toString().length() > MAX_SOCKET_PATH) {
                throw new IOException("the API socket path " + socket + " is longer than " + MAX_SOCKET_PATH
                        + " bytes: set XDG_RUNTIME_DIR or java.io.tmpdir to a shorter directory");
            }
            long started = System.nanoTime();
            process = SlirpProcess.start(SlirpCommand.slirp4netns(program, pid, options, socket), true);
            process.awaitReady(SlirpStarts::slirp4netnsReady, options.readyTimeout());
            Duration ready = Duration.ofNanos(System.nanoTime() - started);
            List<SlirpNetwork.Published> published = new ArrayList<>();
            for (SlirpPort port : options.ports()) {
                published.add(publish(process, socket, port));
            }
            return SlirpNetwork.of(SlirpHelper.SLIRP4NETNS, process, published, ready);
        } catch (IOException | RuntimeException e) {
            stopAfterFailure(process, e);
            throw e;
        } finally {
            if (dir != null) {
                Files.deleteIfExists(socket);
                Files.deleteIfExists(dir);
            }
        }
    }

    /**
     * slirp4netns's {@code --ready-fd=1}: it writes "1" and closes the descriptor, so stdout
     * ends with "1" (anything before is a message, such as its seccomp warning). EOF
     * without it: it failed.
     */
    static Boolean slirp4netnsReady(SlirpOutput.State stdout) {
        if (!stdout.eof()) {
            return null;
        }
        return stdout.text().endsWith("1");
    }

    /** One add_hostfwd; a port asked as 0 gets another free port when the one picked was taken meanwhile. */
    private static SlirpNetwork.Published publish(SlirpProcess process, Path socket, SlirpPort port) throws IOException {
        int attempts = port.hostPort() == 0 ? SlirpFreePorts.ATTEMPTS : 1;
        String error = null;
        for (int i = 0; i < attempts; i++) {
            int hostPort = port.hostPort() == 0 ? SlirpFreePorts.pick(port) : port.hostPort();
            SlirpApi.Reply reply = SlirpApi.call(socket, SlirpCommand.addHostForwardRequest(port.withHostPort(hostPort)));
            if (reply.ok()) {
                return new SlirpNetwork.Published(port, hostPort);
            }
            error = reply.error();
        }
        throw process.failure("slirp4netns could not publish " + port + ": " + error
                + (attempts > 1 ? " (" + attempts + " free ports tried)" : " (is the host port taken?)"));
    }

    /**
     * pasta: the ports are on its command line, so a free port taken meanwhile makes it exit
     * ("Failed to bind"), and the whole start is tried again with new ones.
     */
    static SlirpNetwork pasta(Path program, long pid, SlirpOptions options, boolean asRoot) throws IOException {
        boolean freePorts = options.ports().stream().anyMatch(p -> p.hostPort() == 0);
        int attempts = freePorts ? SlirpFreePorts.ATTEMPTS : 1;
        IOException last = null;
        for (int i = 0; i < attempts; i++) {
            List<SlirpPort> ports = new ArrayList<>();
            List<Integer> hostPorts = new ArrayList<>();
            for (SlirpPort p : options.ports()) {
                int hostPort = p.hostPort() == 0 ? SlirpFreePorts.pick(p) : p.hostPort();
                ports.add(p.withHostPort(hostPort));
                hostPorts.add(hostPort);
            }
            SlirpProcess process = null;
            try {
                long started = System.nanoTime();
                process = SlirpProcess.start(SlirpCommand.pasta(program, pid, options, ports, asRoot), false);
                long expected = process.pid();
                process.awaitReady(stdout -> pastaReady(stdout, expected), options.readyTimeout());
                Duration ready = Duration.ofNanos(System.nanoTime() - started);
                return SlirpNetwork.of(SlirpHelper.PASTA, process, SlirpNetwork.concrete(options.ports(), hostPorts),
                        ready);
            } catch (IOException | RuntimeException e) {
                stopAfterFailure(process, e);
                if (!(e instanceof IOException io) || !freePorts || process == null || !process.stderrText().contains("Failed to bind")) {
                    throw e;
                }
                last = io;
            }
        }
        throw last;
    }

    /** pasta's {@code --pid /dev/stdout}: its pid on the first line once set up. EOF before it: it failed. */
    static Boolean pastaReady(SlirpOutput.State stdout, long pid) {
        int newline = stdout.text().indexOf('\n');
        if (newline >= 0) {
            return stdout.text().substring(0, newline).strip().equals(Long.toString(pid));
        }
        return stdout.eof() ? Boolean.FALSE : null;
    }

    private static void stopAfterFailure(SlirpProcess process, Exception failure) {
        if (process == null) {
            return;
        }
        try {
            process.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure.addSuppressed(e);
        }
    }
}
