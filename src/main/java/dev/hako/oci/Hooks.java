package dev.hako.oci;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The config's hooks: each is run in the runtime's namespaces with the container's state
 * on its stdin, as the runtime spec says. A failing hook of a phase before the command
 * (prestart, createRuntime, createContainer, startContainer) fails the command; one after
 * it (poststart, poststop) is logged as a warning.
 */
final class Hooks {
    private Hooks() {
    }

    static void run(JsonNode hooks, String phase, String state, RuntimeLog log) throws IOException {
        if (hooks == null || !hooks.has(phase)) {
            return;
        }
        boolean fatal = !phase.equals("poststart") && !phase.equals("poststop");
        int index = 0;
        for (JsonNode hook : hooks.get(phase)) {
            String where = "hooks." + phase + "[" + index++ + "]";
            try {
                runOne(hook, state, where);
            } catch (IOException e) {
                if (fatal) {
                    throw e;
                }
                log.warn(e.getMessage());
            }
        }
    }

    private static void runOne(JsonNode hook, String state, String where) throws IOException {
        String path = hook.path("path").asText("");
        List<String> command = new ArrayList<>();
        command.add(path);
        JsonNode args = hook.path("args");
        // args[0] is the hook's argv[0]; Java cannot set it apart from the path, so the rest follow the path.
        for (int i = 1; i < args.size(); i++) {
            command.add(args.get(i).asText());
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.PIPE);
        if (hook.has("env")) {
            Map<String, String> env = pb.environment();
            env.clear();
            for (JsonNode e : hook.get("env")) {
                String s = e.asText();
                int eq = s.indexOf('=');
                if (eq > 0) {
                    env.put(s.substring(0, eq), s.substring(eq + 1));
                }
            }
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new OciException(where + ": cannot run " + path + ": " + e.getMessage(), e);
        }
        // Off this thread, so that a hook that never reads its stdin, or floods its stderr, is
        // still ended by its timeout: the first 4 KiB of stderr are kept for the message.
        Thread.ofVirtual().start(() -> {
            try (OutputStream in = p.getOutputStream()) {
                in.write(state.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // a hook that does not read its stdin
            }
        });
        java.util.concurrent.CompletableFuture<String> stderr = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (var err = p.getErrorStream()) {
                String kept = new String(err.readNBytes(4096), StandardCharsets.UTF_8).strip();
                err.transferTo(OutputStream.nullOutputStream());
                stderr.complete(kept);
            } catch (IOException e) {
                stderr.complete("");
            }
        });
        long timeout = hook.path("timeout").asLong(0);
        try {
            boolean ended = timeout > 0 ? p.waitFor(timeout, TimeUnit.SECONDS) : p.waitFor() >= 0;
            if (!ended) {
                kill(p);
                throw new OciException(where + ": " + path + " did not finish within its timeout of " + timeout + " s");
            }
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            throw new OciException(where + ": interrupted while " + path + " ran");
        }
        if (p.exitValue() != 0) {
            String err = stderr.completeOnTimeout("", 5, TimeUnit.SECONDS).join();
            throw new OciException(where + ": " + path + " exited with " + p.exitValue()
                    + (err.isEmpty() ? "" : ": " + err));
        }
    }

    /**
     * SIGKILL through its handle: Process.destroyForcibly closes the streams first, and would
     * wait for the stdin writer, blocked on a hook that never reads, for good.
     */
    private static void kill(Process p) {
        p.toHandle().destroyForcibly();
    }
}
