package dev.hako.cli;

import dev.hako.oci.OciRuntime;

import java.nio.file.Path;

/** One command's run: the global options, its own parsed arguments, the log, the streams and the runtime. */
record Invocation(GlobalOptions global, ParsedArgs args, LogFile log, Io io, OciRuntime runtime) {

    /** The container id, the first positional argument. */
    String id() {
        return args.positional(0);
    }

    /** A path given on the command line, made absolute against the working directory. */
    Path path(String flag) {
        String value = args.string(flag);
        return value == null || value.isEmpty() ? null : io.cwd().resolve(value).normalize();
    }
}
