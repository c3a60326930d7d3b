package dev.hako.cli;

import java.util.List;

/**
 * One entry of the command table: its name, flags, how many arguments it takes, and what
 * it does.
 *
 * @param argsUsage the arguments, for the help ({@code <container-id> [signal]})
 * @param stopAfter positionals after which flags are no longer parsed ({@link ArgParser})
 * @param minArgs fewest positional arguments
 * @param maxArgs most positional arguments ({@link Integer#MAX_VALUE}: no limit)
 * @param failureCode the exit code when the command itself fails (runc's exec: 255)
 * @param parsesFlags false for commands hako refuses whatever their flags (checkpoint)
 */
record Command(String name, String argsUsage, String summary, List<Flag> flags, int stopAfter, int minArgs,
               int maxArgs, int failureCode, boolean parsesFlags, Action action) {

    /** What a command does with its parsed arguments; returns the exit code. */
    @FunctionalInterface
    interface Action {
        int run(Invocation invocation) throws Exception;
    }

    /** A command taking exactly {@code args} positionals, flags anywhere among them. */
    static Command of(String name, String argsUsage, String summary, int args, List<Flag> flags, Action action) {
        return new Command(name, argsUsage, summary, flags, Integer.MAX_VALUE, args, args, 1, true, action);
    }

    Command stoppingAfter(int positionals) {
        return new Command(name, argsUsage, summary, flags, positionals, minArgs, maxArgs, failureCode, parsesFlags,
                action);
    }

    Command arity(int min, int max) {
        return new Command(name, argsUsage, summary, flags, stopAfter, min, max, failureCode, parsesFlags, action);
    }

    Command failingWith(int code) {
        return new Command(name, argsUsage, summary, flags, stopAfter, minArgs, maxArgs, code, parsesFlags, action);
    }

    Command withoutFlagParsing() {
        return new Command(name, argsUsage, summary, flags, stopAfter, minArgs, maxArgs, failureCode, false, action);
    }

    /** runc's checkArgs message, or null when the count fits. */
    String arityError(int given) {
        if (minArgs == maxArgs && given != minArgs) {
            return "\"" + name + "\" requires exactly " + minArgs + " argument(s)";
        }
        if (given < minArgs) {
            return "\"" + name + "\" requires a minimum of " + minArgs + " argument(s)";
        }
        if (given > maxArgs) {
            return "\"" + name + "\" requires a maximum of " + maxArgs + " argument(s)";
        }
        return null;
    }
}
