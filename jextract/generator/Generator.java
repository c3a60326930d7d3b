import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * One generation run: probe every architecture that has a compiler (in parallel: each is
 * a few compiler runs), then write the per-architecture classes and the dispatch layer.
 */
final class Generator {

    static final String BASE_PACKAGE = "dev.hako.linux";

    /** What a run leaves for the stamp: lines to repeat on up-to-date runs. */
    record Result(List<String> warnings, String summary) { }

    private final Main.Options options;

    Generator(Main.Options options) {
        this.options = options;
    }

    Result run() throws Exception {
        ArgsFile args = ArgsFile.read(options.args());
        String host = Toolchain.hostArch();
        if (host == null) {
            throw new GeneratorException("cannot generate bindings on os.arch="
                    + System.getProperty("os.arch") + ": build hosts must be x86_64 or aarch64");
        }
        Map<String, Bindings> probed = new LinkedHashMap<>();
        Map<String, String> failures = new LinkedHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(Toolchain.ARCHES.size());
        try {
            Map<String, Future<Object>> tasks = new LinkedHashMap<>();
            for (String arch : Toolchain.ARCHES) {
                tasks.put(arch, pool.submit(() -> probe(arch, host, args)));
            }
            for (var e : tasks.entrySet()) {
                Object r = unwrap(e.getValue());
                if (r instanceof Bindings b) {
                    probed.put(e.getKey(), b);
                } else {
                    failures.put(e.getKey(), (String) r);
                }
            }
        } finally {
            pool.shutdownNow();
        }

        List<String> warnings = new ArrayList<>();
        if (!probed.containsKey(host)) {
            throw new GeneratorException("no usable C compiler and headers for the build host ("
                    + host + "): " + failures.get(host) + ". Install: apt-get install "
                    + Toolchain.packages(host, host));
        }
        Map<String, String> missingArchPackages = new LinkedHashMap<>();
        for (var e : failures.entrySet()) {
            String arch = e.getKey();
            missingArchPackages.put(arch, Toolchain.packages(arch, host));
            warnings.add("[WARNING] hako: no " + arch + " cross toolchain (" + e.getValue()
                    + "), so the jar will only run on " + String.join(", ", probed.keySet())
                    + "; install " + Toolchain.packages(arch, host) + " to build for " + arch + " too");
        }
        warnings.addAll(checkMissing(args, probed.values()));

        Path out = options.out();
        deleteTree(out);
        Files.createDirectories(out);
        String hostWrittenBy = null;
        if (options.jextract() != null) {
            runJextract(host);
            checkRelease(host);
            hostWrittenBy = options.jextract().toString();
        }
        String headerFile = "jextract/" + options.header().getFileName();
        for (Bindings b : probed.values()) {
            if (!(hostWrittenBy != null && b.arch().equals(host))) {
                new ArchEmitter(b, BASE_PACKAGE, args.headerClassName(), headerFile).emit(out);
            }
        }
        new DispatchEmitter(new ArrayList<>(probed.values()), BASE_PACKAGE, args, missingArchPackages,
                headerFile).emit(out);
        Bindings hostBindings = probed.get(host);
        String summary = "hako: bindings for " + String.join(" + ", probed.keySet())
                + (hostWrittenBy == null ? "" : " (" + host + " by " + hostWrittenBy + ")") + ": "
                + hostBindings.constants().size() + " constants, " + hostBindings.functions().size()
                + " functions, " + hostBindings.structs().size() + " struct(s)";
        return new Result(warnings, summary);
    }

    /** Bindings for {@code arch} from its first working compiler, or why there is none. */
    private Object probe(String arch, String host, ArgsFile args) throws Exception {
        List<String> reasons = new ArrayList<>();
        for (List<String> candidate : Toolchain.candidates(arch, host)) {
            Path exe = Toolchain.which(candidate.get(0));
            if (exe == null) {
                reasons.add(candidate.get(0) + " not found");
                continue;
            }
            Toolchain cc = new Toolchain(arch, candidate, exe);
            Path work = options.work().resolve(arch);
            try {
                return new Probe(cc, options.header(), args, work).run();
            } catch (Toolchain.CompileFailure f) {
                // The compiler exists but cannot even preprocess hako.h: headers are missing.
                reasons.add(String.join(" ", candidate) + ": " + f.firstLines(1).strip());
            }
        }
        return String.join("; ", reasons);
    }

