/**
 * A C type as the bindings see it: what kind of value, and how many bytes. This is all a
 * downcall needs (the ABI passes integers of one size alike, whatever their C name), so
 * it is all the probe asks the compiler for.
 */
record CType(Kind kind, int size) {

    enum Kind { VOID, INTEGER, FLOAT, POINTER }

    static final CType VOID = new CType(Kind.VOID, 0);
    static final CType POINTER = new CType(Kind.POINTER, 8);

    /**
     * Maps GCC's {@code __builtin_classify_type} result and sizeof to a type, or fails with
     * a message naming {@code what} when the bindings have no Java form for it.
     */
    static CType classify(int typeClass, int size, String what) {
        switch (typeClass) {
            case 1, 2, 3, 4 -> { // integer, char, enum, bool
                if (size == 1 || size == 2 || size == 4 || size == 8) {
                    return new CType(Kind.INTEGER, size);
                }
            }
            case 5 -> { return new CType(Kind.POINTER, size); }
            case 8 -> { // real
                if (size == 4 || size == 8) {
                    return new CType(Kind.FLOAT, size);
                }
            }
            default -> { }
        }
        String kind = switch (typeClass) {
            case 12 -> "a struct passed by value";
            case 13 -> "a union passed by value";
            case 9 -> "a complex number";
            default -> "C type class " + typeClass;
        };
        throw new GeneratorException(what + " has an unsupported type (" + kind + ", " + size
                + " bytes)");
    }

    /** The Java type of a value of this C type in the generated signatures. */
    String javaType() {
        return switch (kind) {
            case VOID -> "void";
            case POINTER -> "MemorySegment";
            case FLOAT -> size == 4 ? "float" : "double";
            case INTEGER -> switch (size) {
                case 1 -> "byte";
                case 2 -> "short";
                case 4 -> "int";
                default -> "long";
            };
        };
    }

    /** The name of the jextract-style layout constant (in linux_h$shared) for this type. */
    String layoutName() {
        return switch (kind) {
            case VOID -> throw new IllegalStateException("void has no layout");
            case POINTER -> "C_POINTER";
            case FLOAT -> size == 4 ? "C_FLOAT" : "C_DOUBLE";
            case INTEGER -> switch (size) {
                case 1 -> "C_CHAR";
                case 2 -> "C_SHORT";
                case 4 -> "C_INT";
                default -> "C_LONG_LONG";
            };
        };
    }

    /** The Java layout class of {@link #layoutName()}, as jextract declares field layouts. */
    String layoutClass() {
        return switch (kind) {
            case VOID -> throw new IllegalStateException("void has no layout");
            case POINTER -> "AddressLayout";
            case FLOAT -> size == 4 ? "OfFloat" : "OfDouble";
            case INTEGER -> switch (size) {
                case 1 -> "OfByte";
                case 2 -> "OfShort";
                case 4 -> "OfInt";
                default -> "OfLong";
            };
        };
    }
}
