import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * C declarations read as type trees: what a declared name's type is built from (pointer,
 * array, function, typedef name, struct/union/enum tag). Only the dependency check
 * ({@link DependencyCheck}) uses this; it needs to know which structs a type names by
 * value, not how big anything is (sizes still come from the compiler).
 *
 * Input is a token list from {@link CParser}, with attributes and storage classes removed.
 */
final class CDeclarations {

    sealed interface Type permits Tag, Named, Pointer, Array, Function, Basic { }

    /** {@code struct|union|enum name}; name null when anonymous; body the tokens between braces, if defined here. */
    record Tag(String kind, String name, List<String> body) implements Type { }

    /** A typedef name. */
    record Named(String name) implements Type { }

    record Pointer(Type to) implements Type { }

    record Array(Type of) implements Type { }

    record Function(Type result, List<Type> params) implements Type { }

    /** int, char, ... and builtin types such as {@code __builtin_va_list}. */
    record Basic() implements Type { }

    record Declarator(String name, Type type) { }

    static final Basic BASIC = new Basic();

    private static final Set<String> QUALIFIERS = Set.of("const", "volatile", "__const",
            "__volatile__", "_Atomic", "typedef");
    private static final Set<String> TAGS = Set.of("struct", "union", "enum");
    private static final Set<String> BASIC_TYPES = Set.of("void", "char", "short", "int", "long",
            "float", "double", "signed", "unsigned", "_Bool", "__signed__", "__signed", "__int128",
            "_Complex", "__complex__");

    private final List<String> tokens;
    private final Set<String> typedefNames;
    private int pos;

    private CDeclarations(List<String> tokens, Set<String> typedefNames) {
        this.tokens = tokens;
        this.typedefNames = typedefNames;
    }

    /**
     * The declarators of one declaration ({@code unsigned long a, *b[2];}). A declaration
     * without any ({@code struct s { ... };}) gives one with a null name.
     */
    static List<Declarator> parse(List<String> declaration, Set<String> typedefNames) {
        CDeclarations p = new CDeclarations(declaration, typedefNames);
        Type base = p.specifiers();
        List<Declarator> out = new ArrayList<>();
        if (p.atEnd() || p.peek(";")) {
            out.add(new Declarator(null, base));
            return out;
        }
        while (!p.atEnd()) {
            out.add(p.declarator(base));
            if (p.peek(":") || p.peek("=")) { // bit-field width or initializer: skip to the next declarator
                while (!p.atEnd() && !p.peek(",") && !p.peek(";")) {
                    p.pos = p.peek("(") || p.peek("[") || p.peek("{") ? p.matching(p.pos) + 1 : p.pos + 1;
                }
            }
            if (!p.peek(",")) {
                break;
            }
            p.pos++;
        }
        return out;
    }

    /** The members of a struct or union body (the tokens between its braces). */
    static List<Declarator> members(List<String> body, Set<String> typedefNames) {
        List<Declarator> out = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < body.size(); i++) {
            switch (body.get(i)) {
                case "(", "[", "{" -> depth++;
                case ")", "]", "}" -> depth--;
                case ";" -> {
                    if (depth == 0) {
                        if (i > start) {
                            out.addAll(parse(body.subList(start, i), typedefNames));
                        }
                        start = i + 1;
                    }
                }
                default -> { }
            }
        }
        return out;
    }

    private boolean atEnd() {
        return pos >= tokens.size();
    }

    private boolean peek(String t) {
        return !atEnd() && tokens.get(pos).equals(t);
    }

    private int matching(int open) {
        return CParser.matching(tokens, open);
    }

    private static boolean isName(String t) {
        return CParser.isIdentifier(t) && !BASIC_TYPES.contains(t) && !QUALIFIERS.contains(t) && !TAGS.contains(t);
    }

    /** Declaration specifiers: qualifiers, then one type (C has no implicit int any more). */
    private Type specifiers() {
        Type base = null;
        while (!atEnd()) {
            String t = tokens.get(pos);
            if (QUALIFIERS.contains(t)) {
                pos++;
            } else if (TAGS.contains(t)) {
                pos++;
                String name = !atEnd() && isName(tokens.get(pos)) ? tokens.get(pos++) : null;
                List<String> body = null;
                if (peek("{")) {
                    int end = matching(pos);
                    body = tokens.subList(pos + 1, end);
                    pos = end + 1;
                }
                base = new Tag(t, name, body);
            } else if (BASIC_TYPES.contains(t)) {
                pos++;
                base = base == null ? BASIC : base;
            } else if ((t.equals("typeof") || t.equals("__typeof__") || t.equals("__typeof"))
                    && pos + 1 < tokens.size() && tokens.get(pos + 1).equals("(")) {
                pos = matching(pos + 1) + 1;
                base = BASIC;
            } else if (base == null && CParser.isIdentifier(t)) {
                pos++; // a type name: no type specifier came before it, so it cannot be the declared name
                base = typedefNames.contains(t) ? new Named(t) : BASIC;
            } else {
                break;
            }
        }
        return base == null ? BASIC : base;
    }

    /** One (possibly abstract) declarator applied to {@code base}. */
    private Declarator declarator(Type base) {
        Type type = base;
        while (peek("*")) {
            pos++;
            while (!atEnd() && QUALIFIERS.contains(tokens.get(pos))) {
                pos++;
            }
            type = new Pointer(type);
        }
        String name = null;
        List<String> nested = null;
        if (peek("(") && nestedDeclaratorAt(pos + 1)) {
            int end = matching(pos);
            nested = tokens.subList(pos + 1, end);
            pos = end + 1;
        } else if (!atEnd() && isName(tokens.get(pos))) {
            name = tokens.get(pos++);
        }
        List<UnaryOperator<Type>> suffixes = new ArrayList<>();
        while (peek("[") || peek("(")) {
            int end = matching(pos);
            if (peek("[")) {
                suffixes.add(Array::new);
            } else {
                List<Type> params = parameters(tokens.subList(pos + 1, end));
                suffixes.add(result -> new Function(result, params));
            }
            pos = end + 1;
        }
        for (int i = suffixes.size() - 1; i >= 0; i--) { // a[2][3]: array of 2 arrays of 3
            type = suffixes.get(i).apply(type);
        }
        if (nested != null) {
            return new CDeclarations(nested, typedefNames).declarator(type);
        }
        return new Declarator(name, type);
    }

    /** After '(' : a nested declarator ({@code (*fn)}, {@code (name)}) rather than a parameter list. */
    private boolean nestedDeclaratorAt(int i) {
        if (i >= tokens.size()) {
            return false;
        }
        String t = tokens.get(i);
        return t.equals("*") || t.equals("(") || t.equals("^") || (isName(t) && !typedefNames.contains(t));
    }

    private List<Type> parameters(List<String> list) {
        List<Type> out = new ArrayList<>();
        if (list.isEmpty() || list.equals(List.of("void"))) {
            return out;
        }
        int depth = 0;
        int start = 0;
        for (int i = 0; i <= list.size(); i++) {
            String t = i < list.size() ? list.get(i) : ",";
            switch (t) {
                case "(", "[", "{" -> depth++;
                case ")", "]", "}" -> depth--;
                case "," -> {
                    if (depth == 0) {
                        List<String> p = list.subList(start, i);
                        if (!p.isEmpty() && !p.equals(List.of("..."))) {
                            CDeclarations sub = new CDeclarations(p, typedefNames);
                            out.add(sub.declarator(sub.specifiers()).type());
                        }
                        start = i + 1;
                    }
                }
                default -> { }
            }
        }
        return out;
    }
}
