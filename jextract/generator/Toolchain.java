import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A C compiler that targets one architecture. Only the preprocessor and {@code -S} are
 * used, never the assembler, linker or the program itself, so a cross compiler is as good
 * as a native one: that is what lets one machine generate bindings for both architectures.
 */
record Toolchain(String arch, List<String> command, Path executable) {

    static final List<String> ARCHES = List.of("x86_64", "aarch64");

    /** The Java os.arch of this JVM as one of {@link #ARCHES}, or null. */
    static String hostArch() {
        return switch (System.getProperty("os.arch").toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> null;
        };
    }

    /** Compilers to try for {@code arch}, best first (as command prefixes). */
    static List<List<String>> candidates(String arch, String host) {
        List<List<String>> list = new ArrayList<>();
        if (arch.equals(host)) {
            list.add(List.of("gcc"));
            list.add(List.of("cc"));
            list.add(List.of("clang"));
        } else {
            list.add(List.of(arch + "-linux-gnu-gcc"));
            list.add(List.of("clang", "--target=" + arch + "-linux-gnu"));
        }
        return list;
    }

    /** Debian packages that provide a working compiler plus headers for {@code arch}. */
    static String packages(String arch, String host) {
        if (arch.equals(host)) {
            return "gcc libc6-dev linux-libc-dev";
        }
        return arch.equals("aarch64")
                ? "gcc-aarch64-linux-gnu libc6-dev-arm64-cross linux-libc-dev-arm64-cross"
                : "gcc-x86-64-linux-gnu libc6-dev-amd64-cross linux-libc-dev-amd64-cross";
    }

    /** The file that {@code name} resolves to on PATH, or null. */
    static Path which(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Runs the compiler with {@code args}; stdout to {@code out}. Returns stderr, or throws. */
    void run(List<String> args, Path out, String what) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(command);
        cmd.addAll(args);
        Path err = out.resolveSibling(out.getFileName() + ".err");
        Process p = new ProcessBuilder(cmd)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        int code = p.waitFor();
        if (code != 0) {
            throw new CompileFailure(what + " failed for " + arch + " (" + String.join(" ", cmd)
                    + ", exit " + code + ")", Files.readString(err));
        }
    }

    /** A compiler run that exited non-zero; {@code stderr} holds the compiler's words. */
    static final class CompileFailure extends IOException {
        final String stderr;

        CompileFailure(String message, String stderr) {
            super(message);
            this.stderr = stderr;
        }

        /** The first few lines of the compiler's complaint, for a one-screen message. */
        String firstLines(int n) {
            return String.join("\n", stderr.lines().limit(n).toList());
        }
    }
}
