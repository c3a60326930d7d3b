import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The subset of a jextract @argfile that hako.args uses. Reading jextract's own format
 * (rather than a second list) keeps one source of truth whichever tool generates.
 * Anything this generator cannot honour is an error, not silently ignored.
 */
record ArgsFile(Path file, String headerClassName, Set<String> constants, Set<String> functions,
        Set<String> structs, List<String> compilerFlags) {

    static ArgsFile read(Path file) throws IOException {
        List<String> words = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            String text = line.strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue; // jextract's own --dump-includes files use '#' comments too
            }
            for (String w : text.split("\\s+")) {
                words.add(w);
            }
        }
        String headerClass = null;
        Set<String> constants = new LinkedHashSet<>();
        Set<String> functions = new LinkedHashSet<>();
        Set<String> structs = new LinkedHashSet<>();
        List<String> flags = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) {
            String option = words.get(i);
            if (!option.startsWith("-")) {
                throw new GeneratorException(file + ": unexpected '" + option + "'");
            }
            if (i + 1 >= words.size()) {
                throw new GeneratorException(file + ": " + option + " needs a value");
            }
            String value = words.get(++i);
            Set<String> target = switch (option) {
                case "--header-class-name" -> {
                    headerClass = value;
                    yield null;
                }
                case "--include-constant" -> constants;
                case "--include-function" -> functions;
                case "--include-struct" -> structs;
                case "-I", "-D" -> {
                    flags.add(option + value); // handed to the C compiler like jextract hands them to clang
                    yield null;
                }
                default -> throw new GeneratorException(file + ": option " + option
                        + " is not supported by hako's generator (only --header-class-name,"
                        + " --include-constant, --include-function, --include-struct, -I, -D)");
            };
            if (target != null && !target.add(value)) {
                throw new GeneratorException(file + ": " + value + " is listed twice");
            }
        }
        if (headerClass == null) {
            throw new GeneratorException(file + ": --header-class-name is missing");
        }
        return new ArgsFile(file, headerClass, constants, functions, structs, flags);
    }
}
