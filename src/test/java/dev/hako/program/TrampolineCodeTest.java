package dev.hako.program;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Checks the embedded trampoline bytes against their assembly sources, and runs them.
 *
 * <p>Needs GNU binutils and gcc for each architecture, qemu-user for the one that is not the
 * host's, and qemu-system-aarch64 with an arm64 kernel to run the aarch64 routine on a real
 * kernel; where a tool is missing the test is skipped with the Debian package to install (a
 * missing kernel next to an installed qemu-system-aarch64 fails, saying how to fetch it).
 * The C harness in src/test/c is compiled into target/trampoline-test at test time.
 */
class TrampolineCodeTest {

    enum Arch {
        X86_64("x86_64", "x86_64-linux-gnu", "binutils-x86-64-linux-gnu",
                "gcc-x86-64-linux-gnu libc6-dev-amd64-cross", "amd64", "x86_64"),
        AARCH64("aarch64", "aarch64-linux-gnu", "binutils-aarch64-linux-gnu",
                "gcc-aarch64-linux-gnu libc6-dev-arm64-cross", "aarch64", "arm64");

        final String name;
        final String triple;
        final String binutilsPackage;
        final String crossGccPackages;
        final List<String> osArchNames;

        Arch(String name, String triple, String binutilsPackage, String crossGccPackages,
                String... osArchNames) {
            this.name = name;
            this.triple = triple;
            this.binutilsPackage = binutilsPackage;
            this.crossGccPackages = crossGccPackages;
            this.osArchNames = List.of(osArchNames);
        }

        boolean isHost() {
            return osArchNames.contains(System.getProperty("os.arch").toLowerCase(Locale.ROOT));
        }

        byte[] embedded() {
            return this == X86_64 ? TrampolineCode.x86_64() : TrampolineCode.aarch64();
        }

        Path source() {
            return PROJECT.resolve("src/main/asm/trampoline-" + name + ".S");
        }

        Path work() throws IOException {
            return Files.createDirectories(PROJECT.resolve("target/trampoline-test/" + name));
        }

        /** A binutils program for this architecture: prefixed, or the plain one on its own host. */
        Path binutil(String tool) {
            Optional<Path> found = onPath(triple + "-" + tool);
            if (found.isEmpty() && isHost()) {
                found = onPath(tool);
            }
            assumeTrue(found.isPresent(), () -> "GNU " + tool + " for " + name + " ("
                    + triple + "-" + tool + ") not found: install the Debian package "
                    + binutilsPackage);
            return found.get();
        }
    }

    /** The project root: Surefire runs in it; walk up in case a runner does not. */
    static final Path PROJECT = findProject();

