package dev.hako.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the generated bindings against the C headers by a second, independent path: the
 * generator reads values out of compiler-generated assembly without running anything;
 * this test compiles a C program that printf's the same values, runs it, and compares.
 * No root needed.
 */
class GeneratedBindingsTest {

    private static final Path HEADER = Path.of("jextract", "hako.h").toAbsolutePath();
    private static final Path ARGS = Path.of("jextract", "hako.args").toAbsolutePath();
    private static final String STRUCT = "clone_args";

    @Test
    void hostConstantsAndCloneArgsMatchACompiledCProgram(@TempDir Path tmp) throws Exception {
        String host = hostArch();
        Class<?> archClass = archClass(host, "linux_h");
        assertNotNull(archClass, "no generated bindings for the host arch " + host);
        List<String> names = constantsIn(archClass);
        Map<String, Long> c = runCProgram(tmp, names, List.of("gcc"), List.of());
        assertConstants(c, names, linux_h.class);
        assertConstants(c, names, archClass);
        assertStruct(c, clone_args.class);
        assertStruct(c, archClass(host, STRUCT));
    }

    @Test
    void everyConstantOfTheArgsFileHasADispatchMethod() throws IOException {
        List<String> missing = new ArrayList<>();
        for (String name : included("--include-constant")) {
            Method m = staticMethod(linux_h.class, name);
            if (m == null || (m.getReturnType() != int.class && m.getReturnType() != long.class)) {
                missing.add(name);
            }
        }
        assertTrue(missing.isEmpty(), "no int/long method in dev.hako.linux.linux_h for " + missing);
        for (String f : included("--include-function")) {
            for (String suffix : List.of("", "$descriptor", "$handle", "$address")) {
                assertTrue(hasMethod(linux_h.class, f + suffix), "dev.hako.linux.linux_h lacks " + f + suffix);
            }
        }
    }

    @Test
    void dispatchUsesTheHostArchitecture() throws Exception {
        String host = hostArch();
        assertEquals(host, linux_h$shared.arch());
        Class<?> archClass = archClass(host, "linux_h");
        for (String name : constantsIn(archClass)) {
            assertEquals(archClass.getMethod(name).invoke(null), linux_h.class.getMethod(name).invoke(null), name);
        }
        assertEquals(archClass(host, STRUCT).getMethod("layout").invoke(null), clone_args.layout());
    }

    /** A present cross toolchain must have produced the other architecture's classes. */
    @Test
    void otherArchitectureIsGeneratedWhenItsToolchainIsInstalled() {
        String other = otherArch();
        Assumptions.assumeTrue(crossToolchainWorks(other),
                "no " + other + " cross toolchain here, so the build rightly generated only " + hostArch());
        assertNotNull(archClass(other, "linux_h"), "the " + other + " cross toolchain is installed, but "
                + "dev.hako.linux." + other + ".linux_h was not generated");
        assertNotNull(archClass(other, STRUCT), "dev.hako.linux." + other + "." + STRUCT + " was not generated");
        assertTrue(linux_h$shared.GENERATED.contains(other));
    }

    /** With qemu-user, the other architecture's values are checked by running its C program too. */
    @Test
    void otherArchitectureMatchesItsCProgramUnderQemu(@TempDir Path tmp) throws Exception {
        String other = otherArch();
        Path qemu = which("qemu-" + other + "-static");
        if (qemu == null) {
            qemu = which("qemu-" + other);
        }
        Assumptions.assumeTrue(crossToolchainWorks(other) && qemu != null,
                "needs the " + other + " cross toolchain and qemu-user-static");
        Class<?> archClass = archClass(other, "linux_h");
        assertNotNull(archClass, "dev.hako.linux." + other + ".linux_h was not generated");
        List<String> names = constantsIn(archClass);
        Map<String, Long> c = runCProgram(tmp, names, List.of(other + "-linux-gnu-gcc", "-static"),
                List.of(qemu.toString()));
        assertConstants(c, names, archClass);
        assertStruct(c, archClass(other, STRUCT));
    }

    @Test
    void functionsCanBeCalled() {
        assertEquals(ProcessHandle.current().pid(), linux_h.getpid());
        MemorySegment message = linux_h.strerror(linux_h.ENOENT());
        assertEquals("No such file or directory", message.getString(0));
        assertEquals((1L << 8) | 3, linux_h.gnu_dev_makedev(1, 3));
        assertEquals(linux_h.C_INT, linux_h.getpid$descriptor().returnLayout().orElseThrow());
        assertTrue(linux_h.getpid$address().address() != 0);
    }

    // --- the independent path: a C program, compiled and run ------------------------------

