package dev.hako.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway unprivileged user for tests that must run as a plain user (rootless
 * containers, {@code newuidmap}), made by the root test JVM and removed again by
 * {@link #close()}:
 *
 * <pre>{@code
 * try (TestUser user = TestUser.builder().subordinateIds(65536).create()) {
 *     TestUser.Result r = user.runJava(MyMain.class, "arg");   // a child JVM as that user
 *     assertEquals(0, r.exitCode(), r.stderr());
 * }
 * }</pre>
 *
 * <p><b>The user.</b> {@code useradd} makes {@code hako-t-NNNN} (a free random number) with
 * its own group and a home directory, and no subordinate ids of its own
 * ({@code -K SUB_UID_COUNT=0}); the builder adds the {@code /etc/subuid} and
 * {@code /etc/subgid} lines asked for. {@link #close()} (also when making the user failed
 * half way) kills, by pid, the processes this object started and any other process still
 * running as the user (a grandchild a child JVM left behind), puts {@code /etc/subuid} and
 * {@code /etc/subgid} back exactly as they were (the same bytes and mode, or absent again),
 * and runs {@code userdel --remove}. If something else changed those files meanwhile, only
 * the lines this user added are taken out. Edits of the users and of the files are
 * serialized across JVMs by a lock on {@value #LOCK_FILE}. A user whose creating JVM died
 * (it is named in the user's comment field, by pid and start time) is removed by the next
 * {@link Builder#create()}.
 *
 * <p><b>Running as the user.</b> {@link #command} prefixes a command with
 * {@code setpriv --reuid --regid --init-groups --reset-env}: real and effective ids are the
 * user's, its groups are its own, no capability is left (the kernel clears them all on the
 * change from uid 0), the environment is the user's login one (HOME, USER, LOGNAME,
 * SHELL, PATH), and the bounding set is untouched, so the setuid {@code newuidmap} still
 * works. {@link #runJava} starts a child JVM ({@link ChildJvm}: this JVM's JDK, this
 * build's classes and test classes and the Jackson jars, copied where any user can read
 * them) in the user's home; {@link #run} runs any command. Both wait, with a timeout, and
 * return the exit code, stdout and stderr; {@link #start} and {@link #startJava} hand back
 * the {@link Process} for a test that talks to it, and {@link #waitFor} finishes it the same
 * way. Extra environment variables (say {@code XDG_RUNTIME_DIR} for a rootless test) go
 * through {@code env} after setpriv.
 *
 * <p>Needs root; {@code useradd}/{@code userdel} ({@code passwd}) and {@code setpriv}
 * ({@code util-linux}) are on every Debian system.
 */
public final class TestUser implements AutoCloseable {
    /** Every test user's name starts with this. */
    public static final String PREFIX = "hako-t-";
    /** The default timeout of {@link #run} and {@link #runJava}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);
    static final String LOCK_FILE = "/run/lock/hako-test-users.lock";
    private static final Path SUBUID = Path.of("/etc/subuid");
    private static final Path SUBGID = Path.of("/etc/subgid");
    private static final String COMMENT = "hako test user of JVM ";
    private static final Object IN_JVM = new Object();

    /** A finished command: its exit code, stdout and stderr. */
    public record Result(int exitCode, String stdout, String stderr) {
        /** Everything, for assertion messages. */
        public String describe() {
            return "exit code " + exitCode + "\n--- stdout:\n" + stdout + "--- stderr:\n" + stderr;
        }
    }

    /** One /etc/subuid or /etc/subgid line of this user. */
    public record SubordinateRange(long start, long count) {
        public SubordinateRange {
            if (start < 1 || count < 1) {
                throw new IllegalArgumentException("a subordinate range needs a start and count of at least 1: " + start
                        + ":" + count);
            }
        }
    }

    /** What a file was before this user touched it. */
    private record Snapshot(Path file, boolean existed, byte[] bytes, Set<PosixFilePermission> mode) {
    }

    private final String name;
    private final long uid;
    private final long gid;
    private final Path home;
    private final List<SubordinateRange> subuids;
    private final List<SubordinateRange> subgids;
    private final List<Process> started = new ArrayList<>();
    private Snapshot subuidBefore;
    private Snapshot subgidBefore;
    private byte[] subuidWritten;
    private byte[] subgidWritten;
    private boolean added;
    private boolean closed;

    private TestUser(String name, long uid, long gid, Path home, List<SubordinateRange> subuids,
            List<SubordinateRange> subgids) {
        this.name = name;
        this.uid = uid;
        this.gid = gid;
        this.home = home;
        this.subuids = List.copyOf(subuids);
        this.subgids = List.copyOf(subgids);
    }

    /** A builder: no subordinate ids unless asked for. */
    public static Builder builder() {
        return new Builder();
    }

    /** A user without subordinate ids. */
    public static TestUser create() throws IOException {
        return builder().create();
    }

    /** What the user gets. */
    public static final class Builder {
        private final List<SubordinateRange> subuids = new ArrayList<>();
        private final List<SubordinateRange> subgids = new ArrayList<>();
        private long freeCount;
        /** Runs last in {@link #create()}: a test of the harness makes it fail there. */
        Runnable afterSetUp = () -> { };

        private Builder() {
        }

        /** An {@code /etc/subuid} line {@code name:start:count}. */
        public Builder subuid(long start, long count) {
            subuids.add(new SubordinateRange(start, count));
            return this;
        }

        /** An {@code /etc/subgid} line {@code name:start:count}. */
        public Builder subgid(long start, long count) {
            subgids.add(new SubordinateRange(start, count));
            return this;
        }

        /**
         * {@code count} subordinate uids and as many gids, from the same start: a multiple of
         * 65536 from 200000 up that overlaps no line of either file when the user is made.
         */
        public Builder subordinateIds(long count) {
            if (count < 1) {
                throw new IllegalArgumentException("count " + count);
            }
            freeCount = count;
            return this;
        }

        /**
         * Makes the user. On any failure, whatever was done is undone before the exception
         * propagates.
         */
        public TestUser create() throws IOException {
            requireRoot();
            synchronized (IN_JVM) {
                try (FileChannel lock = crossJvmLock()) {
                    removeStaleUsers();
                    List<SubordinateRange> uids = new ArrayList<>(subuids);
                    List<SubordinateRange> gids = new ArrayList<>(subgids);
                    if (freeCount > 0) {
                        long start = freeStart(freeCount);
                        uids.add(new SubordinateRange(start, freeCount));
                        gids.add(new SubordinateRange(start, freeCount));
                    }
                    return add(uids, gids, afterSetUp);
                }
            }
        }
    }

    private static void requireRoot() {
        if (RequireRoot.effectiveUid() != 0) {
            throw new IllegalStateException("TestUser makes users with useradd: it needs root (sudo ./mvnw verify)");
        }
    }

    /** The lock that serializes user and /etc/sub[ug]id edits across test JVMs. */
    private static FileChannel crossJvmLock() throws IOException {
        Path lock = Path.of(LOCK_FILE);
        Files.createDirectories(lock.getParent());
        FileChannel channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            channel.lock(); // released when the channel is closed
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static TestUser add(List<SubordinateRange> uids, List<SubordinateRange> gids, Runnable afterSetUp)
            throws IOException {
        Snapshot subuid = snapshot(SUBUID);
        Snapshot subgid = snapshot(SUBGID);
        String name = null;
        for (int attempt = 0; attempt < 20 && name == null; attempt++) {
            String candidate = PREFIX + String.format("%04d", ThreadLocalRandom.current().nextInt(10_000));
            if (passwdEntry(candidate).isPresent()) {
                continue;
            }
            Result r = exec(List.of("useradd", "--create-home", "--user-group", "--shell", "/bin/sh",
                    "--comment", COMMENT + jvmIdentity(ProcessHandle.current()),
                    "-K", "SUB_UID_COUNT=0", "-K", "SUB_GID_COUNT=0", candidate), Duration.ofSeconds(60));
            if (r.exitCode() == 0) {
                name = candidate;
            } else if (r.exitCode() != 9) { // 9: the name was taken meanwhile
                throw new IOException("useradd " + candidate + " failed: " + r.describe());
            }
        }
        if (name == null) {
            throw new IOException("no free name " + PREFIX + "NNNN after 20 tries");
        }
        Optional<String[]> made = passwdEntry(name);
        if (made.isEmpty()) {
            exec(List.of("userdel", "--remove", name), Duration.ofSeconds(60));
            throw new IOException("useradd " + name + " succeeded but left no /etc/passwd entry (is passwd managed elsewhere?)");
        }
        String[] entry = made.get();
        TestUser user = new TestUser(name, Long.parseLong(entry[2]), Long.parseLong(entry[3]), Path.of(entry[5]), uids, gids);
        user.added = true;
        user.subuidBefore = subuid;
        user.subgidBefore = subgid;
        try {
            user.subuidWritten = user.appendLines(subuid, uids);
            user.subgidWritten = user.appendLines(subgid, gids);
            afterSetUp.run();
            return user;
        } catch (IOException | RuntimeException | Error e) {
            try {
                user.undo();
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Writes the snapshot's bytes plus this user's lines; returns what was written, or null when there were none. */
    private byte[] appendLines(Snapshot before, List<SubordinateRange> ranges) throws IOException {
        if (ranges.isEmpty()) {
            return null;
        }
        StringBuilder lines = new StringBuilder();
        if (before.bytes().length > 0 && before.bytes()[before.bytes().length - 1] != '\n') {
            lines.append('\n');
        }
        for (SubordinateRange r : ranges) {
            lines.append(name).append(':').append(r.start()).append(':').append(r.count()).append('\n');
        }
        byte[] extra = lines.toString().getBytes(StandardCharsets.UTF_8);
        byte[] content = Arrays.copyOf(before.bytes(), before.bytes().length + extra.length);
        System.arraycopy(extra, 0, content, before.bytes().length, extra.length);
        replace(before.file(), content, before.existed() ? before.mode() : PosixFilePermissions.fromString("rw-r--r--"));
        return content;
    }

    /** The user's name, {@code hako-t-NNNN}. */
    public String name() {
        return name;
    }

    public long uid() {
        return uid;
    }

    public long gid() {
        return gid;
    }

    /** The home directory, owned by the user. */
    public Path home() {
        return home;
    }

    /** The user's /etc/subuid lines. */
    public List<SubordinateRange> subuids() {
        return subuids;
    }

    /** The user's /etc/subgid lines. */
    public List<SubordinateRange> subgids() {
        return subgids;
    }

    /** {@code command} prefixed to run as this user (see the class comment); extra environment variables via {@code env}. */
    public List<String> command(List<String> command, Map<String, String> environment) {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--init-groups",
                "--reset-env", "--"));
        if (!environment.isEmpty()) {
            cmd.add("env");
            environment.forEach((k, v) -> cmd.add(k + "=" + v));
        }
        cmd.addAll(command);
        return cmd;
    }

    /** The child JVM's command as this user: {@code java ... main args}. */
    public List<String> javaCommand(Class<?> main, List<String> args, Map<String, String> environment) {
        return command(ChildJvm.command(ChildJvm.readableClassPath(), main.getName(), args), environment);
    }

    /**
     * Starts {@code command} as this user in its home, for tests that talk to it while it
     * runs; it is killed (with what it started) by {@link #close()} if still running.
     */
    public synchronized Process start(List<String> command, Map<String, String> environment) throws IOException {
        if (closed) {
            throw new IllegalStateException(name + " is removed");
        }
        Process p = new ProcessBuilder(command(command, environment)).directory(home.toFile()).start();
        started.add(p);
        return p;
    }

    /** Starts a child JVM of {@code main} as this user (see {@link #start}). */
    public Process startJava(Class<?> main, String... args) throws IOException {
        return start(ChildJvm.command(ChildJvm.readableClassPath(), main.getName(), List.of(args)), Map.of());
    }

    /** Runs {@code main} in a child JVM as this user and waits for it ({@link #DEFAULT_TIMEOUT}). */
    public Result runJava(Class<?> main, String... args) throws IOException, InterruptedException {
        return runJava(DEFAULT_TIMEOUT, Map.of(), main, List.of(args));
    }

    /** Runs {@code main} in a child JVM as this user, with extra environment variables, and waits up to {@code timeout}. */
    public Result runJava(Duration timeout, Map<String, String> environment, Class<?> main, List<String> args)
            throws IOException, InterruptedException {
        return waitFor(start(ChildJvm.command(ChildJvm.readableClassPath(), main.getName(), args), environment), timeout);
    }

    /** Runs {@code command} as this user and waits for it ({@link #DEFAULT_TIMEOUT}). */
    public Result run(String... command) throws IOException, InterruptedException {
        return waitFor(start(List.of(command), Map.of()), DEFAULT_TIMEOUT);
    }

    /**
     * Waits for {@code p} (stdin closed at once), reading its stdout and stderr; on timeout it
     * and everything it started are killed and an {@link AssertionError} with what it
     * printed is thrown.
     */
    public static Result waitFor(Process p, Duration timeout) throws InterruptedException {
        try {
            p.getOutputStream().close();
        } catch (IOException ignored) {
            // it did not want stdin
        }
        CompletableFuture<String> out = readAsync(p.getInputStream());
        CompletableFuture<String> err = readAsync(p.getErrorStream());
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            kill(p);
            throw new AssertionError("still running after " + timeout.toMillis() + " ms, killed: " + p.info().commandLine()
                    .orElse("?") + "\n--- stdout:\n" + out.join() + "--- stderr:\n" + err.join());
        }
        return new Result(p.exitValue(), out.join(), err.join());
    }

    private static CompletableFuture<String> readAsync(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }, task -> Thread.ofVirtual().start(task));
    }

    /** Kills {@code p} and its descendants, by pid, and waits for {@code p}. */
    private static void kill(Process p) throws InterruptedException {
        List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
        p.destroyForcibly();
        tree.forEach(ProcessHandle::destroyForcibly);
        p.waitFor(10, TimeUnit.SECONDS);
    }

    /**
     * Ends what this object started, restores /etc/subuid and /etc/subgid, removes the
     * user and its home. Safe to call twice.
     */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            for (Process p : started) {
                kill(p);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (IN_JVM) {
            try (FileChannel lock = crossJvmLock()) {
                undo();
            }
        }
    }

    /** Restores the files, then removes the user (userdel finds none of its lines left to rewrite). */
    private void undo() throws IOException {
        IOException failure = null;
        try {
            restore(subuidBefore, subuidWritten);
        } catch (IOException e) {
            failure = e;
        }
        try {
            restore(subgidBefore, subgidWritten);
        } catch (IOException e) {
            failure = failure == null ? e : failure;
        }
        if (added) {
            killProcessesOf(uid);
            Result r = exec(List.of("userdel", "--remove", name), Duration.ofSeconds(60));
            if (r.exitCode() == 8) { // a process of the user is still running
                r = exec(List.of("userdel", "--remove", "--force", name), Duration.ofSeconds(60));
            }
            // 12: the home directory could not be removed (gone already); the user is.
            if (r.exitCode() != 0 && r.exitCode() != 12 && passwdEntry(name).isPresent()) {
                IOException e = new IOException("userdel " + name + " failed: " + r.describe());
                failure = failure == null ? e : failure;
            }
            added = false;
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Kills, by pid, every process still running as {@code uid}: a throwaway user's
     * processes are the test's (a child JVM may leave a grandchild behind), and userdel
     * refuses a user that has any.
     */
    private static void killProcessesOf(long uid) {
        for (int round = 0; round < 50; round++) {
            List<ProcessHandle> left = ProcessHandle.allProcesses().filter(h -> ownerOf(h.pid()) == uid).toList();
            if (left.isEmpty()) {
                return;
            }
            left.forEach(ProcessHandle::destroyForcibly);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The real uid of process {@code pid}, or -1 when it is gone. */
    private static long ownerOf(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return -1;
    }

    /** Puts {@code before} back when the file is as this user left it, else takes out only this user's lines. */
    private void restore(Snapshot before, byte[] written) throws IOException {
        if (before == null || written == null) {
            return;
        }
        Optional<byte[]> now = read(before.file());
        if (now.isPresent() && Arrays.equals(now.get(), written)) {
            if (before.existed()) {
                replace(before.file(), before.bytes(), before.mode());
            } else {
                Files.delete(before.file());
            }
        } else if (now.isPresent()) {
            replace(before.file(), withoutLinesOf(now.get(), name).getBytes(StandardCharsets.UTF_8), mode(before.file()));
        }
    }

    /** {@code content} without the lines whose owner is {@code owner}. */
    static String withoutLinesOf(byte[] content, String owner) {
        String text = new String(content, StandardCharsets.UTF_8);
        StringBuilder kept = new StringBuilder();
        for (String line : text.split("(?<=\n)")) {
            if (!line.startsWith(owner + ":")) {
                kept.append(line);
            }
        }
        return kept.toString();
    }

    private static Snapshot snapshot(Path file) throws IOException {
        Optional<byte[]> bytes = read(file);
        return new Snapshot(file, bytes.isPresent(), bytes.orElse(new byte[0]),
                bytes.isPresent() ? mode(file) : PosixFilePermissions.fromString("rw-r--r--"));
    }

    private static Optional<byte[]> read(Path file) throws IOException {
        try {
            return Optional.of(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private static Set<PosixFilePermission> mode(Path file) throws IOException {
        return Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).permissions();
    }

    /** Replaces {@code file} atomically (a new file in the same directory, renamed over it). */
    private static void replace(Path file, byte[] content, Set<PosixFilePermission> mode) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".hako-test-" + ProcessHandle.current().pid());
        try {
            try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                c.write(ByteBuffer.wrap(content));
                c.force(true);
            }
            Files.setPosixFilePermissions(tmp, mode);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The first start, a multiple of 65536 from 200000 up, of {@code count} ids that no line of either file touches. */
    private static long freeStart(long count) throws IOException {
        List<long[]> used = new ArrayList<>();
        for (Path f : List.of(SUBUID, SUBGID)) {
            for (String line : new String(read(f).orElse(new byte[0]), StandardCharsets.UTF_8).split("\n")) {
                String[] p = line.split(":");
                if (p.length == 3) {
                    try {
                        long s = Long.parseLong(p[1]);
                        used.add(new long[] {s, s + Long.parseLong(p[2])});
                    } catch (NumberFormatException ignored) {
                        // not a range
                    }
                }
            }
        }
        long start = (200_000 / 65536 + 1) * 65536;
        while (true) {
            long s = start;
            if (used.stream().noneMatch(u -> s < u[1] && u[0] < s + count)) {
                return s;
            }
            start += 65536;
        }
    }

    /** {@code pid start-millis} of a JVM, as the comment field records it. */
    private static String jvmIdentity(ProcessHandle jvm) {
        return jvm.pid() + " " + jvm.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    }

    /** Removes test users whose JVM is gone, with their lines of /etc/subuid and /etc/subgid. */
    private static void removeStaleUsers() throws IOException {
        for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
            String[] f = line.split(":", -1);
            if (f.length < 7 || !f[0].startsWith(PREFIX) || !f[4].startsWith(COMMENT)) {
                continue;
            }
            String[] id = f[4].substring(COMMENT.length()).split(" ");
            if (id.length != 2) {
                continue;
            }
            Optional<ProcessHandle> jvm = ProcessHandle.of(Long.parseLong(id[0]));
            if (jvm.isPresent() && jvmIdentity(jvm.get()).equals(f[4].substring(COMMENT.length()))) {
                continue; // its JVM still runs
            }
            for (Path file : List.of(SUBUID, SUBGID)) {
                Optional<byte[]> now = read(file);
                if (now.isPresent()) {
                    String kept = withoutLinesOf(now.get(), f[0]);
                    if (!Arrays.equals(kept.getBytes(StandardCharsets.UTF_8), now.get())) {
                        replace(file, kept.getBytes(StandardCharsets.UTF_8), mode(file));
                    }
                }
            }
            killProcessesOf(Long.parseLong(f[2]));
            exec(List.of("userdel", "--remove", "--force", f[0]), Duration.ofSeconds(60));
        }
    }

    /** The /etc/passwd fields of {@code name}, if it is there. */
    private static Optional<String[]> passwdEntry(String name) throws IOException {
        for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
            if (line.startsWith(name + ":")) {
                return Optional.of(line.split(":", -1));
            }
        }
        return Optional.empty();
    }

    /** Runs a command as this JVM's user (root). */
    private static Result exec(List<String> command, Duration timeout) throws IOException {
        try {
            return waitFor(new ProcessBuilder(command).start(), timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(command + ": interrupted", e);
        }
    }

    @Override
    public String toString() {
        return name + " (uid " + uid + ", gid " + gid + ", subuids " + subuids + ", subgids " + subgids + ")";
    }
}
