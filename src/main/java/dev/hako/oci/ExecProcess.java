package dev.hako.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process of {@code exec}: the {@code --process} file as it is, or the container's own
 * process from its config.json with the command line's args, and its {@code --env},
 * {@code --cwd}, {@code --user} and {@code --tty} on top, as runc builds it.
 */
final class ExecProcess {
    /** Bigger is not a process object: refused rather than read. */
    static final long MAX_BYTES = 4L << 20;

    private ExecProcess() {
    }

    static JsonNode of(ExecOptions options, Path bundle) throws IOException {
        if (options.processFile() != null) {
            return read(options.processFile(), "--process " + options.processFile());
        }
        if (options.args() == null || options.args().isEmpty()) {
            throw new OciException("exec: no command given (args after the container id, or --process FILE)");
        }
        JsonNode config = read(bundle.resolve("config.json"), bundle.resolve("config.json").toString());
        ObjectNode process = config.path("process").isObject() ? ((ObjectNode) config.get("process")).deepCopy()
                : StateDirectory.JSON.createObjectNode();
        ArrayNode args = process.putArray("args");
        options.args().forEach(args::add);
        process.put("terminal", options.tty());
        if (options.env() != null && !options.env().isEmpty()) {
            ArrayNode env = process.has("env") ? (ArrayNode) process.get("env") : process.putArray("env");
            options.env().forEach(env::add);
        }
        if (options.cwd() != null) {
            process.put("cwd", options.cwd());
        }
        if (options.user() != null) {
            String[] ids = options.user().split(":", 2);
            ObjectNode user = process.putObject("user");
            try {
                user.put("uid", Long.parseLong(ids[0]));
                user.put("gid", ids.length > 1 ? Long.parseLong(ids[1]) : 0);
            } catch (NumberFormatException e) {
                throw new OciException("exec --user " + options.user() + ": not uid[:gid] in numbers");
            }
        }
        return process;
    }

    private static JsonNode read(Path file, String what) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new OciException("open " + what + ": no such file (or not a regular file)");
        }
        if (Files.size(file) > MAX_BYTES) {
            throw new OciException(what + ": bigger than " + MAX_BYTES + " bytes, not a process");
        }
        try {
            return StateDirectory.JSON.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new OciException(what + ": invalid JSON: " + e.getOriginalMessage());
        }
    }
}
