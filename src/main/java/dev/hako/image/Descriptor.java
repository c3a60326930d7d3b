package dev.hako.image;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/**
 * An OCI content descriptor: what a blob is, its digest and size; in an index, also the
 * platform it is for and its annotations (the tag lives in
 * {@code org.opencontainers.image.ref.name}).
 */
record Descriptor(String mediaType, String digest, long size, Map<String, String> annotations, Platform platform) {
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    static final String REF_NAME = "org.opencontainers.image.ref.name";
    /** The full image name Docker 25+ and containerd add next to the bare tag. */
    static final String CONTAINERD_NAME = "io.containerd.image.name";

    static Descriptor parse(JsonNode node, String what) throws ImageException {
        String digest = Digests.require(Json.string(node, "digest", what), what);
        JsonNode size = node.get("size");
        if (size == null || !size.canConvertToLong() || !size.isIntegralNumber() || size.longValue() < 0) {
            throw new ImageException(what + " has no valid 'size'");
        }
        return new Descriptor(Json.string(node, "mediaType", what), digest, size.longValue(),
                Json.stringMap(node, "annotations", what), Platform.of(node, what));
    }

    boolean isIndex() {
        return OCI_INDEX.equals(mediaType) || DOCKER_LIST.equals(mediaType);
    }

    String refName() {
        return annotations.get(REF_NAME);
    }

    /** How to name this entry in a list for the user: its tag or name, else its digest, and its platform. */
    String label() {
        String name = annotations.getOrDefault(CONTAINERD_NAME, refName());
        return (name != null ? name : Digests.shortForm(digest)) + (platform != null ? " (" + platform + ")" : "");
    }
}