    private static Map<String, Long> runCProgram(Path dir, List<String> constants, List<String> compiler,
            List<String> runner) throws Exception {
        StringBuilder src = new StringBuilder();
        src.append("#include \"").append(HEADER).append("\"\n#include <stdio.h>\n\nint main(void) {\n");
        for (String name : constants) {
            src.append("    printf(\"%s %lld\\n\", \"").append(name).append("\", (long long) (").append(name).append("));\n");
        }
        src.append("    printf(\"sizeof %zu\\n\", sizeof(struct " + STRUCT + "));\n");
        for (String field : fields()) {
            src.append("    printf(\"offsetof.").append(field).append(" %zu\\n\", offsetof(struct " + STRUCT + ", ")
                    .append(field).append("));\n");
        }
        src.append("    return 0;\n}\n");
        Path c = dir.resolve("values.c");
        Path exe = dir.resolve("values");
        Files.writeString(c, src);
        List<String> cc = new ArrayList<>(compiler);
        cc.addAll(List.of("-o", exe.toString(), c.toString()));
        run(cc, dir);
        List<String> cmd = new ArrayList<>(runner);
        cmd.add(exe.toString());
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : run(cmd, dir).split("\n")) {
            String[] kv = line.split(" ");
            values.put(kv[0], Long.parseLong(kv[1]));
        }
        return values;
    }

    private static void assertConstants(Map<String, Long> c, List<String> names, Class<?> bindings) throws Exception {
        List<String> wrong = new ArrayList<>();
        for (String name : names) {
            long expected = c.get(name);
            Method m = bindings.getMethod(name);
            Object actual = m.invoke(null);
            boolean ok = m.getReturnType() == int.class
                    ? (int) actual == (int) expected && (expected == (int) expected || expected == (expected & 0xffffffffL))
                    : (long) actual == expected;
            if (!ok) {
                wrong.add(name + ": C says " + expected + ", " + bindings.getName() + " says " + actual);
            }
        }
        assertTrue(wrong.isEmpty(), wrong.size() + " constants differ:\n" + String.join("\n", wrong));
    }

    private static void assertStruct(Map<String, Long> c, Class<?> struct) throws Exception {
        assertNotNull(struct);
        MemoryLayout layout = (MemoryLayout) struct.getMethod("layout").invoke(null);
        assertEquals(c.get("sizeof"), struct.getMethod("sizeof").invoke(null), struct.getName() + ".sizeof()");
        assertEquals((long) c.get("sizeof"), layout.byteSize());
        for (String field : fields()) {
            long expected = c.get("offsetof." + field);
            assertEquals(expected, struct.getMethod(field + "$offset").invoke(null), struct.getName() + "." + field + "$offset()");
            assertEquals(expected, layout.byteOffset(MemoryLayout.PathElement.groupElement(field)), "layout offset of " + field);
        }
    }

    private static String run(List<String> cmd, Path dir) throws Exception {
        Path out = dir.resolve("out.txt");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("timed out: " + cmd);
        }
        String text = Files.readString(out);
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed:\n" + text);
        return text;
    }

    // --- what to compare --------------------------------------------------------------------

    /** Names after {@code option} in jextract/hako.args, read here without the generator's parser. */
    private static List<String> included(String option) throws IOException {
        List<String> names = new ArrayList<>();
        for (String line : Files.readAllLines(ARGS)) {
            String[] words = line.strip().split("\\s+");
            if (words.length == 2 && words[0].equals(option)) {
                names.add(words[1]);
            }
        }
        return names;
    }

    /** The args file's constants that {@code bindings} declares (an arch may lack a few). */
    private static List<String> constantsIn(Class<?> bindings) throws IOException {
        List<String> names = new ArrayList<>();
        for (String name : included("--include-constant")) {
            if (staticMethod(bindings, name) != null) {
                names.add(name);
            }
        }
        assertTrue(names.size() > 300, "suspiciously few constants in " + bindings.getName() + ": " + names.size());
        return names;
    }

    /** clone_args' fields, as the dispatch class exposes them ({@code NAME$offset()}). */
    private static List<String> fields() {
        List<String> names = new ArrayList<>();
        for (Method m : clone_args.class.getDeclaredMethods()) {
            if (m.getName().endsWith("$offset")) {
                names.add(m.getName().substring(0, m.getName().length() - "$offset".length()));
            }
        }
        assertTrue(names.contains("flags") && names.contains("stack") && names.contains("exit_signal"), names.toString());
        return names;
    }

    private static Method staticMethod(Class<?> c, String name) {
        try {
            Method m = c.getMethod(name);
            return Modifier.isStatic(m.getModifiers()) ? m : null;
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static boolean hasMethod(Class<?> c, String name) {
        for (Method m : c.getMethods()) {
            if (m.getName().equals(name)) {
                return true;
            }
        }
        return false;
    }

    // --- architectures and toolchains -----------------------------------------------------

    private static String hostArch() {
        return switch (System.getProperty("os.arch").toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> throw new AssertionError("unsupported os.arch " + System.getProperty("os.arch"));
        };
    }

    private static String otherArch() {
        return hostArch().equals("x86_64") ? "aarch64" : "x86_64";
    }

    private static Class<?> archClass(String arch, String simpleName) {
        try {
            return Class.forName("dev.hako.linux." + arch + "." + simpleName);
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    /** Whether {@code <arch>-linux-gnu-gcc} exists and can preprocess hako.h (headers present). */
    private static boolean crossToolchainWorks(String arch) {
        Path gcc = which(arch + "-linux-gnu-gcc");
        if (gcc == null) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(gcc.toString(), "-E", "-o", "/dev/null", "-x", "c", HEADER.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static Path which(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return p;
            }
        }
        return null;
    }
}
