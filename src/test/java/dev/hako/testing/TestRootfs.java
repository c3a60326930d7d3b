package dev.hako.testing;

import dev.hako.cli.MinimalRootfs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The root filesystem shared by the kernel integration tests: built once per JVM by
 * {@link MinimalRootfs} into {@code target/it-rootfs} (rebuilt from scratch on each run, so
 * files that tests wrote into it on an earlier run are gone).
 *
 * <p>The tests run only the commands below in their containers and assert what the kernel
 * does, not what one shell or tool prints, so any POSIX userland serves: busybox-static, or
 * the host's own dash, coreutils and friends. A command the host lacks fails the first test
 * that needs the rootfs, naming the Debian package that brings it.
 */
public final class TestRootfs {

    /** Every command the kernel tests run inside a container, with the Debian package that has it. */
    static final Map<String, String> COMMANDS = commands();

    private static Path path;

    private TestRootfs() {
    }

    /** The rootfs directory, built on first use. */
    public static synchronized Path path() {
        if (path == null) {
            Path base = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
            Path dir = base.resolve("target").resolve("it-rootfs").toAbsolutePath();
            try {
                MinimalRootfs.delete(dir);
                Path built = MinimalRootfs.build(dir);
                requireCommands(built);
                path = built;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot build the test rootfs in " + dir, e);
            }
        }
        return path;
    }

    /** A path inside the rootfs as seen from the host: {@code host("/tmp/x")}. */
    public static Path host(String pathInContainer) {
        return path().resolve(pathInContainer.replaceFirst("^/+", ""));
    }

    private static void requireCommands(Path root) {
        Map<String, String> missing = new LinkedHashMap<>();
        COMMANDS.forEach((command, pkg) -> {
            boolean found = List.of("bin", "usr/bin", "sbin", "usr/sbin").stream()
                    .map(dir -> root.resolve(dir).resolve(command))
                    .anyMatch(Files::isExecutable); // follows the rootfs's own links, which stay inside it
            if (!found) {
                missing.put(command, pkg);
            }
        });
        if (!missing.isEmpty()) {
            String packages = missing.values().stream().distinct().collect(Collectors.joining(" "));
            throw new IllegalStateException("the kernel tests run " + missing.keySet() + " inside their containers,"
                    + " and this host has none to copy into the test rootfs: apt-get install " + packages
                    + " (or busybox-static, which has them all)");
        }
    }

    private static Map<String, String> commands() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("sh", "dash");
        for (String c : List.of("cat", "ls", "stat", "readlink", "head", "wc", "mkdir", "pwd", "env", "dd", "yes",
                "sleep", "id", "touch", "rm", "true", "echo", "printf", "mknod")) {
            m.put(c, "coreutils");
        }
        m.put("find", "findutils");
        m.put("grep", "grep");
        m.put("hostname", "hostname");
        m.put("ps", "procps");
        // ContainmentIT: what the default capabilities refuse
        m.put("mount", "mount");
        m.put("umount", "mount");
        m.put("unshare", "util-linux");
        // EscapeIT: a web server and a client work under the defaults
        m.put("httpd", "busybox-static");
        m.put("wget", "busybox-static");
        m.put("seq", "coreutils");
        // ExecIT: a running container that makes its /etc/passwd hostile
        m.put("mkfifo", "coreutils");
        m.put("ln", "coreutils");
        // TerminalIT: what a terminal looks like from inside
        m.put("tty", "coreutils");
        m.put("stty", "coreutils");
        // NetworkModesIT, BridgeNetworkIT: interfaces, routes and traffic from inside
        m.put("ip", "busybox-static");
        m.put("nc", "busybox-static");
        m.put("ping", "busybox-static");
        // OutboundNetworkIT: a name looked up through the container's own DNS server
        m.put("nslookup", "busybox-static");
        return m;
    }
}
