import java.util.Map;

/**
 * Starts a {@code <header>$shared} class: the C type layouts that jextract puts in a
 * superclass of the header class, so {@code linux_h.C_INT} works on the subclass. The
 * caller adds its own members and the closing brace.
 */
final class SharedEmitter {

    private SharedEmitter() { }

    static Java.Source start(String pkg, String headerClass, Map<String, Integer> sizes, String comment) {
        Java.Source s = new Java.Source(pkg, headerClass + "$shared", comment);
        s.lines("import java.lang.foreign.AddressLayout;",
                "import java.lang.foreign.MemoryLayout;",
                "import java.lang.foreign.ValueLayout;",
                "",
                "/** Layouts of the C types, with the sizes the C compiler reported (jextract keeps them in this superclass). */",
                "@SuppressWarnings(\"restricted\")",
                "public class " + headerClass + "$shared {",
                "",
                "    " + headerClass + "$shared() { }",
                "",
                "    public static final ValueLayout.OfBoolean C_BOOL = ValueLayout.JAVA_BOOLEAN;");
        sizes.forEach((name, size) -> {
            if (!name.equals("C_POINTER")) {
                CType t = new CType(name.equals("C_FLOAT") || name.equals("C_DOUBLE")
                        ? CType.Kind.FLOAT : CType.Kind.INTEGER, size);
                s.lines("    public static final ValueLayout." + t.layoutClass() + " " + name
                        + " = ValueLayout." + javaLayout(t) + ";");
            }
        });
        s.lines("    /** Pointers reach all memory, like jextract's, so a returned C string can be read directly. */",
                "    public static final AddressLayout C_POINTER = ValueLayout.ADDRESS",
                "            .withTargetLayout(MemoryLayout.sequenceLayout(Long.MAX_VALUE, ValueLayout.JAVA_BYTE));");
        return s;
    }

    /** The ValueLayout constant (JAVA_INT, ...) that holds a value of type {@code t}. */
    static String javaLayout(CType t) {
        return switch (t.kind()) {
            case POINTER -> "ADDRESS";
            case FLOAT -> t.size() == 4 ? "JAVA_FLOAT" : "JAVA_DOUBLE";
            case INTEGER -> switch (t.size()) {
                case 1 -> "JAVA_BYTE";
                case 2 -> "JAVA_SHORT";
                case 4 -> "JAVA_INT";
                default -> "JAVA_LONG";
            };
            case VOID -> throw new IllegalArgumentException("void");
        };
    }
}
