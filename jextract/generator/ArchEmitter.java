import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes one architecture's classes in the shape jextract gives them: {@code linux_h}
 * (constants and downcalls), its {@code linux_h$shared} superclass (C type layouts) and
 * one class per struct. Every number in them is one the probe read from the compiler.
 */
final class ArchEmitter {

    private final Bindings b;
    private final String pkg;
    private final String header;
    private final String comment;

    ArchEmitter(Bindings b, String basePackage, String headerClass, String headerFile) {
        this.b = b;
        this.pkg = basePackage + "." + b.arch();
        this.header = headerClass;
        this.comment = "Bindings for " + headerFile + " on " + b.arch() + ", values from `" + b.compiler() + "`.";
    }

    void emit(Path out) throws IOException {
        SharedEmitter.start(pkg, header, b.cTypeSizes(), comment).lines(
                "",
                "    /** The address of a C library symbol, or null: a missing symbol fails when called, not at class init. */",
                "    static java.lang.foreign.MemorySegment findOrNull(String symbol) {",
                "        return java.lang.foreign.Linker.nativeLinker().defaultLookup().find(symbol).orElse(null);",
                "    }",
                "",
                "    static java.lang.foreign.MemorySegment require(java.lang.foreign.MemorySegment address, String symbol) {",
                "        if (address == null) {",
                "            throw new UnsatisfiedLinkError(\"unresolved symbol: \" + symbol);",
                "        }",
                "        return address;",
                "    }",
                "}").writeTo(out);
        headerClass().writeTo(out);
        for (Bindings.Struct s : b.structs().values()) {
            struct(s).writeTo(out);
        }
    }

    private Java.Source headerClass() {
        Java.Source s = new Java.Source(pkg, header, comment);
        s.lines("import java.lang.foreign.FunctionDescriptor;",
                "import java.lang.foreign.Linker;",
                "import java.lang.foreign.MemorySegment;",
                "import java.lang.invoke.MethodHandle;",
                "",
                "/** Constants and functions of the C headers for " + b.arch() + " (static methods only, like jextract). */",
                "@SuppressWarnings(\"restricted\")",
                "public class " + header + " extends " + header + "$shared {",
                "",
                "    " + header + "() { }",
                "");
        for (Bindings.Constant c : b.constants().values()) {
            s.lines("    public static " + c.javaType() + " " + Java.name(c.name()) + "() {",
                    "        return " + c.javaLiteral() + ";",
                    "    }",
                    "");
        }
        for (Bindings.Function f : b.functions().values()) {
            function(s, f);
        }
        return s.lines("}");
    }

