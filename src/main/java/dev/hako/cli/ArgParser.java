package dev.hako.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses flags the way urfave/cli does for runc (Go's flag package underneath):
 * {@code --flag value}, {@code --flag=value}, {@code -flag value} (one dash for long names
 * too), boolean flags without a value or with {@code =true|false}, {@code --} ending the
 * flags, and flags mixed with positional arguments, except after {@code stopAfter}
 * positionals (runc's {@code exec ID cmd -l}: {@code -l} belongs to the command).
 *
 * <p>{@code -h} and {@code --help} ask for help unless the command declares them.
 */
final class ArgParser {

    private ArgParser() {
    }

    /**
     * @param stopAfter how many positionals end the flags: 1 for the global options (the
     *                  command's name ends them) and for exec, kill and ps (the id), else
     *                  {@link Integer#MAX_VALUE}
     */
    static ParsedArgs parse(List<Flag> flags, List<String> args, int stopAfter) throws UsageException {
        Map<String, List<String>> values = new LinkedHashMap<>();
        List<String> positional = new ArrayList<>();
        boolean help = false;
        int i = 0;
        while (i < args.size()) {
            String arg = args.get(i++);
            if (arg.equals("--")) {
                positional.addAll(args.subList(i, args.size()));
                break;
            }
            if (arg.length() < 2 || arg.charAt(0) != '-') {
                positional.add(arg);
                if (positional.size() >= stopAfter) {
                    positional.addAll(args.subList(i, args.size()));
                    break;
                }
                continue;
            }
            String body = arg.substring(arg.charAt(1) == '-' ? 2 : 1);
            if (body.isEmpty() || body.charAt(0) == '-' || body.charAt(0) == '=') {
                throw new UsageException("bad flag syntax: " + arg);
            }
            int eq = body.indexOf('=');
            String name = eq < 0 ? body : body.substring(0, eq);
            String inline = eq < 0 ? null : body.substring(eq + 1);
            Flag flag = find(flags, name);
            if (flag == null) {
                if (name.equals("h") || name.equals("help")) {
                    help = true;
                    continue;
                }
                throw new UsageException("flag provided but not defined: -" + name);
            }
            String value;
            if (flag.kind() == Flag.Kind.BOOL) {
                value = inline == null ? "true" : goBool(inline, name);
            } else if (inline != null) {
                value = inline;
            } else if (i < args.size()) {
                value = args.get(i++);
            } else {
                throw new UsageException("flag needs an argument: -" + name);
            }
            check(flag, name, value);
            List<String> list = values.computeIfAbsent(flag.name(), k -> new ArrayList<>());
            if (flag.kind() != Flag.Kind.STRINGS) {
                list.clear();
            }
            list.add(value);
        }
        return new ParsedArgs(values, List.copyOf(positional), help);
    }

    private static Flag find(List<Flag> flags, String name) {
        for (Flag f : flags) {
            if (f.answersTo(name)) {
                return f;
            }
        }
        return null;
    }

    private static void check(Flag flag, String name, String value) throws UsageException {
        try {
            switch (flag.kind()) {
                case INT -> GoSyntax.parseInt(value);
                case DURATION -> GoSyntax.parseDuration(value);
                default -> {
                }
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("invalid value \"" + value + "\" for flag -" + name + ": " + e.getMessage());
        }
    }

    /** Go's strconv.ParseBool, as a normalized "true" or "false". */
    private static String goBool(String s, String name) throws UsageException {
        return switch (s) {
            case "1", "t", "T", "true", "TRUE", "True" -> "true";
            case "0", "f", "F", "false", "FALSE", "False" -> "false";
            default -> throw new UsageException("invalid boolean value \"" + s + "\" for -" + name + ": parse error");
        };
    }
}
