package dev.hako.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hako.Container;
import dev.hako.Namespace;
import dev.hako.Network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A bundle's config.json as a container's builder, and what the runtime keeps of it.
 * TEMPORARY minimal reader until dev.hako.spec lands.
 */
record Bundle(Container.Builder builder, String cgroupPath, JsonNode hooks, Path rootfs,
              Map<String, String> annotations, boolean terminal, String ociVersion) {

    static Bundle load(Path bundle, String id, RuntimeLog log) throws IOException {
        return load(bundle, id, log, null);
    }

    /** {@code process}: an exec's process object instead of the config's, or null. */
    static Bundle load(Path bundle, String id, RuntimeLog log, JsonNode process) throws IOException {
        Path config = bundle.resolve("config.json");
        if (!Files.isRegularFile(config)) {
            throw new OciException("open " + config + ": no such file or directory");
        }
        JsonNode spec = StateDirectory.JSON.readTree(config.toFile());
        Container.Builder b = Container.builder();
        if (process == null) {
            process = spec.path("process");
        }
        List<String> args = new ArrayList<>();
        process.path("args").forEach(a -> args.add(a.asText()));
        b.command(args);
        process.path("env").forEach(e -> {
            String s = e.asText();
            int eq = s.indexOf('=');
            if (eq > 0) {
                b.env(s.substring(0, eq), s.substring(eq + 1));
            }
        });
        b.workingDir(process.path("cwd").asText("/"));
        JsonNode user = process.path("user");
        b.user(user.path("uid").asLong(0) + ":" + user.path("gid").asLong(0));
        boolean terminal = process.path("terminal").asBoolean(false);
        if (terminal) {
            b.terminal(true);
            JsonNode size = process.path("consoleSize");
            if (size.has("width") && size.has("height")) {
                b.terminalSize(size.get("width").asInt(), size.get("height").asInt());
            }
        }
        Path rootPath = Path.of(spec.path("root").path("path").asText("rootfs"));
        Path rootfs = bundle.resolve(rootPath).normalize();
        b.rootfs(rootfs);
        b.readonlyRootfs(spec.path("root").path("readonly").asBoolean(false));
        EnumSet<Namespace> namespaces = EnumSet.noneOf(Namespace.class);
        spec.path("linux").path("namespaces").forEach(n -> {
            switch (n.path("type").asText()) {
                case "pid" -> namespaces.add(Namespace.PID);
                case "network" -> namespaces.add(Namespace.NETWORK);
                case "ipc" -> namespaces.add(Namespace.IPC);
                case "uts" -> namespaces.add(Namespace.UTS);
                case "mount" -> namespaces.add(Namespace.MOUNT);
                case "cgroup" -> namespaces.add(Namespace.CGROUP);
                default -> log.warn("namespace " + n.path("type").asText() + ": not supported, ignored");
            }
        });
        b.namespaces(namespaces);
        if (namespaces.contains(Namespace.NETWORK)) {
            b.network(Network.none());
        }
        if (spec.hasNonNull("hostname") && namespaces.contains(Namespace.UTS)) {
            b.hostname(spec.get("hostname").asText());
        }
        b.etcFiles(false);
        String cgroupsPath = spec.path("linux").path("cgroupsPath").asText("");
        String parent = cgroupsPath.startsWith("/") ? cgroupsPath : "/hako";
        b.cgroupParent(parent);
        Map<String, String> annotations = new LinkedHashMap<>();
        spec.path("annotations").fields().forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
        return new Bundle(b, parent + "/" + id, spec.get("hooks"), rootfs, annotations, terminal,
                spec.path("ociVersion").asText("1.0.0"));
    }
}
