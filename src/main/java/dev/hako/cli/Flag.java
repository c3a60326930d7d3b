package dev.hako.cli;

import java.util.List;

/**
 * One flag of a command, as urfave/cli (runc's parser) declares it: a long name, short
 * aliases, and what kind of value it takes.
 *
 * @param name the long name, without dashes
 * @param aliases other names (runc's one-letter ones: {@code b} for {@code bundle})
 * @param kind what follows the flag
 * @param usage one line for the help
 */
record Flag(String name, List<String> aliases, Kind kind, String usage) {

    /** What a flag takes. */
    enum Kind {
        /** No value ({@code --detach}), or {@code --detach=false}. */
        BOOL,
        /** One string; the last one given wins. */
        STRING,
        /** A Go integer (decimal, 0x hex, 0 octal). */
        INT,
        /** A string that may be given many times ({@code --env A=1 --env B=2}). */
        STRINGS,
        /** A Go duration ({@code 5s}, {@code 1m30s}, {@code 250ms}). */
        DURATION
    }

    static Flag bool(String name, String usage, String... aliases) {
        return new Flag(name, List.of(aliases), Kind.BOOL, usage);
    }

    static Flag string(String name, String usage, String... aliases) {
        return new Flag(name, List.of(aliases), Kind.STRING, usage);
    }

    static Flag integer(String name, String usage, String... aliases) {
        return new Flag(name, List.of(aliases), Kind.INT, usage);
    }

    static Flag strings(String name, String usage, String... aliases) {
        return new Flag(name, List.of(aliases), Kind.STRINGS, usage);
    }

    static Flag duration(String name, String usage, String... aliases) {
        return new Flag(name, List.of(aliases), Kind.DURATION, usage);
    }

    boolean answersTo(String given) {
        return name.equals(given) || aliases.contains(given);
    }

    /** {@code --bundle value, -b value}, for the help. */
    String synopsis() {
        StringBuilder b = new StringBuilder("--").append(name);
        for (String alias : aliases) {
            b.append(", ").append(alias.length() == 1 ? "-" : "--").append(alias);
        }
        if (kind != Kind.BOOL) {
            b.append(" value");
        }
        return b.toString();
    }
}