    private static Object unwrap(Future<Object> f) throws Exception {
        try {
            return f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception x) {
                throw x;
            }
            throw e;
        }
    }

    /** Names absent everywhere are errors; names absent on one architecture are notes. */
    private static List<String> checkMissing(ArgsFile args, java.util.Collection<Bindings> all) {
        Set<String> everywhere = new LinkedHashSet<>();
        List<String> notes = new ArrayList<>();
        for (String name : Stream.of(args.constants(), args.functions(), args.structs()).flatMap(Set::stream).toList()) {
            List<String> lacking = all.stream().filter(b -> b.missing().contains(name)).map(Bindings::arch).toList();
            if (lacking.size() == all.size()) {
                everywhere.add(name);
            } else if (!lacking.isEmpty()) {
                notes.add("[INFO] hako: " + name + " is not declared on " + String.join(", ", lacking)
                        + "; using it there throws UnsupportedOperationException");
            }
        }
        if (!everywhere.isEmpty()) {
            throw new GeneratorException("not declared by the headers hako.h includes: "
                    + String.join(", ", everywhere)
                    + " (remove them from hako.args, or include their header in hako.h)");
        }
        return notes;
    }

    /**
     * A configured jextract writes the host's classes (package dev.hako.linux.HOST) itself;
     * it parses for the host only, so the other architecture and the dispatch layer still
     * come from this generator. The args file has passed {@link DependencyCheck} by now.
     */
    private void runJextract(String host) throws IOException, InterruptedException {
        List<String> cmd = List.of(options.jextract().toString(), "--output", options.out().toString(),
                "-t", BASE_PACKAGE + "." + host, "@" + options.args(), options.header().toString());
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        int code = p.waitFor();
        if (code != 0) {
            throw new GeneratorException("jextract failed (exit " + code + "): " + String.join(" ", cmd));
        }
    }

    /**
     * jextract writes code against the Java API of the JDK it targets: since openjdk/jextract
     * a53f5c0 (2025-01-06, still built for JDK 22 and reporting "jextract 22") its header class
     * calls {@code SymbolLookup.findOrThrow}, which JDK 22 lacks. Its version therefore says
     * too little; instead its output is compiled here at the project's --release, so such a
     * jextract is refused with the way out, not left to the compiler plugin's pile of "cannot
     * find symbol" errors.
     */
    private void checkRelease(String host) throws IOException, InterruptedException {
        Path pkg = options.out().resolve(BASE_PACKAGE.replace('.', '/')).resolve(host);
        List<Path> sources;
        try (Stream<Path> s = Files.list(pkg)) {
            sources = s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        Path classes = options.work().resolve("jextract-check");
        deleteTree(classes);
        Files.createDirectories(classes);
        javax.tools.JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
        var diagnostics = new javax.tools.DiagnosticCollector<javax.tools.JavaFileObject>();
        boolean ok;
        try (var files = javac.getStandardFileManager(diagnostics, java.util.Locale.ROOT,
                java.nio.charset.StandardCharsets.UTF_8)) {
            ok = javac.getTask(null, files, diagnostics, List.of("--release", options.release(),
                    "-d", classes.toString(), "-proc:none", "-nowarn", "-Xlint:none"), null,
                    files.getJavaFileObjectsFromPaths(sources)).call();
        } finally {
            deleteTree(classes);
        }
        if (ok) {
            return;
        }
        List<String> errors = new ArrayList<>();
        for (var d : diagnostics.getDiagnostics()) {
            if (d.getKind() == javax.tools.Diagnostic.Kind.ERROR) {
                String file = d.getSource() == null ? "?" : Path.of(d.getSource().toUri()).getFileName().toString();
                errors.add(file + ":" + d.getLineNumber() + ": "
                        + d.getMessage(java.util.Locale.ROOT).replaceAll("\\s+", " "));
            }
        }
        String version = jextractVersion();
        deleteTree(options.out()); // leave nothing that the compiler plugin would trip over
        throw new GeneratorException("jextract " + options.jextract() + " (" + version + ") writes code"
                + " that does not compile at the project's --release " + options.release() + " ("
                + errors.size() + (errors.size() == 1 ? " error: " : " errors, first: ")
                + (errors.isEmpty() ? "none reported" : errors.get(0)) + ")."
                + " jextract's output uses the Java API of the JDK it targets, and since openjdk/jextract"
                + " a53f5c0 (2025-01-06) it calls SymbolLookup.findOrThrow, which is JDK 23 API."
                + " Works at --release 22: jextract built from 0b89a46 or older (tested: 0b89a46;"
                + " refused: a53f5c0, master f9866df). Or leave jextract unset (no -Djextract, no"
                + " JEXTRACT, none on PATH): the project's generator then writes the same classes.");
    }

    /** The first line of {@code jextract --version}, or why there is none. */
    private String jextractVersion() throws InterruptedException {
        try {
            Process p = new ProcessBuilder(options.jextract().toString(), "--version")
                    .redirectErrorStream(true).start();
            p.getOutputStream().close();
            String text = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            p.waitFor();
            String first = text.lines().findFirst().orElse("").strip();
            return p.exitValue() == 0 && !first.isEmpty() ? first : "--version failed: " + first;
        } catch (IOException e) {
            return "--version failed: " + e.getMessage();
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
