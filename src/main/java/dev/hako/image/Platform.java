package dev.hako.image;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An OCI platform ({@code os}, {@code architecture}, {@code variant}), and the one this JVM
 * runs on, named as Go and OCI name them (amd64, arm64).
 */
record Platform(String os, String architecture, String variant) {

    static Platform host() {
        String arch = System.getProperty("os.arch");
        String oci = switch (arch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> arch;
        };
        return new Platform("linux", oci, null);
    }

    /** The {@code platform} object of a descriptor, or null when it has none. */
    static Platform of(JsonNode descriptor, String what) throws ImageException {
        JsonNode p = descriptor.get("platform");
        if (p == null || p.isNull()) {
            return null;
        }
        if (!p.isObject()) {
            throw new ImageException(what + ": 'platform' is not an object");
        }
        return new Platform(Json.string(p, "os", what), Json.string(p, "architecture", what),
                Json.string(p, "variant", what));
    }

    /**
     * Whether an image for this platform runs on {@code host}: same OS and architecture.
     * Any variant of arm64 (v8, v9) runs on an arm64 host.
     */
    boolean runsOn(Platform host) {
        return host.os().equals(os) && host.architecture().equals(architecture);
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null || variant.isEmpty() ? "" : "/" + variant);
    }
}
