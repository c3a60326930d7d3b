package dev.hako.spec;

import java.util.List;

/**
 * One entry of {@code mounts}: what is mounted at {@code destination}, in order.
 *
 * @param type the filesystem type (proc, tmpfs, bind or none for a bind, ...)
 * @param options mount(8)-style options: flags (ro, nosuid, rbind, rprivate, ...) and data (mode=755, size=64k)
 * @param uidMappings an idmapped mount's uid map, or null
 * @param gidMappings an idmapped mount's gid map, or null
 */
public record MountSpec(String destination, String type, String source, List<String> options,
                        List<IdMap> uidMappings, List<IdMap> gidMappings) {
    public MountSpec {
        options = SpecJson.copy(options);
        uidMappings = SpecJson.copy(uidMappings);
        gidMappings = SpecJson.copy(gidMappings);
    }

    /** A mount without id mappings. */
    public MountSpec(String destination, String type, String source, List<String> options) {
        this(destination, type, source, options, null, null);
    }

    /** The options, empty when absent. */
    public List<String> optionList() {
        return options == null ? List.of() : options;
    }
}
