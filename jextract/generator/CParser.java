import java.util.ArrayList;
import java.util.HashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Just enough of C to read function prototypes and struct members out of preprocessed
 * headers. It only finds the *text* of declarations; what the types mean (sizes, pointer
 * or integer) is asked of the compiler afterwards, so this never has to understand
 * typedefs, and a misread shows up as a compile error in the probe rather than a wrong
 * value.
 */
final class CParser {

    /** A function prototype as written: return type text, parameter names and type texts. */
    record Prototype(String name, String returnType, List<String> paramNames,
            List<String> paramTypes, boolean variadic) { }

    /** A struct's member names in declaration order, with whether each is an array. */
    record StructText(String name, List<String> fields) { }

    private static final Set<String> DROPPED = Set.of("extern", "static", "inline", "__inline",
            "__inline__", "__extension__", "__restrict", "__restrict__", "restrict", "_Noreturn",
            "__thread", "_Thread_local", "register", "auto");
    private static final Set<String> QUALIFIERS = Set.of("const", "volatile", "__const",
            "__volatile__", "_Atomic");
    private static final Set<String> TAGS = Set.of("struct", "union", "enum");
    private static final Set<String> KEYWORDS = Set.of("void", "char", "short", "int", "long",
            "float", "double", "signed", "unsigned", "_Bool", "__signed__", "__signed",
            "__int128", "_Complex", "struct", "union", "enum", "const", "volatile", "__const",
            "__volatile__", "_Atomic", "typedef");

    private final List<List<String>> declarations;
    private final Set<String> identifiers = new HashSet<>();
    /** Every typedef of the header, by name, as a type tree (for the dependency check). */
    private final Map<String, CDeclarations.Type> typedefs = new HashMap<>();

    /** @param preprocessed the output of {@code cc -E -P} on the umbrella header */
    CParser(String preprocessed) {
        List<String> tokens = tokenize(preprocessed);
        for (String t : tokens) {
            if (isIdentifier(t)) {
                identifiers.add(t);
            }
        }
        declarations = split(tokens);
        for (List<String> raw : declarations) {
            if (!raw.contains("typedef")) {
                continue;
            }
            List<String> decl = clean(raw);
            if (decl.isEmpty() || !decl.get(0).equals("typedef")) {
                continue;
            }
            for (CDeclarations.Declarator d : CDeclarations.parse(decl, typedefs.keySet())) {
                if (d.name() == null) {
                    continue;
                }
                CDeclarations.Type t = d.type();
                if (t instanceof CDeclarations.Tag tag && tag.name() == null) {
                    t = new CDeclarations.Tag(tag.kind(), d.name(), tag.body()); // jextract names it after the typedef
                }
                typedefs.putIfAbsent(d.name(), t);
            }
        }
    }

    /** The names of the header's typedefs. */
    Set<String> typedefNames() {
        return java.util.Collections.unmodifiableSet(typedefs.keySet());
    }

    /** What typedef {@code name} stands for, or null when there is no such typedef. */
    CDeclarations.Type typedef(String name) {
        return typedefs.get(name);
    }

    /** The type of function {@code name} as declared (parameters not decayed), or null. */
    CDeclarations.Function functionType(String name) {
        for (List<String> decl : declarationsNaming(name)) {
            for (CDeclarations.Declarator d : CDeclarations.parse(decl, typedefs.keySet())) {
                if (name.equals(d.name()) && d.type() instanceof CDeclarations.Function f) {
                    return f;
                }
            }
        }
        return null;
    }

    /** The members of {@code kind name}'s definition ({@code kind} struct or union), or null. */
    List<CDeclarations.Declarator> recordMembers(String kind, String name) {
        CDeclarations.Type t = typedefs.get(name);
        if (t instanceof CDeclarations.Tag tag && tag.kind().equals(kind) && name.equals(tag.name())
                && tag.body() != null) {
            return CDeclarations.members(tag.body(), typedefs.keySet()); // an anonymous struct named by its typedef
        }
        for (List<String> raw : declarations) {
            if (!raw.contains(name)) {
                continue;
            }
            List<String> decl = clean(raw);
            for (int i = 0; i + 2 < decl.size(); i++) {
                if (decl.get(i).equals(kind) && decl.get(i + 1).equals(name) && decl.get(i + 2).equals("{")) {
                    return CDeclarations.members(decl.subList(i + 3, matching(decl, i + 2)), typedefs.keySet());
                }
            }
        }
        return null;
    }

    /** Whether {@code name} appears anywhere in the preprocessed text (e.g. an enumerator). */
    boolean mentions(String name) {
        return identifiers.contains(name);
    }

