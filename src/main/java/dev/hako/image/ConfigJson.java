package dev.hako.image;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an image config (OCI {@code application/vnd.oci.image.config.v1+json}, or
 * Docker's {@code application/vnd.docker.container.image.v1+json}, the same document)
 * that hako uses: the run defaults and {@code rootfs.diff_ids}, the digests of the
 * uncompressed layers, bottom first.
 */
record ConfigJson(ImageConfig config, List<String> diffIds) {

    static ConfigJson parse(byte[] bytes, String what) throws ImageException {
        JsonNode root = Json.parse(bytes, what);
        if (!root.isObject()) {
            throw new ImageException(what + " is not a JSON object");
        }
        String os = Json.string(root, "os", what);
        if (os != null && !os.equals("linux")) {
            throw new ImageException(what + " describes an image for '" + os + "': hako runs Linux images only");
        }
        JsonNode rootfs = Json.object(root, "rootfs", what);
        String type = Json.string(rootfs, "type", what + " rootfs");
        if (!"layers".equals(type)) {
            throw new ImageException(what + " has rootfs.type '" + type + "', expected 'layers'");
        }
        List<String> diffIds = Json.strings(rootfs, "diff_ids", what + " rootfs");
        for (int i = 0; i < diffIds.size(); i++) {
            Digests.require(diffIds.get(i), what + " rootfs.diff_ids[" + i + "]");
        }

        JsonNode c = root.get("config");
        if (c == null || c.isNull()) {
            return new ConfigJson(new ImageConfig(List.of(), List.of(), Map.of(), "", ""), diffIds);
        }
        if (!c.isObject()) {
            throw new ImageException(what + ": 'config' is not an object");
        }
        String where = what + " config";
        Map<String, String> env = new LinkedHashMap<>();
        for (String entry : Json.strings(c, "Env", where)) {
            int eq = entry.indexOf('=');
            if (eq == 0) {
                throw new ImageException(where + ": Env entry '" + entry + "' has no variable name");
            }
            env.put(eq < 0 ? entry : entry.substring(0, eq), eq < 0 ? "" : entry.substring(eq + 1));
        }
        ImageConfig config = new ImageConfig(Json.strings(c, "Entrypoint", where), Json.strings(c, "Cmd", where),
                env, Json.string(c, "WorkingDir", where), Json.string(c, "User", where));
        return new ConfigJson(config, diffIds);
    }
}
