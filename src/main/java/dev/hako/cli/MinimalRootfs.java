package dev.hako.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Builds a small root filesystem from the host's own binaries, with no download: a static
 * busybox and a symbolic link per applet when one is installed, otherwise the host's shell
 * and core utilities with the shared libraries and dynamic loader they need, at the same
 * paths as on the host.
 *
 * <p>Used by the demo and the kernel integration tests. Building into a directory that
 * already holds a rootfs brings it up to date.
 */
public final class MinimalRootfs {

    private static final List<Path> BUSYBOX = List.of(Path.of("/bin/busybox"), Path.of("/usr/bin/busybox"));

    /** Applets linked when {@code busybox --list} does not answer. */
    private static final List<String> APPLETS = List.of("sh", "ls", "cat", "echo", "ps", "id", "hostname",
            "ip", "ifconfig", "mount", "umount", "sleep", "true", "false", "env", "pwd", "touch", "mkdir",
            "rmdir", "rm", "cp", "mv", "head", "tail", "grep", "wc", "kill", "sed", "printf", "dd", "stat",
            "readlink", "ln", "uname", "find", "test", "[", "tr", "cut", "sort", "xargs", "chmod", "seq", "mknod",
            "unshare", "tty", "stty");

    /** Host commands copied when there is no static busybox; only sh (or bash) is required. */
    private static final List<String> HOST_COMMANDS = List.of("sh", "ls", "cat", "echo", "ps", "id",
            "hostname", "ip", "mount", "sleep", "true", "false", "env", "pwd", "touch", "mkdir", "rm",
            "cp", "mv", "head", "tail", "grep", "wc", "kill", "sed", "printf", "dd", "stat", "readlink",
            "ln", "uname", "find", "tr", "cut", "yes", "seq", "sort", "xargs", "chmod", "rmdir", "umount", "test",
            "mknod", "unshare", "tty", "stty");