    static boolean isIdentifier(String t) {
        char c = t.charAt(0);
        return Character.isLetter(c) || c == '_';
    }

    private static List<String> tokenize(String src) {
        List<String> out = new ArrayList<>();
        int n = src.length();
        int i = 0;
        boolean lineStart = true;
        while (i < n) {
            char c = src.charAt(i);
            if (c == '\n') {
                lineStart = true;
                i++;
                continue;
            }
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (lineStart && c == '#') { // #pragma and line markers survive -E; skip them
                while (i < n && src.charAt(i) != '\n') {
                    i++;
                }
                continue;
            }
            lineStart = false;
            int start = i;
            if (Character.isLetterOrDigit(c) || c == '_') {
                while (i < n && (Character.isLetterOrDigit(src.charAt(i)) || src.charAt(i) == '_'
                        || (Character.isDigit(c) && src.charAt(i) == '.'))) {
                    i++;
                }
            } else if (c == '"' || c == '\'') {
                i++;
                while (i < n && src.charAt(i) != c) {
                    i += src.charAt(i) == '\\' ? 2 : 1;
                }
                i++;
            } else if (src.startsWith("...", i)) {
                i += 3;
            } else {
                i++;
            }
            out.add(src.substring(start, Math.min(i, n)));
        }
        return out;
    }

    /** Top-level declarations: ended by ';' at depth 0, or by a function body's '}'. */
    private static List<List<String>> split(List<String> tokens) {
        List<List<String>> out = new ArrayList<>();
        List<String> current = new ArrayList<>();
        int depth = 0;
        boolean functionBody = false;
        String previous = "";
        for (String t : tokens) {
            current.add(t);
            switch (t) {
                case "(", "[" -> depth++;
                case ")", "]" -> depth--;
                case "{" -> {
                    if (depth == 0 && previous.equals(")")) {
                        functionBody = true;
                    }
                    depth++;
                }
                case "}" -> {
                    depth--;
                    if (depth == 0 && functionBody) {
                        out.add(current);
                        current = new ArrayList<>();
                        functionBody = false;
                    }
                }
                case ";" -> {
                    if (depth == 0) {
                        out.add(current);
                        current = new ArrayList<>();
                    }
                }
                default -> { }
            }
            previous = t;
        }
        return out;
    }

