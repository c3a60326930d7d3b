import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Writes the architecture-neutral classes that hand-written code uses: {@code linux_h}
 * and one class per struct in the base package, with the same static methods as the
 * per-architecture classes, each delegating to the class for the JVM's architecture.
 * The choice is a {@code static final int}, so the JIT folds the switch away. Only
 * generated architectures are referenced, so this compiles whatever was generated; on an
 * architecture without bindings every method throws a message saying what to install.
 */
final class DispatchEmitter {

    private final List<Bindings> arches;
    private final String pkg;
    private final String header;
    private final ArgsFile args;
    private final Map<String, String> missingArchPackages;
    private final String comment;

    /**
     * @param missingArchPackages for each supported architecture that was not generated,
     *        the Debian packages that would have generated it
     */
    DispatchEmitter(List<Bindings> arches, String basePackage, ArgsFile args,
            Map<String, String> missingArchPackages, String headerFile) {
        this.arches = arches;
        this.pkg = basePackage;
        this.header = args.headerClassName();
        this.args = args;
        this.missingArchPackages = missingArchPackages;
        this.comment = "Bindings for " + headerFile + ", dispatching to " + String.join(" or ",
                arches.stream().map(Bindings::arch).toList()) + " by os.arch.";
        checkConsistent();
    }

    /** The dispatch layer has one Java signature per symbol, so all arches must agree on it. */
    private void checkConsistent() {
        Bindings first = arches.get(0);
        for (Bindings b : arches) {
            if (!b.cTypeSizes().equals(first.cTypeSizes())) {
                throw new GeneratorException("C type sizes differ between " + first.arch() + " "
                        + first.cTypeSizes() + " and " + b.arch() + " " + b.cTypeSizes());
            }
        }
        for (String c : args.constants()) {
            same("constant " + c, b -> b.constants().containsKey(c) ? b.constants().get(c).javaType() : null);
        }
        for (String f : args.functions()) {
            same("function " + f, b -> b.functions().containsKey(f) ? b.functions().get(f).signature() : null);
        }
        for (String st : args.structs()) {
            same("struct " + st, b -> {
                Bindings.Struct s = b.structs().get(st);
                return s == null ? null : s.fields().stream().map(x -> x.name() + ":" + x.type().javaType()).toList().toString();
            });
        }
    }

    private void same(String what, java.util.function.Function<Bindings, String> javaShape) {
        Map<String, String> shapes = new LinkedHashMap<>();
        for (Bindings b : arches) {
            String shape = javaShape.apply(b);
            if (shape != null) {
                shapes.put(b.arch(), shape);
            }
        }
        if (shapes.values().stream().distinct().count() > 1) {
            throw new GeneratorException(what + " has a different Java signature per architecture "
                    + shapes + "; the dispatch layer needs one");
        }
    }

    void emit(Path out) throws IOException {
        shared().writeTo(out);
        headerClass().writeTo(out);
        for (String st : args.structs()) {
            struct(st).writeTo(out);
        }
    }

    private static String constantName(String arch) {
        return arch.toUpperCase(Locale.ROOT);
    }

    private Java.Source shared() {
        Java.Source s = SharedEmitter.start(pkg, header, arches.get(0).cTypeSizes(), comment);
        List<String> generated = arches.stream().map(b -> Java.quote(b.arch())).toList();
        s.lines("",
                "    static final int UNSUPPORTED = 0;");
        for (int i = 0; i < Toolchain.ARCHES.size(); i++) {
            s.lines("    static final int " + constantName(Toolchain.ARCHES.get(i)) + " = " + (i + 1) + ";");
        }
        s.lines("",
                "    /** This JVM's architecture, chosen once; every binding dispatches on it. */",
                "    static final int ARCH = select(System.getProperty(\"os.name\", \"\"), System.getProperty(\"os.arch\", \"\"));",
                "",
                "    /** Architectures this build generated bindings for. */",
                "    static final java.util.List<String> GENERATED = java.util.List.of(" + String.join(", ", generated) + ");",
                "",
                "    static int select(String osName, String osArch) {",
                "        if (!osName.startsWith(\"Linux\")) {",
                "            return UNSUPPORTED;",
                "        }",
                "        return switch (osArch) {",
                "            case \"amd64\", \"x86_64\" -> X86_64;",
                "            case \"aarch64\", \"arm64\" -> AARCH64;",
                "            default -> UNSUPPORTED;",
                "        };",
                "    }",
                "",
                "    /** The architecture whose bindings are in use (\"x86_64\", \"aarch64\"), or null when unsupported. */",
                "    static String arch() {",
                "        return switch (ARCH) {",
                "            case X86_64 -> \"x86_64\";",
                "            case AARCH64 -> \"aarch64\";",
                "            default -> null;",
                "        };",
                "    }",
                "",
                "    /** Why {@code symbol} cannot be used on this JVM. */",
                "    static UnsupportedOperationException unavailable(String symbol) {",
                "        String arch = arch();",
                "        if (arch == null) {",
                "            return new UnsupportedOperationException(\"hako runs on Linux on x86_64 or aarch64 only; this JVM runs on \"",
                "                    + System.getProperty(\"os.name\") + \"/\" + System.getProperty(\"os.arch\") + \" (needed: \" + symbol + \")\");",
                "        }",
                "        if (!GENERATED.contains(arch)) {",
                "            return new UnsupportedOperationException(\"this build of hako has no \" + arch + \" bindings, so it cannot run on \"",
                "                    + arch + \" (needed: \" + symbol + \"): it was built without an \" + arch + \" C toolchain; rebuild it with \"",
                "                    + toolchainPackages(arch) + \" installed\");",
                "        }",
                "        return new UnsupportedOperationException(symbol + \" is not defined by the \" + arch",
                "                + \" C headers this build of hako was generated from\");",
                "    }",
                "",
                "    /** Debian packages whose absence at build time left an architecture out. */",
                "    private static String toolchainPackages(String arch) {",
                "        return switch (arch) {");
        missingArchPackages.forEach((arch, packages) ->
                s.lines("            case " + Java.quote(arch) + " -> " + Java.quote(packages) + ";"));
        s.lines("            default -> \"its C compiler and headers\";",
                "        };",
                "    }",
                "}");
        return s;
    }

