package dev.hako.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a command line runs with: its streams, environment and working directory (the
 * process's own in {@link Main}, others in tests).
 */
record Io(InputStream in, PrintStream out, PrintStream err, Map<String, String> env, Path cwd) {

    static Io system() {
        return new Io(System.in, System.out, System.err, System.getenv(), Path.of("").toAbsolutePath());
    }
}
