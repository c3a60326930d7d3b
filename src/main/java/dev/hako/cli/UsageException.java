package dev.hako.cli;

/**
 * A command line that does not fit the command: an unknown flag, a missing value, a wrong
 * number of arguments. It ends the command with exit code 1, like runc's "Incorrect Usage".
 */
final class UsageException extends Exception {
    UsageException(String message) {
        super(message);
    }
}
