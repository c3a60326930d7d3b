import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asks one architecture's compiler for every value the bindings need.
 *
 * Each question becomes an inline asm statement whose "i" (immediate) operands are the
 * answers, e.g. {@code sizeof(T)} or the value of a macro. Compiling with {@code -S}
 * makes the compiler print those constants into the assembly text, where they are read
 * back. The {@code %c} operand modifier prints a bare number (no {@code $} on x86, no
 * {@code #} on aarch64). Nothing is assembled or run, so this works for any target.
 * 64-bit values go out as four 16-bit pieces: x86's {@code %c} rejects immediates that do
 * not fit in 32 bits.
 */
final class Probe {

    private static final Pattern MARK = Pattern.compile("@@(\\d+)((?: -?\\d+)+)@@");
    private static final Pattern ERROR_LINE = Pattern.compile("probe\\.c:(\\d+):(?:\\d+:)? (?:fatal )?error: (.*)");

    /** The C types whose sizes decide the C_* layouts, by layout name. */
    private static final Map<String, String> C_TYPES = new LinkedHashMap<>();

    static {
        C_TYPES.put("C_CHAR", "char");
        C_TYPES.put("C_SHORT", "short");
        C_TYPES.put("C_INT", "int");
        C_TYPES.put("C_LONG", "long");
        C_TYPES.put("C_LONG_LONG", "long long");
        C_TYPES.put("C_FLOAT", "float");
        C_TYPES.put("C_DOUBLE", "double");
        C_TYPES.put("C_POINTER", "void *");
    }

    private final Toolchain cc;
    private final Path header;
    private final ArgsFile args;
    private final Path work;

    /** Probe source lines; line i + FIRST_LINE of probe.c asks question i. */
    private final List<String> questions = new ArrayList<>();
    /** What each question is about, to name it in error messages. */
    private final List<String> owners = new ArrayList<>();
    private static final int FIRST_LINE = 3;

    Probe(Toolchain cc, Path header, ArgsFile args, Path work) {
        this.cc = cc;
        this.header = header;
        this.args = args;
        this.work = work;
    }

    Bindings run() throws IOException, InterruptedException {
        Files.createDirectories(work);
        List<String> flags = new ArrayList<>(args.compilerFlags());
        Path preprocessed = work.resolve("hako.i");
        Path macroFile = work.resolve("macros.txt");
        List<String> e = new ArrayList<>(flags);
        e.addAll(List.of("-E", "-P", "-x", "c", header.toString()));
        cc.run(e, preprocessed, "preprocessing " + header);
        List<String> dm = new ArrayList<>(flags);
        dm.addAll(List.of("-dM", "-E", "-x", "c", header.toString()));
        cc.run(dm, macroFile, "listing macros of " + header);

        Set<String> macros = new java.util.HashSet<>();
        for (String line : Files.readAllLines(macroFile)) {
            if (line.startsWith("#define ")) {
                String rest = line.substring(8);
                int end = 0;
                while (end < rest.length() && (Character.isLetterOrDigit(rest.charAt(end)) || rest.charAt(end) == '_')) {
                    end++;
                }
                macros.add(rest.substring(0, end));
            }
        }
        CParser parser = new CParser(Files.readString(preprocessed));
        DependencyCheck.check(args, parser, args.file().getFileName().toString());
        Set<String> missing = new LinkedHashSet<>();

        Map<String, Integer> typeIds = new LinkedHashMap<>();
        C_TYPES.forEach((layout, type) -> typeIds.put(layout,
                ask("size of " + type, "sizeof(" + type + ")")));

        Map<String, Integer> constantIds = new LinkedHashMap<>();
        for (String name : args.constants()) {
            if (!macros.contains(name) && !parser.mentions(name)) {
                missing.add(name);
                continue;
            }
            String v = "(unsigned long long)(" + name + ")";
            constantIds.put(name, ask("constant " + name,
                    "(int)((" + v + " >> 48) & 0xffff)", "(int)((" + v + " >> 32) & 0xffff)",
                    "(int)((" + v + " >> 16) & 0xffff)", "(int)(" + v + " & 0xffff)",
                    "sizeof(" + name + ")", "__builtin_classify_type(" + name + ")"));
        }

        Map<String, CParser.Prototype> prototypes = new LinkedHashMap<>();
        Map<String, List<Integer>> functionIds = new HashMap<>();
        for (String name : args.functions()) {
            CParser.Prototype proto = parser.function(name);
            if (proto == null) {
                missing.add(name);
                continue;
            }
            if (proto.variadic()) {
                throw new GeneratorException("function " + name + " is variadic; jextract-style"
                        + " bindings need a fixed signature, so remove it from hako.args");
            }
            prototypes.put(name, proto);
            List<Integer> ids = new ArrayList<>();
            ids.add(proto.returnType().equals("void") ? -1 : askType("return type of " + name, proto.returnType()));
            for (int i = 0; i < proto.paramTypes().size(); i++) {
                ids.add(askType("parameter " + (i + 1) + " of " + name, proto.paramTypes().get(i)));
            }
            functionIds.put(name, ids);
        }

        Map<String, CParser.StructText> structTexts = new LinkedHashMap<>();
        Map<String, List<Integer>> structIds = new HashMap<>();
        for (String name : args.structs()) {
            CParser.StructText text = parser.struct(name);
            if (text == null) {
                missing.add(name);
                continue;
            }
            structTexts.put(name, text);
            String s = "struct " + name;
            List<Integer> ids = new ArrayList<>();
            ids.add(ask(s, "sizeof(" + s + ")", "__alignof__(" + s + ")"));
            for (String field : text.fields()) {
                String access = "((" + s + " *)0)->" + field;
                ids.add(ask(s + " member " + field, "__builtin_offsetof(" + s + ", " + field + ")",
                        "sizeof(" + access + ")", "__builtin_classify_type(" + access + ")"));
            }
            structIds.put(name, ids);
        }

        long[][] answers = compile();

        Map<String, Integer> sizes = new LinkedHashMap<>();
        typeIds.forEach((layout, id) -> sizes.put(layout, (int) answers[id][0]));
        if (sizes.get("C_POINTER") != 8) {
            throw new GeneratorException(cc.arch() + ": pointers are " + sizes.get("C_POINTER")
                    + " bytes; hako supports 64-bit targets only");
        }

        Map<String, Bindings.Constant> constants = new LinkedHashMap<>();
        constantIds.forEach((name, id) -> {
            long[] a = answers[id];
            long value = (a[0] << 48) | (a[1] << 32) | (a[2] << 16) | a[3];
            int size = (int) a[4];
            int typeClass = (int) a[5];
            if (typeClass < 1 || typeClass > 4 || size > 8) {
                throw new GeneratorException("constant " + name + " is not an integer constant on "
                        + cc.arch() + " (C type class " + typeClass + ", " + size + " bytes)");
            }
            constants.put(name, new Bindings.Constant(name, value, size));
        });

        Map<String, Bindings.Function> functions = new LinkedHashMap<>();
        prototypes.forEach((name, proto) -> {
            List<Integer> ids = functionIds.get(name);
            CType ret = ids.get(0) < 0 ? CType.VOID : type(answers[ids.get(0)], "return type of " + name);
            List<Bindings.Param> params = new ArrayList<>();
            Set<String> used = new java.util.HashSet<>();
            for (int i = 0; i < proto.paramTypes().size(); i++) {
                String pname = Java.parameterName(proto.paramNames().get(i), i);
                if (!used.add(pname)) {
                    pname = "x" + i;
                }
                params.add(new Bindings.Param(pname,
                        type(answers[ids.get(i + 1)], "parameter " + (i + 1) + " of " + name)));
            }
            functions.put(name, new Bindings.Function(name, ret, params));
        });

        Map<String, Bindings.Struct> structs = new LinkedHashMap<>();
        structTexts.forEach((name, text) -> {
            List<Integer> ids = structIds.get(name);
            long[] whole = answers[ids.get(0)];
            List<Bindings.Field> fields = new ArrayList<>();
            for (int i = 0; i < text.fields().size(); i++) {
                long[] a = answers[ids.get(i + 1)];
                String what = "struct " + name + " member " + text.fields().get(i);
                fields.add(new Bindings.Field(text.fields().get(i), a[0],
                        CType.classify((int) a[2], (int) a[1], what)));
            }
            structs.put(name, new Bindings.Struct(name, whole[0], whole[1], fields));
        });

        return new Bindings(cc.arch(), String.join(" ", cc.command()), sizes, constants, functions,
                structs, missing);
    }

    private static CType type(long[] answer, String what) {
        return CType.classify((int) answer[1], (int) answer[0], what);
    }

    private int askType(String owner, String type) {
        return ask(owner + " (" + type + ")", "sizeof(" + type + ")",
                "__builtin_classify_type(*(" + type + " *)0)");
    }

    /** Adds one question with its operands; returns its id. */
    private int ask(String owner, String... operands) {
        int id = questions.size();
        StringBuilder s = new StringBuilder("    __asm__ volatile (\".ascii \\\"@@").append(id);
        for (int i = 0; i < operands.length; i++) {
            s.append(" %c").append(i);
        }
        s.append("@@\\\"\" ::");
        for (int i = 0; i < operands.length; i++) {
            s.append(i == 0 ? " " : ", ").append("\"i\"(").append(operands[i]).append(')');
        }
        questions.add(s.append(");").toString());
        owners.add(owner);
        return id;
    }

    private long[][] compile() throws IOException, InterruptedException {
        Path source = work.resolve("probe.c");
        StringBuilder c = new StringBuilder();
        c.append("#include \"").append(header.toAbsolutePath()).append("\"\n");
        c.append("void hako_probe(void) {\n");
        for (String q : questions) {
            c.append(q).append('\n');
        }
        c.append("}\n");
        Files.writeString(source, c);
        Path asm = work.resolve("probe.s");
        List<String> cmd = new ArrayList<>(args.compilerFlags());
        cmd.addAll(List.of("-S", "-w", "-o", "-", source.toString()));
        try {
            cc.run(cmd, asm, "compiling the probe");
        } catch (Toolchain.CompileFailure f) {
            throw new GeneratorException(explain(f));
        }
        long[][] answers = new long[questions.size()][];
        Matcher m = MARK.matcher(Files.readString(asm));
        while (m.find()) {
            int id = Integer.parseInt(m.group(1));
            String[] parts = m.group(2).strip().split(" ");
            long[] values = new long[parts.length];
            for (int i = 0; i < parts.length; i++) {
                values[i] = Long.parseLong(parts[i]);
            }
            answers[id] = values;
        }
        for (int i = 0; i < answers.length; i++) {
            if (answers[i] == null) {
                throw new GeneratorException(cc.arch() + ": no answer for " + owners.get(i)
                        + " in " + asm + " (does " + String.join(" ", cc.command())
                        + " support the %c asm operand modifier?)");
            }
        }
        return answers;
    }

    /** Names the hako.args entries behind the compiler's errors (one line each). */
    private String explain(Toolchain.CompileFailure f) {
        Set<String> lines = new TreeSet<>();
        for (String line : f.stderr.split("\n")) {
            Matcher m = ERROR_LINE.matcher(line.strip());
            if (!m.find()) {
                continue;
            }
            int q = Integer.parseInt(m.group(1)) - FIRST_LINE;
            String owner = q >= 0 && q < owners.size() ? owners.get(q) : "probe.c line " + m.group(1);
            lines.add("  " + owner + ": " + m.group(2));
        }
        String detail = lines.isEmpty() ? f.firstLines(10) : String.join("\n", lines.stream().limit(20).toList());
        return "the " + cc.arch() + " compiler could not evaluate some hako.args entries"
                + " (is each one an integer constant, function or struct of hako.h?):\n" + detail
                + "\n  (probe source: " + work.resolve("probe.c") + ")";
    }
}
