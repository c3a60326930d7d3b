import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * hako's bindings generator: reads jextract's inputs (jextract/hako.h and the @argfile
 * jextract/hako.args) and writes jextract-shaped classes for x86_64 and aarch64 plus an
 * architecture-neutral dispatch layer. Maven runs it at generate-sources with Java 22+'s
 * multi-file source launcher:
 *
 *   java jextract/generator/Main.java --header jextract/hako.h --args jextract/hako.args \
 *        --out target/generated-sources/bindings --work target/hako-bindings \
 *        [--release=22] [--jextract=PATH]
 *
 * --release is the project's maven.compiler.release: a configured jextract's output must
 * compile at it (see Generator#checkRelease).
 *
 * The up-to-date check lives here, before any other generator class is touched, because
 * the source launcher compiles each class only when it is first used: an up-to-date run
 * then costs one small compile.
 */
public final class Main {

    record Options(Path header, Path args, Path generatorDir, Path out, Path work, Path jextract, String release) { }

    public static void main(String[] argv) {
        try {
            long start = System.nanoTime();
            Options o = parse(argv);
            Path stamp = o.work().resolve("stamp");
            String key = environmentKey(o);
            List<String> previous = upToDate(o, stamp, key);
            if (previous != null) {
                previous.forEach(System.out::println); // repeat warnings: they still apply
                return;
            }
            Files.deleteIfExists(stamp); // a failed run must not leave an old stamp that looks current
            Generator.Result r = new Generator(o).run();
            r.warnings().forEach(System.out::println);
            List<String> lines = new ArrayList<>();
            lines.add(key);
            lines.addAll(r.warnings());
            Files.createDirectories(stamp.getParent());
            Files.write(stamp, lines);
            System.out.printf("%s (%.1f s)%n", r.summary(), (System.nanoTime() - start) / 1e9);
        } catch (GeneratorException e) {
            System.err.println("[ERROR] hako bindings: " + e.getMessage());
            System.exit(1);
        } catch (Exception e) {
            System.err.println("[ERROR] hako bindings: generator failed");
            e.printStackTrace();
            System.exit(2);
        }
    }

    private static Options parse(String[] argv) {
        Path header = null, args = null, out = null, work = null, generatorDir = null;
        String jextract = "";
        String release = null;
        List<String> list = new ArrayList<>();
        for (String a : argv) { // "--opt=value" (which Maven passes even when value is empty) or "--opt value"
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                list.add(a.substring(0, eq));
                list.add(a.substring(eq + 1));
            } else {
                list.add(a);
            }
        }
        for (int i = 0; i + 1 < list.size(); i += 2) {
            String v = list.get(i + 1);
            switch (list.get(i)) {
                case "--header" -> header = Path.of(v);
                case "--args" -> args = Path.of(v);
                case "--out" -> out = Path.of(v);
                case "--work" -> work = Path.of(v);
                case "--generator-dir" -> generatorDir = Path.of(v);
                case "--jextract" -> jextract = v;
                case "--release" -> release = v;
                default -> throw new GeneratorException("unknown option " + list.get(i));
            }
        }
        if (list.size() % 2 != 0 || header == null || args == null || out == null || work == null) {
            throw new GeneratorException("usage: Main --header H --args A --out DIR --work DIR"
                    + " [--generator-dir DIR] [--release=N] [--jextract=PATH]");
        }
        if (generatorDir == null) {
            generatorDir = header.toAbsolutePath().getParent().resolve("generator");
        }
        Path jx = jextract(jextract);
        if (jx != null && (release == null || !release.matches("\\d+"))) {
            throw new GeneratorException("a configured jextract needs --release=N (the project's"
                    + " maven.compiler.release), to check that its output compiles there");
        }
        return new Options(header.toAbsolutePath(), args.toAbsolutePath(), generatorDir,
                out.toAbsolutePath(), work.toAbsolutePath(), jx, release);
    }

    /** jextract from the Maven property, else $JEXTRACT, else PATH; null when none. */
    private static Path jextract(String property) {
        String configured = !property.isBlank() ? property : System.getenv("JEXTRACT");
        if (configured == null || configured.isBlank()) {
            return Toolchain.which("jextract");
        }
        Path p = configured.contains("/") ? Path.of(configured) : Toolchain.which(configured);
        if (p == null || !Files.isExecutable(p)) {
            throw new GeneratorException("jextract is configured as '" + configured + "' but that is not an executable");
        }
        return p.toAbsolutePath();
    }

    /**
     * What, besides the input files, decides the output: the host, which compilers exist,
     * and jextract. Installing a cross compiler later therefore triggers a regeneration.
     */
    private static String environmentKey(Options o) {
        StringBuilder k = new StringBuilder("host=" + Toolchain.hostArch());
        for (String arch : Toolchain.ARCHES) {
            for (List<String> c : Toolchain.candidates(arch, Toolchain.hostArch() == null ? "" : Toolchain.hostArch())) {
                k.append(' ').append(arch).append(':').append(c.get(0)).append('=').append(Toolchain.which(c.get(0)));
            }
        }
        return k.append(" jextract=").append(o.jextract()).append(" release=").append(o.release()).toString();
    }

    /** The stamp's warning lines when nothing changed since it was written, else null. */
    private static List<String> upToDate(Options o, Path stamp, String key) throws IOException {
        if (!Files.isRegularFile(stamp) || !Files.isDirectory(o.out().resolve("dev/hako/linux"))) {
            return null;
        }
        List<String> lines = Files.readAllLines(stamp);
        if (lines.isEmpty() || !lines.get(0).equals(key)) {
            return null;
        }
        FileTime made = Files.getLastModifiedTime(stamp);
        List<Path> inputs = new ArrayList<>(List.of(o.header(), o.args()));
        try (Stream<Path> s = Files.list(o.generatorDir())) {
            s.filter(p -> p.toString().endsWith(".java")).forEach(inputs::add);
        }
        for (Path p : inputs) {
            if (Files.getLastModifiedTime(p).compareTo(made) > 0) {
                return null;
            }
        }
        return lines.subList(1, lines.size());
    }
}
