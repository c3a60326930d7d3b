import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything the generator learnt about one architecture: each value as the compiler for
 * that architecture computed it. Maps keep the order of hako.args, so generated code does too.
 * {@code missing} holds the requested names that this architecture's headers do not declare.
 */
record Bindings(String arch, String compiler, Map<String, Integer> cTypeSizes,
        Map<String, Constant> constants, Map<String, Function> functions,
        Map<String, Struct> structs, Set<String> missing) {

    /** A constant: its value and the byte size of its C type (8 makes it a Java long). */
    record Constant(String name, long value, int size) {
        String javaType() {
            return size == 8 ? "long" : "int";
        }

        String javaLiteral() {
            return size == 8 ? value + "L" : Integer.toString((int) value);
        }
    }

    record Param(String name, CType type) { }

    record Function(String name, CType returnType, List<Param> params) {
        /** The Java-visible signature; the dispatch layer needs it equal on every arch. */
        String signature() {
            StringBuilder s = new StringBuilder(returnType.javaType()).append(' ').append(name).append('(');
            for (int i = 0; i < params.size(); i++) {
                s.append(i == 0 ? "" : ", ").append(params.get(i).type().javaType());
            }
            return s.append(')').toString();
        }
    }

    record Field(String name, long offset, CType type) { }

    record Struct(String name, long size, long align, List<Field> fields) { }
}
