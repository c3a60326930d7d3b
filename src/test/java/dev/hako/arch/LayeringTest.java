package dev.hako.arch;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The package layers of src/main/java, checked on every build: a package uses only
 * packages of lower layers (never one beside it or above it), so there are no cycles.
 * The public value types of {@code dev.hako} (a rootfs, a mount, a namespace, an exit
 * status, the exception) are data that every layer may read; nothing below the API uses
 * {@code Container} or {@code ContainerProcess}.
 */
class LayeringTest {

    /** Bottom first. Packages in one layer do not use each other. */
    static final List<Set<String>> LAYERS = List.of(
            Set.of("dev.hako.linux"),
            Set.of("dev.hako.program", "dev.hako.netlink"),
            Set.of("dev.hako.userns"),
            Set.of("dev.hako.fs", "dev.hako.net", "dev.hako.security", "dev.hako.seccomp", "dev.hako.cgroup",
                    "dev.hako.process",
                    "dev.hako.image", "dev.hako.terminal"),
            Set.of("dev.hako.spawn", "dev.hako.spec"),
            Set.of("dev.hako"),
            Set.of("dev.hako.oci"),
            Set.of("dev.hako.cli"));

    static final Set<String> VALUE_TYPES = Set.of("dev.hako.Rootfs", "dev.hako.Mount", "dev.hako.Namespace",
            "dev.hako.ExitStatus", "dev.hako.ContainerException", "dev.hako.ContainerStats",
            "dev.hako.IdMapping", "dev.hako.UserNamespace");

    private static final Pattern REFERENCE = Pattern.compile("\\b(dev\\.hako(?:\\.[a-z_0-9]+)*)\\.([A-Z]\\w*)");
    private static final Path MAIN = Path.of(System.getProperty("basedir", ".")).resolve("src/main/java");

    @Test
    void everyPackageIsInALayer() throws IOException {
        Set<String> unplaced = new TreeSet<>(sources().keySet());
        LAYERS.forEach(unplaced::removeAll);
        assertEquals(Set.of(), unplaced, "add each new package to a layer in LAYERS (and to ARCHITECTURE.md)");
    }

    @Test
    void packagesUseOnlyLowerLayers() throws IOException {
        List<String> violations = new ArrayList<>();
        for (Map.Entry<String, List<Path>> pkg : sources().entrySet()) {
            int layer = layerOf(pkg.getKey());
            for (Path file : pkg.getValue()) {
                String code = stripComments(Files.readString(file));
                Matcher m = REFERENCE.matcher(code);
                Set<String> seen = new TreeSet<>();
                while (m.find()) {
                    String target = m.group(1);
                    String type = target + "." + m.group(2);
                    if (target.equals(pkg.getKey()) || target.startsWith("dev.hako.linux.") || !seen.add(type)) {
                        continue; // own package; generated per-architecture bindings belong to linux
                    }
                    int targetLayer = layerOf(target);
                    boolean value = VALUE_TYPES.contains(type) && layer > 0;
                    if (targetLayer >= layer && !value) {
                        violations.add(MAIN.relativize(file) + " (" + pkg.getKey() + ", layer " + layer + ") uses "
                                + type + " (layer " + targetLayer + ")");
                    }
                }
            }
        }
        assertEquals(List.of(), violations, "a package may use only lower layers and dev.hako's value types");
    }

    @Test
    void theCheckSeesAViolation() {
        // The program layer naming a step writer would be a cycle: the check must see it.
        Matcher m = REFERENCE.matcher(stripComments("import dev.hako.fs.RootfsSetup; // dev.hako.spawn.X"));
        assertTrue(m.find());
        assertEquals("dev.hako.fs", m.group(1));
        assertTrue(layerOf("dev.hako.fs") > layerOf("dev.hako.program"));
    }

    private static int layerOf(String pkg) {
        String p = pkg.startsWith("dev.hako.linux.") ? "dev.hako.linux" : pkg;
        for (int i = 0; i < LAYERS.size(); i++) {
            if (LAYERS.get(i).contains(p)) {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }

    /** Java sources by package. */
    private static Map<String, List<Path>> sources() throws IOException {
        Map<String, List<Path>> byPackage = new TreeMap<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".java") && !f.endsWith("module-info.java")).toList()) {
                String pkg = MAIN.relativize(f.getParent()).toString().replace('/', '.');
                byPackage.computeIfAbsent(pkg, k -> new ArrayList<>()).add(f);
            }
        }
        return byPackage;
    }

    private static String stripComments(String code) {
        return code.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
    }
}
