package dev.hako.netlink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The real tools the nftables tests check the Java code with, run inside a test's network
 * namespace through {@code nsenter --net=}: {@code nft} to see the rules as nft sees them
 * (and to make rules the way nft makes them), {@code ip} to build topologies.
 */
final class Tools {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Tools() {
    }

    /** Runs {@code command} with {@code stdin}, returns its output; fails the test on a non-zero exit. */
    static String run(String stdin, List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        try {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                fail(command + " did not end within 60 s");
            }
            if (p.exitValue() != 0) {
                fail(command + " exited with " + p.exitValue() + ": " + new String(err, StandardCharsets.UTF_8));
            }
            return new String(out, StandardCharsets.UTF_8);
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    static List<String> in(ToolNamespace ns, String... command) {
        List<String> all = new ArrayList<>(List.of("nsenter", "--net=" + ns.path()));
        all.addAll(List.of(command));
        return all;
    }

    /** {@code nft ARGS} in the namespace. */
    static String nft(ToolNamespace ns, String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 1];
        command[0] = "nft";
        System.arraycopy(args, 0, command, 1, args.length);
        return run("", in(ns, command));
    }

    /** {@code nft -f -} with {@code script} in the namespace. */
    static void nftScript(ToolNamespace ns, String script) throws IOException, InterruptedException {
        run(script, in(ns, "nft", "-f", "-"));
    }

    /** The whole ruleset of the namespace as nft's JSON, without its metainfo. */
    static JsonNode ruleset(ToolNamespace ns) throws IOException, InterruptedException {
        JsonNode all = JSON.readTree(nft(ns, "-j", "list", "ruleset")).get("nftables");
        List<JsonNode> kept = new ArrayList<>();
        for (JsonNode n : all) {
            if (!n.has("metainfo")) {
                kept.add(n);
            }
        }
        return JSON.valueToTree(kept);
    }

    /** The rule objects of the ruleset, in nft's order. */
    static List<JsonNode> rules(ToolNamespace ns) throws IOException, InterruptedException {
        List<JsonNode> rules = new ArrayList<>();
        for (JsonNode n : ruleset(ns)) {
            if (n.has("rule")) {
                rules.add(n.get("rule"));
            }
        }
        return rules;
    }

    /** {@code ip ARGS} in the namespace. */
    static void ip(ToolNamespace ns, String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 1];
        command[0] = "ip";
        System.arraycopy(args, 0, command, 1, args.length);
        run("", in(ns, command));
    }
}
