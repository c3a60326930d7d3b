package dev.hako.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bindings generator (jextract/generator) applies jextract's rule that an args file is
 * complete: no included function or struct may need, by value, a struct or union that is
 * not included. The generator runs here as Maven runs it (the source launcher on
 * Main.java), on a small header of its own, so the test needs gcc but no root.
 *
 * The expected errors are what jextract itself reported for this header (openjdk/jextract
 * master f9866df and 0b89a46); with a jextract configured ($JEXTRACT or on PATH),
 * {@link #sameErrorsAsJextract} asks it again.
 */
class DependencyCheckTest {

    private static final Path GENERATOR = Path.of("jextract", "generator").toAbsolutePath();

    /** One case of jextract's rule per declaration. */
    private static final String HEADER = """
            struct s_a { int x; };
            struct s_b { int y; };
            typedef struct s_b tb;
            typedef struct { int z; } anon_t;
            struct s_c { int w; };
            struct s_d { int v; };
            union u_e { int i; long l; };
            enum en_f { F1, F2 };
            struct s_g { int q; };
            typedef struct s_g arr_g[2];
            struct s_h { int k; };
            struct s_i { int j; };
            typedef struct s_i *ptr_i;
            struct s_j { int m; };
            struct s_k { int n; };
            struct holder { struct s_k k; struct s_a *pa; };
            struct w2 { int deep; };
            struct w1 { struct w2 inner; };
            int f_byval(struct s_a a);           /* struct by value */
            int f_typedef(tb b);                 /* through a typedef */
            int f_anon(anon_t a);                /* anonymous struct: named by its typedef */
            int f_ptr(struct s_c *c);            /* pointer: fine */
            struct s_d f_ret(void);              /* return type */
            int f_union(union u_e e);            /* union */
            int f_enum(enum en_f f);             /* enum: fine */
            int f_arrtd(arr_g g);                /* typedef of an array */
            int f_arr(const struct s_h h[2]);    /* array parameter (like utimensat's timespec[2]) */
            int f_ptrtd(ptr_i i);                /* typedef of a pointer: fine */
            int f_cb(int (*cb)(struct s_j));     /* a callback's parameter */
            int f_deep(struct w1 w);             /* w1 needs w2 in turn */
            """;

    private static final List<String> ALL_FUNCTIONS = List.of("f_byval", "f_typedef", "f_anon", "f_ptr",
            "f_ret", "f_union", "f_enum", "f_arrtd", "f_arr", "f_ptrtd", "f_cb", "f_deep");

    @Test
    void incompleteArgsFileIsRefusedNamingWhatToAdd(@TempDir Path tmp) throws Exception {
        Path args = argsFile(tmp, ALL_FUNCTIONS, List.of("holder"));
        Run r = generate(tmp, args);
        assertEquals(1, r.exit(), r.output());
        assertEquals(new TreeSet<>(List.of(
                "f_byval depends on s_a which has been excluded",
                "f_typedef depends on s_b which has been excluded",
                "f_anon depends on anon_t which has been excluded",
                "f_ret depends on s_d which has been excluded",
                "f_union depends on u_e which has been excluded",
                "f_arrtd depends on s_g which has been excluded",
                "f_arr depends on s_h which has been excluded",
                "f_cb depends on s_j which has been excluded",
                "f_deep depends on w1 which has been excluded",
                "holder depends on s_k which has been excluded")), dependsLines(r.output()));
        Set<String> additions = new TreeSet<>();
        for (String line : r.output().lines().map(String::strip).toList()) {
            if (line.startsWith("--include-")) {
                additions.add(line);
            }
        }
        assertEquals(new TreeSet<>(List.of("--include-struct s_a", "--include-struct s_b",
                "--include-struct anon_t", "--include-struct s_d", "--include-union u_e",
                "--include-struct s_g", "--include-struct s_h", "--include-struct s_j",
                "--include-struct w1", "--include-struct w2", "--include-struct s_k")), additions,
                "what to add, with w2 that w1 needs in turn\n" + r.output());
        assertTrue(r.output().contains("add to t.args:"), r.output());
    }

    @Test
    void completeArgsFileGenerates(@TempDir Path tmp) throws Exception {
        Path args = argsFile(tmp, List.of("f_arr", "f_ptr", "f_enum", "f_ptrtd", "f_cb"), List.of("s_h", "s_j"));
        Run r = generate(tmp, args);
        assertEquals(0, r.exit(), r.output());
        Path pkg = tmp.resolve("out/dev/hako/linux");
        for (String cls : List.of("t_h", "s_h", "s_j")) {
            assertTrue(Files.isRegularFile(pkg.resolve(cls + ".java")), cls + " not generated\n" + r.output());
        }
    }

    /** With a real jextract at hand, it must report exactly what the generator reports. */
    @Test
    void sameErrorsAsJextract(@TempDir Path tmp) throws Exception {
        Path jextract = configuredJextract();
        Assumptions.assumeTrue(jextract != null, "no jextract configured ($JEXTRACT, PATH)");
        Path args = argsFile(tmp, ALL_FUNCTIONS, List.of("holder"));
        Run ours = generate(tmp, args);
        Run theirs = run(tmp, List.of(jextract.toString(), "--output", tmp.resolve("jextract-out").toString(),
                "-t", "t", "@" + args, tmp.resolve("t.h").toString()));
        assertEquals(1, theirs.exit(), theirs.output());
        assertEquals(dependsLines(theirs.output()), dependsLines(ours.output()),
                "jextract:\n" + theirs.output() + "\ngenerator:\n" + ours.output());
    }

    // ---------------------------------------------------------------------------------------

    private record Run(int exit, String output) { }

    private static Path argsFile(Path dir, List<String> functions, List<String> structs) throws IOException {
        Files.writeString(dir.resolve("t.h"), HEADER);
        List<String> lines = new ArrayList<>(List.of("--header-class-name t_h"));
        functions.forEach(f -> lines.add("--include-function " + f));
        structs.forEach(s -> lines.add("--include-struct " + s));
        Path args = dir.resolve("t.args");
        Files.write(args, lines);
        return args;
    }

    private static Run generate(Path dir, Path args) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return run(dir, List.of(java.toString(), GENERATOR.resolve("Main.java").toString(),
                "--header", dir.resolve("t.h").toString(), "--args", args.toString(),
                "--out", dir.resolve("out").toString(), "--work", dir.resolve("work").toString(),
                "--generator-dir", GENERATOR.toString(), "--release=22", "--jextract="));
    }

    private static Run run(Path dir, List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        // The generator must not pick up a jextract here: none from the environment or PATH.
        pb.environment().remove("JEXTRACT");
        List<String> path = new ArrayList<>();
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!Files.isExecutable(Path.of(d, "jextract"))) {
                path.add(d);
            }
        }
        if (cmd.get(0).endsWith("/java")) {
            pb.environment().put("PATH", String.join(File.pathSeparator, path));
        }
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + cmd);
        return new Run(p.exitValue(), out);
    }

    /** "X depends on Y which has been excluded", without jextract's file:line: error: prefix. */
    private static Set<String> dependsLines(String output) {
        Set<String> out = new TreeSet<>();
        for (String line : output.lines().toList()) {
            int at = line.indexOf(" depends on ");
            if (at > 0) {
                String text = line.strip();
                int error = text.lastIndexOf("error: ");
                out.add(error >= 0 ? text.substring(error + 7) : text);
            }
        }
        return out;
    }

    private static Path configuredJextract() {
        String configured = System.getenv("JEXTRACT");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, "jextract");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
