package dev.hako.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hako.Container;
import dev.hako.spec.Spec;
import dev.hako.spec.SpecException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * A bundle's config.json as a container's builder ({@link SpecMapping}), and what the
 * runtime keeps of it: its hooks, its root and annotations.
 */
record Bundle(SpecMapping.Mapped mapped, JsonNode hooks, Path rootfs,
              Map<String, String> annotations, boolean terminal) {

    Container.Builder builder() {
        return mapped.builder();
    }

    /** The container of {@link #builder()} as it is now; a refusal names the JSON path it came from. */
    Container build(String id) throws OciException {
        try {
            return mapped.build(id);
        } catch (SpecException e) {
            throw new OciException(e.getMessage(), e);
        }
    }

    static Bundle load(Path bundle, RuntimeLog log) throws IOException {
        return load(bundle, log, null);
    }

    /** {@code process}: an exec's process object instead of the config's, or null. */
    static Bundle load(Path bundle, RuntimeLog log, JsonNode process) throws IOException {
        Spec spec;
        SpecMapping.Mapped mapped;
        try {
            spec = Spec.read(bundle);
            if (process != null) {
                ObjectNode tree = (ObjectNode) StateDirectory.JSON.readTree(spec.toJson());
                tree.set("process", process);
                spec = Spec.parse(StateDirectory.JSON.writeValueAsString(tree).getBytes(StandardCharsets.UTF_8));
            }
            mapped = SpecMapping.toBuilder(spec, bundle);
        } catch (SpecException e) {
            throw new OciException(e.getMessage(), e);
        }
        mapped.warnings().forEach(log::warn);
        JsonNode hooks = spec.hooks() == null ? null : StateDirectory.JSON.valueToTree(spec.hooks());
        return new Bundle(mapped, hooks, spec.rootPath(bundle),
                spec.annotations() == null ? Map.of() : spec.annotations(),
                spec.process() != null && Boolean.TRUE.equals(spec.process().terminal()));
    }
}