    private Java.Source headerClass() {
        Java.Source s = new Java.Source(pkg, header, comment);
        s.lines("import java.lang.foreign.FunctionDescriptor;",
                "import java.lang.foreign.MemorySegment;",
                "import java.lang.invoke.MethodHandle;",
                "",
                "/** Constants and functions of the C headers, for the architecture this JVM runs on. */",
                "public class " + header + " extends " + header + "$shared {",
                "",
                "    " + header + "() { }",
                "");
        for (String c : args.constants()) {
            String type = find(b -> b.constants().get(c)).javaType();
            delegate(s, type, Java.name(c), "", "", header, c, b -> b.constants().containsKey(c));
        }
        for (String f : args.functions()) {
            Bindings.Function fn = find(b -> b.functions().get(f));
            List<String> params = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (Bindings.Param p : fn.params()) {
                params.add(p.type().javaType() + " " + p.name());
                names.add(p.name());
            }
            java.util.function.Predicate<Bindings> has = b -> b.functions().containsKey(f);
            delegate(s, "FunctionDescriptor", f + "$descriptor", "", "", header, f, has);
            delegate(s, "MethodHandle", f + "$handle", "", "", header, f, has);
            delegate(s, "MemorySegment", f + "$address", "", "", header, f, has);
            delegate(s, fn.returnType().javaType(), Java.name(f), String.join(", ", params),
                    String.join(", ", names), header, f, has);
        }
        return s.lines("}");
    }

    private Java.Source struct(String name) {
        Bindings.Struct st = find(b -> b.structs().get(name));
        java.util.function.Predicate<Bindings> has = b -> b.structs().containsKey(name);
        Java.Source s = new Java.Source(pkg, name, comment);
        s.lines("import java.lang.foreign.AddressLayout;",
                "import java.lang.foreign.Arena;",
                "import java.lang.foreign.GroupLayout;",
                "import java.lang.foreign.MemorySegment;",
                "import java.lang.foreign.SegmentAllocator;",
                "import java.lang.foreign.ValueLayout.*;",
                "import java.util.function.Consumer;",
                "",
                "/** struct " + name + " with the layout of the architecture this JVM runs on. */",
                "public class " + name + " {",
                "",
                "    " + name + "() { }",
                "");
        delegate(s, "GroupLayout", "layout", "", "", name, "struct " + name, has);
        delegate(s, "long", "sizeof", "", "", name, "struct " + name, has);
        delegate(s, "MemorySegment", "allocate", "SegmentAllocator allocator", "allocator", name, "struct " + name, has);
        delegate(s, "MemorySegment", "allocateArray", "long elementCount, SegmentAllocator allocator",
                "elementCount, allocator", name, "struct " + name, has);
        delegate(s, "MemorySegment", "asSlice", "MemorySegment array, long index", "array, index", name, "struct " + name, has);
        delegate(s, "MemorySegment", "reinterpret", "MemorySegment addr, Arena arena, Consumer<MemorySegment> cleanup",
                "addr, arena, cleanup", name, "struct " + name, has);
        for (Bindings.Field f : st.fields()) {
            String what = "struct " + name + "." + f.name();
            String jt = f.type().javaType();
            delegate(s, f.type().layoutClass(), f.name() + "$layout", "", "", name, what, has);
            delegate(s, "long", f.name() + "$offset", "", "", name, what, has);
            delegate(s, jt, Java.name(f.name()), "MemorySegment struct", "struct", name, what, has);
            delegate(s, "void", Java.name(f.name()), "MemorySegment struct, " + jt + " fieldValue",
                    "struct, fieldValue", name, what, has);
        }
        return s.lines("}");
    }

    private <T> T find(java.util.function.Function<Bindings, T> lookup) {
        return arches.stream().map(lookup).filter(Objects::nonNull).findFirst().orElseThrow();
    }

    /** One static method that calls the same method of the class for the JVM's architecture. */
    private void delegate(Java.Source s, String returnType, String method, String params, String argNames,
            String className, String symbol, java.util.function.Predicate<Bindings> has) {
        boolean isVoid = returnType.equals("void");
        s.lines("    public static " + returnType + " " + method + "(" + params + ") {",
                (isVoid ? "        switch (" : "        return switch (") + header + "$shared.ARCH) {");
        for (Bindings b : arches) {
            if (has.test(b)) {
                String call = pkg + "." + b.arch() + "." + className + "." + method + "(" + argNames + ");";
                s.lines("            case " + header + "$shared." + constantName(b.arch()) + " -> " + call);
            }
        }
        s.lines("            default -> throw " + header + "$shared.unavailable(" + Java.quote(symbol) + ");",
                isVoid ? "        }" : "        };",
                "    }",
                "");
    }
}