    /** A downcall: a lazy holder class (so a missing symbol only fails when used) and four methods. */
    private void function(Java.Source s, Bindings.Function f) {
        String n = f.name();
        List<String> layouts = new ArrayList<>();
        List<String> params = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Bindings.Param p : f.params()) {
            layouts.add(p.type().layoutName());
            params.add(p.type().javaType() + " " + p.name());
            names.add(p.name());
        }
        String descriptor = f.returnType().kind() == CType.Kind.VOID
                ? "FunctionDescriptor.ofVoid(" + String.join(", ", layouts) + ")"
                : "FunctionDescriptor.of(" + String.join(", ", prepend(f.returnType().layoutName(), layouts)) + ")";
        String call = "mh$.invokeExact(" + String.join(", ", names) + ")";
        String ret = f.returnType().javaType();
        s.lines("    private static final class " + n + " {",
                "        static final FunctionDescriptor DESC = " + descriptor + ";",
                "        static final MemorySegment ADDR = findOrNull(" + Java.quote(n) + ");",
                "        static final MethodHandle HANDLE = ADDR == null ? null : Linker.nativeLinker().downcallHandle(ADDR, DESC);",
                "    }",
                "",
                "    public static FunctionDescriptor " + n + "$descriptor() {",
                "        return " + n + ".DESC;",
                "    }",
                "",
                "    public static MethodHandle " + n + "$handle() {",
                "        require(" + n + ".ADDR, " + Java.quote(n) + ");",
                "        return " + n + ".HANDLE;",
                "    }",
                "",
                "    public static MemorySegment " + n + "$address() {",
                "        return require(" + n + ".ADDR, " + Java.quote(n) + ");",
                "    }",
                "",
                "    public static " + ret + " " + Java.name(n) + "(" + String.join(", ", params) + ") {",
                "        MethodHandle mh$ = " + n + "$handle();",
                "        try {",
                "            " + (ret.equals("void") ? call : "return (" + ret + ") " + call) + ";",
                "        } catch (Error | RuntimeException e$) {",
                "            throw e$;",
                "        } catch (Throwable t$) {",
                "            throw new AssertionError(\"should not reach here\", t$);",
                "        }",
                "    }",
                "");
    }

    private static List<String> prepend(String first, List<String> rest) {
        List<String> all = new ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return all;
    }

    private Java.Source struct(Bindings.Struct st) {
        String shared = header + "$shared";
        Java.Source s = new Java.Source(pkg, st.name(), comment);
        s.lines("import java.lang.foreign.AddressLayout;",
                "import java.lang.foreign.Arena;",
                "import java.lang.foreign.GroupLayout;",
                "import java.lang.foreign.MemoryLayout;",
                "import java.lang.foreign.MemorySegment;",
                "import java.lang.foreign.SegmentAllocator;",
                "import java.lang.foreign.ValueLayout.*;",
                "import java.util.function.Consumer;",
                "",
                "/** struct " + st.name() + " on " + b.arch() + ": " + st.size() + " bytes, aligned to " + st.align() + ". */",
                "@SuppressWarnings(\"restricted\")",
                "public class " + st.name() + " {",
                "",
                "    " + st.name() + "() { }",
                "",
                "    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(");
        List<String> members = StructLayouts.members(st, shared);
        for (int i = 0; i < members.size(); i++) {
            s.lines("        " + members.get(i) + (i + 1 < members.size() ? "," : ""));
        }
        s.lines("    ).withName(" + Java.quote(st.name()) + ")" + StructLayouts.alignment(st) + ";",
                "",
                "    public static GroupLayout layout() {",
                "        return $LAYOUT;",
                "    }",
                "",
                "    public static long sizeof() {",
                "        return $LAYOUT.byteSize();",
                "    }",
                "",
                "    public static MemorySegment allocate(SegmentAllocator allocator) {",
                "        return allocator.allocate($LAYOUT);",
                "    }",
                "",
                "    public static MemorySegment allocateArray(long elementCount, SegmentAllocator allocator) {",
                "        return allocator.allocate(MemoryLayout.sequenceLayout(elementCount, $LAYOUT));",
                "    }",
                "",
                "    public static MemorySegment asSlice(MemorySegment array, long index) {",
                "        return array.asSlice($LAYOUT.byteSize() * index, $LAYOUT.byteSize());",
                "    }",
                "",
                "    public static MemorySegment reinterpret(MemorySegment addr, Arena arena, Consumer<MemorySegment> cleanup) {",
                "        return addr.reinterpret($LAYOUT.byteSize(), arena, cleanup);",
                "    }",
                "");
        for (Bindings.Field f : st.fields()) {
            String n = f.name();
            String lc = f.type().layoutClass();
            String jt = f.type().javaType();
            s.lines("    private static final " + lc + " " + n + "$LAYOUT = (" + lc + ") $LAYOUT.select(MemoryLayout.PathElement.groupElement(" + Java.quote(n) + "));",
                    "",
                    "    public static " + lc + " " + n + "$layout() {",
                    "        return " + n + "$LAYOUT;",
                    "    }",
                    "",
                    "    private static final long " + n + "$OFFSET = " + f.offset() + ";",
                    "",
                    "    public static long " + n + "$offset() {",
                    "        return " + n + "$OFFSET;",
                    "    }",
                    "",
                    "    public static " + jt + " " + Java.name(n) + "(MemorySegment struct) {",
                    "        return struct.get(" + n + "$LAYOUT, " + n + "$OFFSET);",
                    "    }",
                    "",
                    "    public static void " + Java.name(n) + "(MemorySegment struct, " + jt + " fieldValue) {",
                    "        struct.set(" + n + "$LAYOUT, " + n + "$OFFSET, fieldValue);",
                    "    }",
                    "");
        }
        return s.lines("}");
    }
}
