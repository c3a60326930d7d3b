package dev.hako.userns;

import dev.hako.IdMapping;
import dev.hako.UserNamespace;
import dev.hako.linux.Kernel;
import dev.hako.linux.Libc;
import dev.hako.linux.SmallFiles;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Writes the maps of a process's new user namespace from the parent side:
 * {@code /proc/PID/setgroups}, {@code /proc/PID/uid_map} and {@code /proc/PID/gid_map}.
 *
 * <p>The kernel takes each map once, in one {@code write} of less than a page, and
 * {@code setgroups} only before {@code gid_map}; so this writes, in this order,
 * {@code "deny"} to setgroups (when asked), the uid map, then the gid map, each in one
 * {@code write(2)}. A map is written directly when the JVM may: it has {@code CAP_SETUID}
 * ({@code CAP_SETGID} for the gid map), as root does, or the map is the JVM's own single id
 * (one line {@code X euid 1}; for gids only with setgroups denied, the kernel's rule).
 * Anything else, an unprivileged JVM can only have written by the setuid helpers
 * {@code newuidmap} and {@code newgidmap} (Debian's package {@code uidmap}), which check
 * the lines against {@code /etc/subuid} and {@code /etc/subgid}: the one place hako runs a
 * helper program, because the kernel gives an unprivileged process no other way. Both
 * helpers are looked up before anything is written, so a missing one leaves nothing
 * half done.
 *
 * <p>Errors are {@link IdMapException}s: a missing helper says to install {@code uidmap}
 * (and that a single-id map needs none); a failing helper gives its exit code and stderr;
 * a kernel refusal gives the errno, the file and the refused map, with what the kernel's
 * rule probably was (a map already written, ids the JVM may not map, setgroups too late).
 */
public final class IdMapWriter {
    /** How long a helper may take before it is killed. */
    static final Duration HELPER_TIMEOUT = Duration.ofSeconds(30);
    /** Where helpers are looked for after the PATH: Debian puts them in /usr/bin. */
    private static final List<Path> HELPER_DIRS = List.of(Path.of("/usr/bin"), Path.of("/bin"), Path.of("/usr/sbin"),
            Path.of("/sbin"));
    private static final int MAX_STDERR = 16 * 1024;

    /**
     * The JVM as a map writer: its effective ids, and whether it has {@code CAP_SETUID} and
     * {@code CAP_SETGID} (in its own user namespace, the parent of the new one).
     */
    public record Caller(long uid, long gid, boolean canSetUid, boolean canSetGid) {
        /** This JVM. */
        public static Caller current() {
            HostUser user = HostUser.current();
            return new Caller(user.uid(), user.gid(), Kernel.hasCapability(linux_h.CAP_SETUID()),
                    Kernel.hasCapability(linux_h.CAP_SETGID()));
        }
    }

    /** Who writes a map. */
    enum How {
        /** The JVM, to /proc/PID/*_map. */
        DIRECT,
        /** newuidmap or newgidmap. */
        HELPER
    }

    /** Who writes the uid map and who the gid map. */
    record Plan(How uid, How gid) {
    }

    private static volatile IdMapWriter system;

    private final Caller caller;
    private final List<Path> helperDirs;

    IdMapWriter(Caller caller, List<Path> helperDirs) {
        this.caller = Objects.requireNonNull(caller, "caller");
        this.helperDirs = List.copyOf(helperDirs);
    }

    /** The writer for this JVM, its helpers looked up on the PATH, then in /usr/bin, /bin, /usr/sbin and /sbin. */
    public static IdMapWriter system() {
        IdMapWriter w = system;
        if (w == null) {
            Set<Path> dirs = new LinkedHashSet<>();
            String path = System.getenv("PATH");
            if (path != null) {
                for (String dir : path.split(":")) {
                    if (dir.startsWith("/")) {
                        dirs.add(Path.of(dir));
                    }
                }
            }
            dirs.addAll(HELPER_DIRS);
            system = w = new IdMapWriter(Caller.current(), new ArrayList<>(dirs));
        }
        return w;
    }

    /** The caller this writer decides for. */
    public Caller caller() {
        return caller;
    }

    /** Whether this JVM needs {@code newuidmap}/{@code newgidmap} for {@code maps} (so {@code uidmap} must be installed). */
    public boolean needsHelpers(UserNamespace maps, boolean denySetgroups) {
        Plan p = plan(maps, denySetgroups);
        return p.uid() == How.HELPER || p.gid() == How.HELPER;
    }

    /**
     * Who writes which map.
     *
     * @throws IllegalArgumentException for {@code auto()} maps, or an unprivileged own-gid
     *     map with setgroups allowed, which the kernel refuses
     */
    Plan plan(UserNamespace maps, boolean denySetgroups) {
        Objects.requireNonNull(maps, "maps");
        if (maps.isAuto()) {
            throw new IllegalArgumentException("UserNamespace.auto() has no maps yet: lease a range first (AutoRanges.lease())");
        }
        How uid = caller.canSetUid() || RootlessMapping.isOwnIdAlone(maps.uidMap(), caller.uid()) ? How.DIRECT : How.HELPER;
        How gid;
        if (caller.canSetGid()) {
            gid = How.DIRECT;
        } else if (RootlessMapping.isOwnIdAlone(maps.gidMap(), caller.gid())) {
            if (!denySetgroups) {
                throw new IllegalArgumentException("gidMap \"" + maps.gidMap().get(0).line() + "\" is the JVM's own gid"
                        + " alone, which the kernel takes from a process without CAP_SETGID only with setgroups denied"
                        + " (newgidmap denies it too): deny setgroups (RootlessMapping.mustDenySetgroups)");
            }
            gid = How.DIRECT;
        } else {
            gid = How.HELPER;
        }
        return new Plan(uid, gid);
    }

    /**
     * Writes {@code maps} for process {@code pid}, which must be in a new user namespace
     * that has no maps yet (and be this JVM's user's, for an unprivileged JVM).
     *
     * @param denySetgroups write {@code "deny"} to setgroups first: the process can then
     *     never call setgroups(2); required for a single own-gid map without CAP_SETGID
     * @throws IllegalArgumentException as {@link #plan}: nothing is written
     * @throws IdMapException when a helper is missing (nothing is written), fails, or the
     *     kernel refuses a write
     */
    public void write(long pid, UserNamespace maps, boolean denySetgroups) throws IdMapException {
        Plan plan = plan(maps, denySetgroups);
        Path newuidmap = plan.uid() == How.HELPER ? helper("newuidmap", "uid", maps.uidMap()) : null;
        Path newgidmap = plan.gid() == How.HELPER ? helper("newgidmap", "gid", maps.gidMap()) : null;
        if (denySetgroups) {
            writeProcFile(pid, "setgroups", "deny", null);
        }
        if (newuidmap == null) {
            writeProcFile(pid, "uid_map", text(maps.uidMap()), maps.uidMap());
        } else {
            runHelper(newuidmap, pid, maps.uidMap());
        }
        if (newgidmap == null) {
            writeProcFile(pid, "gid_map", text(maps.gidMap()), maps.gidMap());
        } else {
            runHelper(newgidmap, pid, maps.gidMap());
        }
    }

    /** The map as the kernel reads it: one line per range, each ending in a newline. */
    static String text(List<IdMapping> map) {
        StringBuilder s = new StringBuilder();
        for (IdMapping m : map) {
            s.append(m.line()).append('\n');
        }
        return s.toString();
    }

    /** The map for messages: {@code "0 1000 1, 1 100000 65536"}. */
    static String shown(List<IdMapping> map) {
        return "\"" + map.stream().map(IdMapping::line).collect(Collectors.joining(", ")) + "\"";
    }

    /** The helper's path, or an IdMapException saying to install uidmap. */
    private Path helper(String name, String kind, List<IdMapping> map) throws IdMapException {
        Optional<Path> found = findHelper(name);
        if (found.isPresent()) {
            return found.get();
        }
        throw new IdMapException(name + " is not installed (looked in " + helperDirs.stream().map(Path::toString)
                .collect(Collectors.joining(":")) + "), and only it can map " + kind + "Map " + shown(map)
                + " for a JVM without CAP_SET" + kind.toUpperCase() + ": install the package uidmap"
                + " (apt-get install uidmap). Without /etc/sub" + kind + " ranges a container maps only your own "
                + kind + " (a single-id map), which needs no helper", 0, -1, null);
    }

    Optional<Path> findHelper(String name) {
        for (Path dir : helperDirs) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** One write(2) of {@code content} to /proc/PID/FILE; {@code map} is null for setgroups. */
    private static void writeProcFile(long pid, String file, String content, List<IdMapping> map) throws IdMapException {
        String path = "/proc/" + pid + "/" + file;
        byte[] bytes = content.getBytes(StandardCharsets.US_ASCII);
        try (Arena arena = Arena.ofConfined()) {
            int fd = Libc.openat2(linux_h.AT_FDCWD(), path, linux_h.O_WRONLY() | linux_h.O_CLOEXEC(), 0);
            try {
                MemorySegment buf = arena.allocate(bytes.length);
                buf.copyFrom(MemorySegment.ofArray(bytes));
                long n = Libc.write(fd, buf);
                if (n != bytes.length) {
                    throw new IdMapException("short write to " + path + ": " + n + " of " + bytes.length + " bytes;"
                            + " the kernel takes a map in one write only", 0, -1, null);
                }
            } finally {
                Libc.closeQuietly(fd);
            }
        } catch (SyscallException e) {
            throw new IdMapException(refusal(pid, file, map, bytes.length, e), e.errno(), -1, e);
        }
    }

    /** What the kernel's refusal means, as far as can be told. */
    private static String refusal(long pid, String file, List<IdMapping> map, int bytes, SyscallException e) {
        int errno = e.errno();
        String what = map == null ? "to deny setgroups of process " + pid
                : file + " " + shown(map) + " of process " + pid;
        StringBuilder m = new StringBuilder("the kernel refused ").append(what).append(" (").append(e.getMessage()).append(')');
        if (errno == linux_h.ENOENT() || errno == linux_h.ESRCH()) {
            m.append(": the process is gone");
        } else if (errno == linux_h.EPERM()) {
            if (map == null) {
                String gidMap = current(pid, "gid_map");
                m.append(gidMap.isEmpty() ? ": the JVM must own the process's user namespace"
                        : ": setgroups can be written only before gid_map, and gid_map is already \"" + gidMap + "\"");
            } else {
                String written = current(pid, file);
                if (!written.isEmpty()) {
                    m.append(": it already has one (\"").append(written).append("\"), and the kernel takes a map once");
                } else {
                    String kind = file.startsWith("uid") ? "uid" : "gid";
                    m.append(": without CAP_SET").append(kind.toUpperCase()).append(" the JVM may map only its own ")
                            .append(kind).append(" (one line of one id")
                            .append(kind.equals("gid") ? ", after setgroups is denied" : "")
                            .append(") and never ids unmapped in its own user namespace; the process must be in a new"
                                    + " user namespace of the JVM's user");
                }
            }
        } else if (errno == linux_h.EINVAL() && map != null) {
            m.append(": the kernel takes a map of less than a page (this one is ").append(bytes)
                    .append(" bytes) of lines \"inside outside count\" whose ranges do not overlap");
        }
        return m.toString();
    }

    /** A map file as the kernel shows it now, lines joined by ", "; empty when unwritten or unreadable. */
    private static String current(long pid, String file) {
        try {
            return SmallFiles.read(Path.of("/proc/" + pid + "/" + file)).strip().lines()
                    .map(l -> l.strip().replaceAll("\\s+", " ")).collect(Collectors.joining(", "));
        } catch (IOException e) {
            return "";
        }
    }

    /** Runs {@code helper PID inside outside count ...}. */
    private static void runHelper(Path helper, long pid, List<IdMapping> map) throws IdMapException {
        List<String> command = new ArrayList<>();
        command.add(helper.toString());
        command.add(Long.toString(pid));
        for (IdMapping m : map) {
            command.add(Long.toString(m.containerId()));
            command.add(Long.toString(m.hostId()));
            command.add(Long.toString(m.count()));
        }
        String shownCommand = String.join(" ", command);
        Process p;
        try {
            p = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new IdMapException("cannot run " + shownCommand + ": " + e.getMessage(), 0, -1, e);
        }
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> readLimited(p.getErrorStream()),
                task -> Thread.ofVirtual().name("hako-" + helper.getFileName()).start(task));
        boolean done;
        try {
            done = p.waitFor(HELPER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IdMapException(shownCommand + ": interrupted", 0, -1, e);
        }
        if (!done) {
            p.destroyForcibly();
            throw new IdMapException(shownCommand + " did not finish within " + HELPER_TIMEOUT.toSeconds() + " s: killed",
                    0, -1, null);
        }
        int code = p.exitValue();
        if (code != 0) {
            String err = stderr.join().strip();
            throw new IdMapException(shownCommand + " failed with exit code " + code
                    + (err.isEmpty() ? " and no message" : ": " + err)
                    + " (it maps only ids that /etc/subuid or /etc/subgid grant the JVM's user, see RootlessMapping.checkOwned)",
                    0, code, null);
        }
    }

    /** The stream's text up to {@value #MAX_STDERR} bytes; the rest is read and dropped. */
    private static String readLimited(InputStream in) {
        try (in) {
            byte[] kept = in.readNBytes(MAX_STDERR);
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return new String(kept, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(stderr unreadable: " + e.getMessage() + ")";
        }
    }
}
