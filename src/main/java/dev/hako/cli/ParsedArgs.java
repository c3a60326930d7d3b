package dev.hako.cli;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What {@link ArgParser} found: each set flag's values by the flag's long name, the
 * positional arguments, and whether help was asked for.
 */
record ParsedArgs(Map<String, List<String>> values, List<String> positional, boolean help) {

    boolean isSet(String name) {
        return values.containsKey(name);
    }

    boolean bool(String name) {
        List<String> v = values.get(name);
        return v != null && Boolean.parseBoolean(v.getLast());
    }

    /** The last value given, or null. */
    String string(String name) {
        List<String> v = values.get(name);
        return v == null ? null : v.getLast();
    }

    /** Already checked by the parser. */
    long integer(String name, long otherwise) {
        String v = string(name);
        return v == null ? otherwise : GoSyntax.parseInt(v);
    }

    Duration duration(String name, Duration otherwise) {
        String v = string(name);
        return v == null ? otherwise : GoSyntax.parseDuration(v);
    }

    List<String> strings(String name) {
        return values.getOrDefault(name, List.of());
    }

    String positional(int index) {
        return index < positional.size() ? positional.get(index) : null;
    }
}
