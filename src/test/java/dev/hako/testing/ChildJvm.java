package dev.hako.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A Java main class of this build in a child JVM: the same JDK as this JVM (the build's JDK
 * 22+), on the class path, with this build's classes (target/classes, or the packaged jar
 * under Failsafe), its test classes and the Jackson jars, and native access allowed.
 *
 * <p>{@link #command} runs it as this JVM's user. For another user, {@link #readableClassPath()}
 * is a copy of those entries that any user can read: the Maven repository (/root/.m2) and a
 * checkout in a home directory (Debian makes them 0700) are not; {@link TestUser} uses it.
 */
public final class ChildJvm {
    private static String readableClassPath;

    private ChildJvm() {
    }

    /** The java launcher of this JVM's JDK. */
    public static Path java() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** The class path entries: hako's classes, the test classes, the Jackson jars. */
    public static List<Path> classPathEntries() {
        Set<Path> entries = new LinkedHashSet<>();
        entries.add(location(dev.hako.IdMapping.class));
        entries.add(location(ChildJvm.class));
        for (String property : List.of("jdk.module.path", "java.class.path")) {
            for (String e : System.getProperty(property, "").split(File.pathSeparator)) {
                if (!e.isEmpty() && Path.of(e).getFileName().toString().startsWith("jackson-") && e.endsWith(".jar")) {
                    entries.add(Path.of(e).toAbsolutePath());
                }
            }
        }
        if (entries.stream().noneMatch(e -> e.getFileName().toString().startsWith("jackson-databind"))) {
            entries.add(location(com.fasterxml.jackson.databind.ObjectMapper.class));
        }
        return List.copyOf(entries);
    }

    private static Path location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code java --enable-native-access=ALL-UNNAMED -cp <this build> main args...}, for this JVM's user. */
    public static List<String> command(Class<?> main, String... args) {
        return command(String.join(File.pathSeparator, classPathEntries().stream().map(Path::toString).toList()),
                main.getName(), List.of(args));
    }

    static List<String> command(String classPath, String main, List<String> args) {
        // No perf data: its /tmp/hsperfdata_<user> directory would outlive the throwaway user.
        List<String> cmd = new ArrayList<>(List.of(java().toString(), "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC", "-XX:-UsePerfData", "-cp", classPath, main));
        cmd.addAll(args);
        return cmd;
    }

    /**
     * The class path as a copy any user can read (directories 0755, files 0644, under the
     * temporary directory), made once per JVM and removed when it exits.
     */
    public static synchronized String readableClassPath() {
        if (readableClassPath == null) {
            try {
                Path dir = Files.createTempDirectory("hako-child-cp-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "remove-child-jvm-class-path"));
                List<String> copies = new ArrayList<>();
                int i = 0;
                for (Path entry : classPathEntries()) {
                    Path copy = dir.resolve((i++) + "-" + entry.getFileName());
                    copyReadable(entry, copy);
                    copies.add(copy.toString());
                }
                readableClassPath = String.join(File.pathSeparator, copies);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot copy the class path for a child JVM of another user", e);
            }
        }
        return readableClassPath;
    }

    private static void copyReadable(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            Files.copy(from, to);
            Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
            return;
        }
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                Path target = to.resolve(from.relativize(d).toString());
                Files.createDirectories(target);
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile()) {
                    Path target = to.resolve(from.relativize(f).toString());
                    Files.copy(f, target);
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("could not remove " + dir + ": " + e);
        }
    }
}