    private static Path findProject() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.exists(d.resolve("src/main/asm/trampoline-x86_64.S"))) {
                return d;
            }
        }
        return dir;
    }

    // ---- the constants, no tools needed ----

    @Test
    void osArchNamesMapToTheirCode() {
        assertArrayEquals(TrampolineCode.x86_64(), TrampolineCode.forArch("amd64"));
        assertArrayEquals(TrampolineCode.x86_64(), TrampolineCode.forArch("x86_64"));
        assertArrayEquals(TrampolineCode.aarch64(), TrampolineCode.forArch("aarch64"));
        assertArrayEquals(TrampolineCode.aarch64(), TrampolineCode.forArch("arm64"));
        assertTrue(TrampolineCode.x86_64().length > 0);
        assertTrue(TrampolineCode.aarch64().length > 0);
        assertFalse(Arrays.equals(TrampolineCode.x86_64(), TrampolineCode.aarch64()));
        assertEquals(0, TrampolineCode.aarch64().length % 4, "aarch64 instructions are 4 bytes");
    }

    @Test
    void unsupportedArchIsNamedInTheError() {
        var e = assertThrows(IllegalStateException.class, () -> TrampolineCode.forArch("ppc64le"));
        assertTrue(e.getMessage().contains("ppc64le"), e.getMessage());
        assertTrue(e.getMessage().contains("amd64") && e.getMessage().contains("aarch64"),
                e.getMessage());
    }

    @Test
    void callersGetCopies() {
        byte[] first = TrampolineCode.x86_64();
        Arrays.fill(first, (byte) 0);
        assertFalse(Arrays.equals(first, TrampolineCode.x86_64()));
        byte[] second = TrampolineCode.aarch64();
        Arrays.fill(second, (byte) 0);
        assertFalse(Arrays.equals(second, TrampolineCode.aarch64()));
    }

    @Test
    void layoutIsEightByteFieldsWithoutGaps() {
        long[] control = {
            TrampolineCode.CONTROL_CLONE_ARGS, TrampolineCode.CONTROL_CLONE_ARGS_SIZE,
            TrampolineCode.CONTROL_PROGRAM, TrampolineCode.CONTROL_BLOCK_MASK,
            TrampolineCode.CONTROL_SAVED_MASK, TrampolineCode.CONTROL_NR_RT_SIGPROCMASK,
            TrampolineCode.CONTROL_NR_CLONE3, TrampolineCode.CONTROL_NR_EXIT,
            TrampolineCode.CONTROL_SIG_SETMASK, TrampolineCode.CONTROL_SIGSET_SIZE,
            TrampolineCode.CONTROL_FAILURE_CODE, TrampolineCode.CONTROL_SKIP_RESULT,
        };
        for (int i = 0; i < control.length; i++) {
            assertEquals(8L * i, control[i], "control field " + i);
        }
        assertEquals(8L * control.length, TrampolineCode.CONTROL_SIZE);

        long[] step = {
            TrampolineCode.STEP_NR, TrampolineCode.STEP_ARG0, TrampolineCode.STEP_ARG1,
            TrampolineCode.STEP_ARG2, TrampolineCode.STEP_ARG3, TrampolineCode.STEP_ARG4,
            TrampolineCode.STEP_ARG5, TrampolineCode.STEP_FLAGS, TrampolineCode.STEP_RESULT,
        };
        for (int i = 0; i < step.length; i++) {
            assertEquals(8L * i, step[i], "step field " + i);
        }
        assertEquals(8L * step.length, TrampolineCode.STEP_SIZE);
        for (int i = 0; i < TrampolineCode.STEP_ARG_COUNT; i++) {
            assertEquals(step[1 + i], TrampolineCode.stepArg(i));
        }
        assertThrows(IndexOutOfBoundsException.class, () -> TrampolineCode.stepArg(6));
        assertEquals(-1L, TrampolineCode.END_OF_PROGRAM);

        long[] flags = {TrampolineCode.MAY_FAIL, TrampolineCode.ZERO_FAILS,
            TrampolineCode.ARG0_FROM_PREV, TrampolineCode.SKIP_ON_ENOENT};
        assertArrayEquals(new long[] {1, 2, 4, 8}, flags);
    }

    /** The skip count is the flags word's second byte (what both .S files read), next to SKIP_ON_ENOENT. */
    @Test
    void skipCountIsBitsEightToFifteen() {
        assertEquals(0x0308L, TrampolineCode.skipOnEnoent(3));
        assertEquals(0xff08L, TrampolineCode.skipOnEnoent(255));
        assertEquals(0x0008L, TrampolineCode.skipOnEnoent(0));
        assertEquals(3, TrampolineCode.skipCount(TrampolineCode.skipOnEnoent(3) | TrampolineCode.MAY_FAIL));
        assertEquals(255, TrampolineCode.skipCount(TrampolineCode.skipOnEnoent(255)));
        assertEquals(0, TrampolineCode.skipCount(0x0300L), "a count without the flag is no skip");
        assertThrows(IllegalArgumentException.class, () -> TrampolineCode.skipOnEnoent(256));
        assertThrows(IllegalArgumentException.class, () -> TrampolineCode.skipOnEnoent(-1));
    }

    // ---- the bytes against the sources ----

    @ParameterizedTest
    @EnumSource(Arch.class)
    void embeddedBytesAreTheAssembledSource(Arch arch) throws Exception {
        Path object = assemble(arch);
        Path bin = arch.work().resolve("trampoline.bin");
        run(List.of(arch.binutil("objcopy").toString(), "-O", "binary", "-j", ".text",
                object.toString(), bin.toString()), "objcopy").requireSuccess();
        byte[] assembled = Files.readAllBytes(bin);
        if (!Arrays.equals(assembled, arch.embedded())) {
            fail("TrampolineCode's " + arch.name + " bytes differ from " + arch.source()
                    + " assembled (" + assembled.length + " bytes, embedded "
                    + arch.embedded().length + "). The constant should read:\n"
                    + listing(arch, object, assembled));
        }
    }

    @ParameterizedTest
    @EnumSource(Arch.class)
    void assembledObjectIsPositionIndependentCodeOnly(Arch arch) throws Exception {
        Path object = assemble(arch);
        String readelf = arch.binutil("readelf").toString();

        String relocations = run(List.of(readelf, "-r", "-W", object.toString()), "readelf -r")
                .requireSuccess();
        assertTrue(relocations.contains("There are no relocations in this file."),
                "the routine must not need relocations:\n" + relocations);

        // Only .text may occupy memory: no data, literal pools live in .text or nowhere.
        String sections = run(List.of(readelf, "-S", "-W", object.toString()), "readelf -S")
                .requireSuccess();
        Pattern header = Pattern.compile(
                "\\[\\s*\\d+]\\s+(\\S+)\\s+\\S+\\s+\\p{XDigit}+\\s+\\p{XDigit}+\\s+(\\p{XDigit}+)\\s+\\p{XDigit}+\\s+(\\S*)");
        for (String line : sections.lines().toList()) {
            Matcher m = header.matcher(line);
            if (m.find() && m.group(3).contains("A") && !m.group(1).equals(".text")) {
                assertEquals(0, Long.parseLong(m.group(2), 16),
                        "section " + m.group(1) + " must be empty:\n" + sections);
            }
        }

        String symbols = run(List.of(readelf, "-s", "-W", object.toString()), "readelf -s")
                .requireSuccess();
        assertTrue(symbols.lines().anyMatch(l -> l.matches(".*\\sFUNC\\s+GLOBAL\\s.*\\shako_spawn$")),
                "hako_spawn must be a global function:\n" + symbols);
        assertFalse(symbols.lines().anyMatch(l -> l.matches(".*\\sUND\\s+\\S+$")),
                "the routine must not reference undefined symbols:\n" + symbols);
    }

    // ---- the bytes, run ----

    /**
     * Runs the embedded bytes through src/test/c/trampoline_harness.c: natively on the host's
     * architecture (where clone3 must fully work), under qemu-user for the other one (where the
     * harness says what the emulator leaves unverified).
     */
    @ParameterizedTest
    @EnumSource(Arch.class)
    void harnessRunsTheRoutine(Arch arch) throws Exception {
        Path work = arch.work();
        Path routine = work.resolve("routine.bin");
        Files.write(routine, arch.embedded());
        Path harness = buildHarness(arch, work, false);

        List<String> execute = new ArrayList<>();
        if (!arch.isHost()) {
            Optional<Path> qemu = onPath("qemu-" + arch.name + "-static")
                    .or(() -> onPath("qemu-" + arch.name));
            assumeTrue(qemu.isPresent(), () -> "qemu-" + arch.name + "-static not found: install "
                    + "the Debian package qemu-user-static");
            execute.add(qemu.get().toString());
        }
        execute.add(harness.toString());
        execute.add(routine.toString());
        if (!arch.isHost()) {
            execute.add("--emulated");
        }
        Result result = run(execute, "the harness");
        System.out.println("trampoline harness, " + arch.name
                + (arch.isHost() ? " (native)" : " (qemu-user)") + ":\n" + result.output);

        assertLayoutAgrees(result.output);
        assertTrue(result.exit == 0 && result.output.contains("VERDICT: OK"),
                "harness for " + arch.name + " failed (exit " + result.exit + "):\n"
                        + result.output);
        if (arch.isHost()) {
            assertFalse(result.output.contains("NOT VERIFIED"),
                    "natively everything must be verified:\n" + result.output);
        }
    }

    /** Where the arm64 kernel for {@link #harnessRunsAsInitOnARealArm64Kernel} is looked for. */
    static final String ARM64_KERNEL_PROPERTY = "hako.test.arm64Kernel";
    static final String ARM64_KERNEL_ENV = "HAKO_TEST_ARM64_KERNEL";
    static final Path ARM64_KERNEL_DEFAULT = Path.of("/var/cache/hako-test/arm64-kernel/Image");

    /**
     * The aarch64 routine against a real arm64 kernel, where qemu-user cannot run clone3 with
     * CLONE_VM: boots Debian's arm64 kernel under qemu-system-aarch64 with an initramfs whose
     * /init is the statically linked aarch64 harness, which runs as PID 1, prints its checks on
     * the serial console and powers the machine off. Every clone3 check must pass there.
     *
     * <p>The kernel (an arm64 Image, or a gzip'd one) is taken from the system property
     * {@value #ARM64_KERNEL_PROPERTY}, else the environment variable {@value #ARM64_KERNEL_ENV},
     * else {@code /var/cache/hako-test/arm64-kernel/Image}, where .ci/fetch-arm64-kernel puts
     * it. Skipped only without qemu-system-aarch64; with it, a missing kernel fails.
     */
    @Test
    void harnessRunsAsInitOnARealArm64Kernel() throws Exception {
        Optional<Path> qemu = onPath("qemu-system-aarch64");
        assumeTrue(qemu.isPresent(), "qemu-system-aarch64 not found: install the Debian package "
                + "qemu-system-arm to run the aarch64 trampoline on a real arm64 kernel");
        Path kernel = arm64Kernel();
        Arch arch = Arch.AARCH64;
        Path work = Files.createDirectories(PROJECT.resolve("target/trampoline-test/aarch64-vm"));
        Path harness = buildHarness(arch, work, true);

        Path initrd = work.resolve("initramfs.cpio");
        try (var out = new BufferedOutputStream(Files.newOutputStream(initrd))) {
            Newc cpio = new Newc(out);
            cpio.directory("dev", 0755);
            cpio.characterDevice("dev/console", 0600, 5, 1);
            cpio.file("init", 0755, Files.readAllBytes(harness));
            cpio.file("routine.bin", 0644, arch.embedded());
            cpio.trailer();
        }
        Path image = uncompressedImage(kernel, work);

        List<String> boot = List.of(qemu.get().toString(),
                "-M", "virt", "-cpu", "cortex-a57", "-smp", "1", "-m", "256",
                "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot",
                "-kernel", image.toString(), "-initrd", initrd.toString(),
                "-append", "console=ttyAMA0 panic=-1 quiet");
        long started = System.nanoTime();
        Result result = run(boot, "booting the arm64 kernel", 120);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        String console = result.output.replace("\r", "");
        System.out.println("trampoline harness, aarch64 (PID 1 on " + kernel + " under "
                + "qemu-system-aarch64, " + millis + " ms from start to power-off):\n" + console);

        String all = "qemu-system-aarch64 exit " + result.exit + ", console:\n" + console;
        assertTrue(console.lines().anyMatch(l -> l.matches("KERNEL Linux \\S+ aarch64, harness "
                + "running as PID 1")), "the harness did not start as PID 1 of an arm64 kernel: "
                + all);
        assertLayoutAgrees(console);
        List<String> failures = console.lines().filter(l -> l.startsWith("FAIL")).toList();
        assertEquals(List.of(), failures, all);
        assertFalse(console.contains("NOT VERIFIED"),
                "on a real kernel every clone3 check must be verified: " + all);
        for (String needed : List.of("PASS clone3: returns the child's pid",
                "PASS clone3: results written back",
                "PASS clone3: SKIP_ON_ENOENT skips exactly K steps",
                "PASS clone3: SKIP_ON_ENOENT with another errno fails",
                "PASS clone3: child never touched its (PROT_NONE) stack",
                "PASS clone3: control run without CLONE_VM does not see results",
                "VERDICT: OK", "HARNESS EXIT 0")) {
            assertTrue(console.lines().anyMatch(l -> l.startsWith(needed)),
                    "missing \"" + needed + "\": " + all);
        }
        assertEquals(0, result.exit, "qemu-system-aarch64 should end with the guest's power-off: "
                + all);
    }

    private static Path arm64Kernel() {
        String configured = System.getProperty(ARM64_KERNEL_PROPERTY, "");
        String from = "system property " + ARM64_KERNEL_PROPERTY;
        if (configured.isBlank()) {
            configured = System.getenv().getOrDefault(ARM64_KERNEL_ENV, "");
            from = "environment variable " + ARM64_KERNEL_ENV;
        }
        if (configured.isBlank()) {
            configured = ARM64_KERNEL_DEFAULT.toString();
            from = "default location";
        }
        Path kernel = Path.of(configured);
        if (!Files.isRegularFile(kernel)) {
            fail("qemu-system-aarch64 is installed but there is no arm64 kernel at " + kernel
                    + " (" + from + "). Get Debian's with: sudo .ci/fetch-arm64-kernel "
                    + "(downloads linux-image-arm64 with apt into "
                    + "/var/cache/hako-test/arm64-kernel; .ci/run does this), or point " + ARM64_KERNEL_PROPERTY + " or "
                    + ARM64_KERNEL_ENV + " at an arm64 Image.");
        }
        return kernel;
    }

    /** qemu's -kernel takes an arm64 Image as is; a gzip'd one (vmlinuz.gz style) is unpacked. */
    private static Path uncompressedImage(Path kernel, Path work) throws IOException {
        byte[] head = new byte[2];
        try (var in = Files.newInputStream(kernel)) {
            boolean gzip = in.readNBytes(head, 0, 2) == 2
                    && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
            if (!gzip) {
                return kernel;
            }
        }
        Path image = work.resolve("Image");
        try (var in = new GZIPInputStream(Files.newInputStream(kernel))) {
            Files.copy(in, image, StandardCopyOption.REPLACE_EXISTING);
        }
        return image;
    }

    /**
     * Writes a newc cpio archive, the initramfs format. Written here rather than with
     * Debian's cpio because /dev/console has to be a device node, which only root can
     * create on disk; the format is a fixed header of hex fields before each name and body.
     */
    static final class Newc {
        private final OutputStream out;
        private long written;
        private int inode = 1;

        Newc(OutputStream out) {
            this.out = out;
        }

        void directory(String name, int permissions) throws IOException {
            entry(name, 0040000 | permissions, 2, 0, 0, new byte[0]);
        }

        void characterDevice(String name, int permissions, int major, int minor)
                throws IOException {
            entry(name, 0020000 | permissions, 1, major, minor, new byte[0]);
        }

        void file(String name, int permissions, byte[] body) throws IOException {
            entry(name, 0100000 | permissions, 1, 0, 0, body);
        }

        void trailer() throws IOException {
            entry("TRAILER!!!", 0, 1, 0, 0, new byte[0]);
        }

        private void entry(String name, int mode, int links, int rdevMajor, int rdevMinor,
                byte[] body) throws IOException {
            byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.US_ASCII);
            boolean last = name.equals("TRAILER!!!");
            // ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor,
            // rdevmajor, rdevminor, namesize, check
            long[] fields = {last ? 0 : inode++, mode, 0, 0, links, 0, body.length, 0, 0,
                rdevMajor, rdevMinor, nameBytes.length, 0};
            StringBuilder header = new StringBuilder("070701");
            for (long f : fields) {
                header.append(String.format("%08x", f));
            }
            write(header.toString().getBytes(StandardCharsets.US_ASCII));
            write(nameBytes);
            pad();
            write(body);
            pad();
        }

        private void write(byte[] bytes) throws IOException {
            out.write(bytes);
            written += bytes.length;
        }

        private void pad() throws IOException {
            while (written % 4 != 0) {
                write(new byte[1]);
            }
        }
    }

    /**
     * Compiles the harness for arch into work: with the host's gcc on the host (statically
     * when asked), else with the cross gcc, always statically (no target libraries at run time).
     */
    private static Path buildHarness(Arch arch, Path work, boolean staticLink) throws Exception {
        Path harness = work.resolve("trampoline_harness");
        Path source = PROJECT.resolve("src/test/c/trampoline_harness.c");
        List<String> compile = new ArrayList<>();
        if (arch.isHost()) {
            Optional<Path> cc = onPath("gcc").or(() -> onPath("cc"));
            assumeTrue(cc.isPresent(), "no C compiler: install the Debian package gcc");
            compile.add(cc.get().toString());
        } else {
            Optional<Path> cc = onPath(arch.triple + "-gcc");
            assumeTrue(cc.isPresent(), () -> arch.triple + "-gcc not found: install the Debian "
                    + "packages " + arch.crossGccPackages);
            compile.add(cc.get().toString());
            staticLink = true;
        }
        if (staticLink) {
            compile.add("-static");
        }
        compile.addAll(List.of("-O2", "-Wall", "-Wextra", "-o", harness.toString(),
                source.toString()));
        Result compiled = run(compile, "compiling the harness");
        assumeTrue(!(compiled.exit != 0 && compiled.output.contains("stdio.h")),
                () -> "no C library headers for " + arch.name + ": install the Debian packages "
                        + (arch.isHost() ? "libc6-dev" : arch.crossGccPackages) + "\n"
                        + compiled.output);
        compiled.requireSuccess();
        return harness;
    }

    /** The harness's LAYOUT lines match TrampolineCode's constants. */
    private static void assertLayoutAgrees(String output) throws Exception {
        List<String> layoutErrors = new ArrayList<>();
        Pattern layout = Pattern.compile("^LAYOUT (\\w+)=(\\d+)$", Pattern.MULTILINE);
        Matcher m = layout.matcher(output);
        int layouts = 0;
        while (m.find()) {
            layouts++;
            long expected = TrampolineCode.class.getField(m.group(1)).getLong(null);
            if (expected != Long.parseLong(m.group(2))) {
                layoutErrors.add(m.group(1) + ": harness " + m.group(2) + ", Java " + expected);
            }
        }
        assertTrue(layouts > 0, "the harness printed no layout:\n" + output);
        assertEquals(List.of(), layoutErrors, "harness and TrampolineCode disagree on the layout");
    }

    // ---- helpers ----

    private static Path assemble(Arch arch) throws Exception {
        Path object = arch.work().resolve("trampoline.o");
        run(List.of(arch.binutil("as").toString(), "-o", object.toString(),
                arch.source().toString()), "as").requireSuccess();
        return object;
    }

    /** The TrampolineCode text block for these bytes, one instruction a line. */
    private static String listing(Arch arch, Path object, byte[] code) throws Exception {
        Optional<Path> objdump = onPath(arch.triple + "-objdump")
                .or(() -> arch.isHost() ? onPath("objdump") : Optional.empty());
        List<Integer> offsets = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        if (objdump.isPresent()) {
            String out = run(List.of(objdump.get().toString(), "-d", "--no-show-raw-insn",
                    object.toString()), "objdump").requireSuccess();
            Pattern insn = Pattern.compile("^\\s*(\\p{XDigit}+):\\t(.*)$");
            for (String line : out.lines().toList()) {
                Matcher m = insn.matcher(line);
                if (m.matches()) {
                    offsets.add(Integer.parseInt(m.group(1), 16));
                    texts.add(m.group(2).replaceAll("\\s*(<[^>]*>|//.*)", "")
                            .replaceAll("\\s+", " ").trim());
                }
            }
        }
        if (offsets.isEmpty()) {   // no disassembler: 16 bytes a line
            for (int i = 0; i < code.length; i += 16) {
                offsets.add(i);
                texts.add("");
            }
        }
        List<String> hex = new ArrayList<>();
        for (int i = 0; i < offsets.size(); i++) {
            int from = offsets.get(i);
            int to = i + 1 < offsets.size() ? offsets.get(i + 1) : code.length;
            hex.add(HexFormat.ofDelimiter(" ").formatHex(code, from, to));
        }
        int width = hex.stream().mapToInt(String::length).max().orElse(0) + 1;
        StringBuilder text = new StringBuilder("            \"\"\"\n");
        for (int i = 0; i < hex.size(); i++) {
            text.append("            ").append(String.format("%-" + width + "s| %02x: %s", hex.get(i),
                    offsets.get(i), texts.get(i)).stripTrailing()).append('\n');
        }
        return text.append("            \"\"\";\n").toString();
    }

    static Optional<Path> onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        return Stream.of(path.split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, program))
                .filter(Files::isExecutable)
                .findFirst();
    }

    record Result(String what, List<String> command, int exit, String output) {
        String requireSuccess() {
            if (exit != 0) {
                fail(what + " failed (exit " + exit + "): " + String.join(" ", command) + "\n"
                        + output);
            }
            return output;
        }
    }

    private static Result run(List<String> command, String what) throws Exception {
        return run(command, what, 120);
    }

    private static Result run(List<String> command, String what, int timeoutSeconds)
            throws Exception {
        Path log = Files.createTempFile("hako-trampoline", ".log");
        try {
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                fail(what + " did not finish in " + timeoutSeconds + " s: " + String.join(" ", command) + "\n"
                        + Files.readString(log));
            }
            return new Result(what, command, p.exitValue(), Files.readString(log));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
