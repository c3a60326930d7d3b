package dev.hako.net;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The programs that give a network namespace outbound connectivity without privileges, by
 * turning the packets of a tap device inside into ordinary sockets of the host.
 *
 * <p><b>The default is slirp4netns</b> ({@link #preferred()}), although podman 5 moved to
 * pasta, because of what the versions on Debian 12 do (slirp4netns 1.2.0, passt
 * 0.0~git20230309) and what hako needs from a helper:
 * <ul>
 *   <li><b>It dies with the JVM.</b> slirp4netns's {@code --exit-fd} makes it exit when its
 *       descriptor reports an event; hako gives it its stdin, a pipe whose only writer is the
 *       JVM, so when the JVM dies in any way (even SIGKILL) the kernel closes the writer and
 *       slirp4netns exits. That pasta has nothing like it: it ignores stdin, and (tried
 *       here) keeps running after the last process of its namespace has exited, since it
 *       holds the namespace itself. A crashed JVM leaves a pasta behind, with its published
 *       ports still bound, until someone kills it.</li>
 *   <li><b>It works for a root JVM without a user namespace.</b> pasta started by root
 *       changes to nobody, or keeps a few capabilities with {@code --runas 0:0}, and either
 *       way can no longer open {@code /proc/PID/ns/net} of a process with more capabilities
 *       (EACCES); it can only join a namespace whose user namespace root owns.</li>
 *   <li>Its readiness is a descriptor ({@code --ready-fd}), written after the tap device,
 *       addresses, routes and the API socket are all in place.</li>
 * </ul>
 * pasta is the faster data path (no TCP stack in user space), so it stays available by
 * name, with its limits in {@link SlirpNetwork}.
 */
public enum SlirpHelper {
    /** slirp4netns, podman 4's user-mode network (Debian package {@code slirp4netns}). */
    SLIRP4NETNS("slirp4netns", "slirp4netns"),
    /** pasta, podman 5's user-mode network (Debian package {@code passt}). */
    PASTA("pasta", "passt");

    /** Where distributions and podman put these programs, searched after PATH. */
    static final List<Path> USUAL_DIRECTORIES = List.of(Path.of("/usr/local/bin"), Path.of("/usr/bin"),
            Path.of("/bin"), Path.of("/usr/local/sbin"), Path.of("/usr/sbin"), Path.of("/sbin"),
            Path.of("/usr/libexec/podman"), Path.of("/usr/lib/podman"));

    private final String program;
    private final String debianPackage;

    SlirpHelper(String program, String debianPackage) {
        this.program = program;
        this.debianPackage = debianPackage;
    }

    /** The program's file name. */
    public String program() {
        return program;
    }

    /** The package (Debian, Ubuntu, Fedora: the same name) that installs it. */
    public String debianPackage() {
        return debianPackage;
    }

    /** The program in this JVM's PATH or the usual directories, if installed. */
    public Optional<Path> find() {
        return find(searchPath(System.getenv("PATH")));
    }

    /** The first executable regular file named {@link #program()} in {@code directories}. */
    Optional<Path> find(List<Path> directories) {
        for (Path dir : directories) {
            Path candidate = dir.resolve(program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * The program's path.
     *
     * @throws IllegalStateException naming the package to install when it is not there
     */
    public Path require() {
        return find().orElseThrow(() -> new IllegalStateException(program + " is not installed (searched PATH and "
                + USUAL_DIRECTORIES + "): install the package " + debianPackage + " (apt-get install " + debianPackage
                + ") for a rootless container's network"));
    }

    /**
     * The helper to use when none was named: slirp4netns if installed (see the class comment),
     * else pasta.
     *
     * @throws IllegalStateException naming both packages when neither is installed
     */
    public static SlirpHelper preferred() {
        return preferred(searchPath(System.getenv("PATH")));
    }

    static SlirpHelper preferred(List<Path> directories) {
        for (SlirpHelper helper : List.of(SLIRP4NETNS, PASTA)) {
            if (helper.find(directories).isPresent()) {
                return helper;
            }
        }
        throw new IllegalStateException("neither slirp4netns nor pasta is installed (searched " + directories
                + "): a container without root needs one of them for its network; install the package slirp4netns"
                + " (apt-get install slirp4netns) or passt");
    }

    /** The absolute directories of {@code path} (a PATH value, may be null), then the usual ones. */
    static List<Path> searchPath(String path) {
        Set<Path> dirs = new LinkedHashSet<>();
        if (path != null) {
            for (String entry : path.split(File.pathSeparator)) {
                // A relative entry would depend on the JVM's working directory: never run a program from there.
                if (!entry.isEmpty() && entry.startsWith("/")) {
                    dirs.add(Path.of(entry));
                }
            }
        }
        dirs.addAll(USUAL_DIRECTORIES);
        return new ArrayList<>(dirs);
    }
}