    private static final List<String> HOST_PATH = List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
            "/usr/bin", "/sbin", "/bin");

    private static final int PT_INTERP = 3;

    private MinimalRootfs() {
    }

    /**
     * Builds a root filesystem into {@code dir} (created if missing) and returns it.
     *
     * @throws IllegalStateException when the host has neither a static busybox nor a shell
     *         to copy
     */
    public static Path build(Path dir) throws IOException {
        Path root = dir.toAbsolutePath().normalize();
        Files.createDirectories(root);
        Optional<Path> busybox = BUSYBOX.stream().filter(MinimalRootfs::isStaticExecutable).findFirst();
        if (busybox.isPresent()) {
            installBusybox(root, busybox.get());
        } else {
            installHostCommands(root);
        }
        for (String name : List.of("proc", "sys", "dev", "etc")) {
            Files.createDirectories(root.resolve(name));
        }
        createDirectory(root.resolve("tmp"), 01777);
        createDirectory(root.resolve("root"), 0700);
        Files.writeString(root.resolve("etc/passwd"), """
                root:x:0:0:root:/root:/bin/sh
                nobody:x:65534:65534:nobody:/nonexistent:/bin/false
                """);
        Files.writeString(root.resolve("etc/group"), """
                root:x:0:
                nobody:x:65534:
                """);
        return root;
    }

    /**
     * Deletes a directory tree such as a rootfs built by {@link #build}, without following
     * symbolic links. Refuses when something is mounted inside it, so that a leftover bind
     * mount can never make it delete host files.
     */
    public static void delete(Path dir) throws IOException {
        Path root = dir.toAbsolutePath().normalize();
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
            Optional<String> mount = lines.map(line -> line.split(" ")[4])
                    .filter(point -> Path.of(point).startsWith(root)).findFirst();
            if (mount.isPresent()) {
                throw new IOException("not deleting " + root + ": " + mount.get() + " is mounted inside it");
            }
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * True when {@code file} is an ELF executable without a program interpreter (PT_INTERP),
     * that is, one that runs without a dynamic loader or shared libraries.
     */
    public static boolean isStaticExecutable(Path file) {
        return Files.isExecutable(file) && elfInterpreter(file) == Boolean.FALSE;
    }

    /** Whether an ELF file names a program interpreter; null when it is no readable ELF file. */
    private static Boolean elfInterpreter(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (FileChannel ch = FileChannel.open(file)) {
            ByteBuffer header = readAt(ch, 0, 64);
            if (header.getInt(0) != 0x7f454c46) { // "\177ELF", read big-endian
                return null;
            }
            boolean is64 = header.get(4) == 2;
            header.order(header.get(5) == 1 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
            long phoff = is64 ? header.getLong(32) : Integer.toUnsignedLong(header.getInt(28));
            int phentsize = Short.toUnsignedInt(header.getShort(is64 ? 54 : 42));
            int phnum = Short.toUnsignedInt(header.getShort(is64 ? 56 : 44));
            ByteBuffer headers = readAt(ch, phoff, phentsize * phnum).order(header.order());
            for (int i = 0; i < phnum; i++) {
                if (headers.getInt(i * phentsize) == PT_INTERP) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return null;
        }
    }

    private static void installBusybox(Path root, Path busybox) throws IOException {
        Path bin = Files.createDirectories(root.resolve("bin"));
        Files.copy(busybox, bin.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.COPY_ATTRIBUTES);
        List<String> applets = run(busybox.toString(), "--list").orElse(APPLETS);
        for (String applet : applets) {
            if (applet.isBlank() || applet.equals("busybox") || applet.contains("/")) {
                continue;
            }
            Path link = bin.resolve(applet);
            if (!Files.isSymbolicLink(link)) {
                Files.deleteIfExists(link);
                Files.createSymbolicLink(link, Path.of("busybox"));
            }
        }
    }

    private static void installHostCommands(Path root) throws IOException {
        Optional<Path> shell = which("sh").or(() -> which("bash"));
        if (shell.isEmpty()) {
            throw new IllegalStateException("cannot build a minimal rootfs: this host has neither a static"
                    + " busybox (/bin/busybox) nor a shell (sh or bash) to copy; install one with"
                    + " apt-get install busybox-static");
        }
        Set<Path> files = new LinkedHashSet<>();
        files.add(shell.get());
        for (String command : HOST_COMMANDS) {
            which(command).ifPresent(files::add);
        }
        for (Path file : List.copyOf(files)) {
            files.addAll(sharedLibraries(file));
        }
        for (String dir : List.of("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")) {
            if (Files.isSymbolicLink(Path.of(dir))) { // merged /usr: keep /bin/sh working
                copyFromHost(root, Path.of(dir), 0);
            }
        }
        for (Path file : files) {
            copyFromHost(root, file, 0);
        }
        Path sh = root.resolve("bin/sh");
        if (!Files.exists(sh) && !Files.isSymbolicLink(sh)) { // the host has bash but no sh
            Files.createDirectories(sh.getParent());
            Files.createSymbolicLink(sh, shell.get());
        }
    }

    /** The shared libraries and loader {@code ldd} names for a dynamically linked file. */
    private static List<Path> sharedLibraries(Path file) {
        if (elfInterpreter(file) != Boolean.TRUE) {
            return List.of(); // static, or a script
        }
        List<String> lines = run("ldd", file.toString()).orElseThrow(() -> new IllegalStateException(
                "cannot build a minimal rootfs: ldd cannot list the libraries of " + file
                        + "; install a static busybox with apt-get install busybox-static"));
        List<Path> libraries = new ArrayList<>();
        for (String line : lines) {
            for (String token : line.trim().split("\\s+")) {
                if (token.startsWith("/")) {
                    libraries.add(Path.of(token));
                }
            }
        }
        return libraries;
    }

    /**
     * Copies a host file to the same path under {@code root}, recreating every symbolic link
     * met on the way (such as /bin -> usr/bin or the loader's /lib64 link) as a link.
     */
    private static void copyFromHost(Path root, Path file, int hops) throws IOException {
        if (hops > 40) {
            throw new IOException("too many levels of symbolic links copying " + file);
        }
        Path absolute = file.toAbsolutePath().normalize();
        Path prefix = absolute.getRoot();
        for (Path name : absolute) {
            prefix = prefix.resolve(name);
            if (Files.isSymbolicLink(prefix)) {
                Path target = Files.readSymbolicLink(prefix);
                Path link = inside(root, prefix);
                if (!Files.isSymbolicLink(link)) {
                    Files.createDirectories(link.getParent());
                    Files.deleteIfExists(link);
                    Files.createSymbolicLink(link, target);
                }
                Path rest = prefix.relativize(absolute);
                copyFromHost(root, prefix.getParent().resolve(target).resolve(rest), hops + 1);
                return;
            }
        }
        Path copy = inside(root, absolute);
        if (Files.isDirectory(absolute)) {
            Files.createDirectories(copy);
            return;
        }
        Files.createDirectories(copy.getParent());
        Files.copy(absolute, copy, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
    }

    private static Path inside(Path root, Path absolute) {
        return root.resolve(absolute.getRoot().relativize(absolute));
    }

    private static Optional<Path> which(String command) {
        return HOST_PATH.stream().map(dir -> Path.of(dir, command))
                .filter(p -> Files.isRegularFile(p) && Files.isExecutable(p)).findFirst();
    }

    private static void createDirectory(Path dir, int mode) throws IOException {
        Files.createDirectories(dir);
        Files.setAttribute(dir, "unix:mode", mode);
    }

    private static ByteBuffer readAt(FileChannel ch, long position, int size) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(size);
        while (buffer.hasRemaining()) {
            if (ch.read(buffer, position + buffer.position()) < 0) {
                throw new IOException("truncated ELF file");
            }
        }
        return buffer.flip();
    }

    /** Runs a host command and returns its stdout lines, or empty if it cannot run or fails. */
    private static Optional<List<String>> run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            return p.exitValue() == 0 ? Optional.of(out.lines().toList()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("interrupted running " + command[0], e));
        }
    }
}
