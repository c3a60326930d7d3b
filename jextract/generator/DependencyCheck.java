import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * jextract's rule for a complete set of --include options (its MissingDepChecker), applied
 * by this generator too, so that an args file one of them accepts the other accepts as well:
 *
 * - an included function's return and parameter types, and an included struct's member
 *   types, must not name a struct or union that is not included;
 * - "name" looks through typedefs and arrays (a parameter {@code struct timespec t[2]}
 *   names timespec), but not through pointers: a pointer to an excluded struct is just
 *   C_POINTER;
 * - a parameter or member that is a pointer to a function has that function's return and
 *   parameter types checked the same way (its array parameters count as pointers there);
 * - an anonymous struct takes its typedef's name; members that are anonymous structs are
 *   checked member by member; enums are never excluded.
 *
 * jextract reports each case as "F depends on S which has been excluded"; this check
 * words its errors the same way and adds the options that make the args file complete
 * (following what those structs need in turn).
 *
 * Checked against jextract master f9866df on every function and struct of 41 glibc headers
 * (1200 functions, 130 structs, all included, none, or only one kind): the same errors.
 * Older jextract (0b89a46) lets one case through that master and this check report: a
 * variable-length array parameter ({@code regmatch_t pmatch[n]} of regexec).
 */
final class DependencyCheck {

    /** A struct or union something needs by value. */
    record Need(String owner, String kind, String name) {
        String option() {
            return "--include-" + kind + " " + name;
        }
    }

    private final CParser parser;

    private DependencyCheck(CParser parser) {
        this.parser = parser;
    }

    /** Throws, naming every missing struct and the lines to add, unless {@code args} is complete. */
    static void check(ArgsFile args, CParser parser, String argsName) {
        List<String> errors = errors(args, parser, argsName);
        if (!errors.isEmpty()) {
            throw new GeneratorException(String.join("\n", errors));
        }
    }

    /** The error lines for {@code args} (empty when it is complete). */
    static List<String> errors(ArgsFile args, CParser parser, String argsName) {
        DependencyCheck c = new DependencyCheck(parser);
        List<Need> needs = new ArrayList<>();
        for (String f : args.functions()) {
            CDeclarations.Function type = parser.functionType(f);
            if (type != null) { // undeclared names are reported elsewhere
                c.signature(type, false, n -> needs.add(new Need(f, n.kind(), n.name())));
            }
        }
        for (String s : args.structs()) {
            c.members("struct", s, n -> needs.add(new Need(s, n.kind(), n.name())));
        }
        Set<String> lines = new LinkedHashSet<>();
        Set<String> toAdd = new LinkedHashSet<>();
        Deque<Need> work = new ArrayDeque<>();
        for (Need n : needs) {
            if (!included(args, n)) {
                lines.add(n.owner() + " depends on " + n.name() + " which has been excluded");
                work.add(n);
            }
        }
        Set<String> followed = new HashSet<>();
        while (!work.isEmpty()) { // what the missing structs need in turn, so one edit suffices
            Need n = work.poll();
            if (!followed.add(n.option())) {
                continue;
            }
            toAdd.add(n.option());
            c.members(n.kind(), n.name(), m -> {
                Need next = new Need(n.name(), m.kind(), m.name());
                if (!included(args, next)) {
                    work.add(next);
                }
            });
        }
        if (lines.isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        out.add(argsName + " is incomplete by jextract's rules (jextract stops on the same errors):");
        lines.forEach(l -> out.add("  " + l));
        out.add("  add to " + argsName + ":");
        toAdd.forEach(o -> out.add("    " + o));
        return out;
    }

    private static boolean included(ArgsFile args, Need n) {
        return n.kind().equals("struct") && args.structs().contains(n.name());
        // unions: hako's generator takes no --include-union, so a union by value is always an error
    }

    /** A function's result and parameters; {@code lowered}: array parameters are pointers (callbacks). */
    private void signature(CDeclarations.Function f, boolean lowered, Consumer<CDeclarations.Tag> need) {
        value(f.result(), need, new HashSet<>());
        for (CDeclarations.Type p : f.params()) {
            if (lowered) {
                value(decayed(p), need, new HashSet<>());
            } else {
                declared(p, need);
            }
        }
    }

    /** A parameter or member: its value, and, for a pointer to a function, that function's signature. */
    private void declared(CDeclarations.Type t, Consumer<CDeclarations.Tag> need) {
        value(t, need, new HashSet<>());
        CDeclarations.Function f = functionPointer(t);
        if (f != null) {
            signature(f, true, need);
        }
    }

    private void members(String kind, String name, Consumer<CDeclarations.Tag> need) {
        List<CDeclarations.Declarator> members = parser.recordMembers(kind, name);
        if (members != null) {
            members.forEach(m -> declared(m.type(), need));
        }
    }

    /** The structs and unions {@code t} holds by value. */
    private void value(CDeclarations.Type t, Consumer<CDeclarations.Tag> need, Set<String> typedefsSeen) {
        switch (t) {
            case CDeclarations.Named n -> {
                CDeclarations.Type target = parser.typedef(n.name());
                if (target != null && typedefsSeen.add(n.name())) {
                    value(target, need, typedefsSeen);
                }
            }
            case CDeclarations.Array a -> value(a.of(), need, typedefsSeen);
            case CDeclarations.Tag tag when tag.kind().equals("enum") -> { }
            case CDeclarations.Tag tag when tag.name() == null -> {
                if (tag.body() != null) { // an anonymous struct member: its members count
                    for (CDeclarations.Declarator m : CDeclarations.members(tag.body(), parser.typedefNames())) {
                        declared(m.type(), need);
                    }
                }
            }
            case CDeclarations.Tag tag -> need.accept(tag);
            default -> { }
        }
    }

    /** A pointer (to a pointer ...) to a function, as jextract looks for one: not through typedefs. */
    private static CDeclarations.Function functionPointer(CDeclarations.Type t) {
        return switch (t) {
            case CDeclarations.Pointer p -> functionPointer(p.to());
            case CDeclarations.Function f -> f;
            default -> null;
        };
    }

    /** An array parameter, or a typedef naming an array, passed as a pointer. */
    private CDeclarations.Type decayed(CDeclarations.Type t) {
        if (t instanceof CDeclarations.Array a) {
            return new CDeclarations.Pointer(a.of());
        }
        if (t instanceof CDeclarations.Named n && parser.typedef(n.name()) instanceof CDeclarations.Array a) {
            return new CDeclarations.Pointer(a.of());
        }
        return t;
    }
}