    /** Removes attributes, asm labels and storage classes, which say nothing about types. */
    private static List<String> clean(List<String> decl) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < decl.size(); i++) {
            String t = decl.get(i);
            if ((t.equals("__attribute__") || t.equals("__attribute") || t.equals("__asm__")
                    || t.equals("__asm") || t.equals("asm") || t.equals("__declspec"))
                    && i + 1 < decl.size() && decl.get(i + 1).equals("(")) {
                i = matching(decl, i + 1);
            } else if (!DROPPED.contains(t)) {
                out.add(t);
            }
        }
        return out;
    }

    /** Index of the bracket closing the one at {@code open}. */
    static int matching(List<String> tokens, int open) {
        int depth = 0;
        for (int i = open; i < tokens.size(); i++) {
            switch (tokens.get(i)) {
                case "(", "[", "{" -> depth++;
                case ")", "]", "}" -> {
                    if (--depth == 0) {
                        return i;
                    }
                }
                default -> { }
            }
        }
        throw new GeneratorException("unbalanced brackets in preprocessed header near '"
                + String.join(" ", tokens.subList(Math.max(0, open - 5), Math.min(tokens.size(), open + 5)))
                + "'");
    }

    /** The first prototype of function {@code name}, or null when it is not declared. */
    Prototype function(String name) {
        for (List<String> decl : declarationsNaming(name)) {
            int depth = 0;
            for (int i = 0; i < decl.size() - 1; i++) {
                String t = decl.get(i);
                if (t.equals("(") || t.equals("[") || t.equals("{")) {
                    depth++;
                } else if (t.equals(")") || t.equals("]") || t.equals("}")) {
                    depth--;
                } else if (depth == 0 && i > 0 && t.equals(name) && decl.get(i + 1).equals("(")) {
                    return prototype(name, decl, i);
                }
            }
        }
        return null;
    }

    /** The declarations, cleaned, that mention {@code name} and are not typedefs, in header order. */
    private List<List<String>> declarationsNaming(String name) {
        List<List<String>> found = new ArrayList<>();
        for (List<String> raw : declarations) {
            if (raw.contains(name)) {
                List<String> decl = clean(raw);
                if (!decl.isEmpty() && !decl.get(0).equals("typedef")) {
                    found.add(decl);
                }
            }
        }
        return found;
    }

    private static Prototype prototype(String name, List<String> decl, int at) {
        int close = matching(decl, at + 1);
        if (close + 1 < decl.size() && decl.get(close + 1).equals("(")) {
            throw new GeneratorException("function " + name
                    + " returns a function pointer, which the generator does not support");
        }
        String returnType = String.join(" ", decl.subList(0, at));
        List<String> names = new ArrayList<>();
        List<String> types = new ArrayList<>();
        boolean variadic = false;
        List<List<String>> params = splitCommas(decl.subList(at + 2, close));
        if (!(params.size() == 1 && params.get(0).equals(List.of("void")))) {
            for (List<String> p : params) {
                if (p.equals(List.of("..."))) {
                    variadic = true;
                } else if (!p.isEmpty()) {
                    String[] nameAndType = parameter(p);
                    names.add(nameAndType[0]);
                    types.add(nameAndType[1]);
                }
            }
        }
        return new Prototype(name, returnType, names, types, variadic);
    }

    private static List<List<String>> splitCommas(List<String> tokens) {
        List<List<String>> out = new ArrayList<>();
        List<String> current = new ArrayList<>();
        int depth = 0;
        for (String t : tokens) {
            if (t.equals(",") && depth == 0) {
                out.add(current);
                current = new ArrayList<>();
                continue;
            }
            if (t.equals("(") || t.equals("[")) {
                depth++;
            } else if (t.equals(")") || t.equals("]")) {
                depth--;
            }
            current.add(t);
        }
        out.add(current);
        return out;
    }

    /**
     * Splits one parameter into {name or null, type text}. Arrays and function pointers
     * decay to pointers. The last identifier is the parameter's name exactly when a type
     * specifier precedes it (the rule C itself uses to tell {@code size_t n} from
     * {@code size_t}).
     */
    private static String[] parameter(List<String> p) {
        int paren = p.indexOf("(");
        if (paren >= 0) { // function pointer, e.g. void (*__fn)(int)
            List<String> inner = p.subList(paren + 1, matching(p, paren));
            String name = null;
            for (String t : inner) {
                if (isIdentifier(t) && !KEYWORDS.contains(t)) {
                    name = t;
                }
            }
            return new String[] {name, "void *"};
        }
        List<String> t = new ArrayList<>(p);
        boolean array = false;
        int bracket = t.indexOf("[");
        if (bracket >= 0) {
            array = true;
            t = new ArrayList<>(t.subList(0, bracket));
        }
        String name = null;
        String last = t.get(t.size() - 1);
        if (isIdentifier(last) && !KEYWORDS.contains(last) && t.size() > 1
                && !TAGS.contains(t.get(t.size() - 2))
                && t.subList(0, t.size() - 1).stream().anyMatch(x -> !QUALIFIERS.contains(x))) {
            name = last;
            t.remove(t.size() - 1);
        }
        String type = String.join(" ", t) + (array ? " *" : "");
        return new String[] {name, type};
    }

    /** The member names of {@code struct name}'s definition, or null when it is not defined. */
    StructText struct(String name) {
        for (List<String> raw : declarations) {
            List<String> decl = clean(raw);
            for (int i = 0; i + 2 < decl.size(); i++) {
                if (decl.get(i).equals("struct") && decl.get(i + 1).equals(name)
                        && decl.get(i + 2).equals("{")) {
                    return new StructText(name, members(name, decl.subList(i + 3, matching(decl, i + 2))));
                }
            }
        }
        return null;
    }

    private static List<String> members(String struct, List<String> body) {
        List<String> names = new ArrayList<>();
        List<String> current = new ArrayList<>();
        int depth = 0;
        for (String t : body) {
            if (t.equals(";") && depth == 0) {
                for (List<String> declarator : splitCommas(current)) {
                    names.add(member(struct, declarator));
                }
                current = new ArrayList<>();
                continue;
            }
            if (t.equals("(") || t.equals("[") || t.equals("{")) {
                depth++;
            } else if (t.equals(")") || t.equals("]") || t.equals("}")) {
                depth--;
            }
            current.add(t);
        }
        return names;
    }

    private static String member(String struct, List<String> declarator) {
        String where = "struct " + struct + " member '" + String.join(" ", declarator) + "'";
        if (declarator.contains("{")) {
            throw new GeneratorException(where + ": nested struct/union members are not supported");
        }
        if (declarator.contains(":")) {
            throw new GeneratorException(where + ": bit-fields are not supported");
        }
        if (declarator.contains("[") || declarator.contains("(")) {
            throw new GeneratorException(where + ": array and function pointer members are not supported");
        }
        String last = declarator.get(declarator.size() - 1);
        if (!isIdentifier(last) || KEYWORDS.contains(last)) {
            throw new GeneratorException(where + ": cannot find the member's name");
        }
        return last;
    }
}
