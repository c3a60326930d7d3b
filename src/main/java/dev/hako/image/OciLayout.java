package dev.hako.image;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * An OCI image layout directory ({@code oci-layout}, {@code index.json},
 * {@code blobs/sha256/...}), as written by {@code skopeo copy ... oci:dir}, buildah,
 * {@code docker buildx --output type=oci} and, inside its tar, {@code docker save} 25+.
 *
 * <p>index.json is the one unverifiable document (nothing names its digest); every blob
 * reached from it (indexes, manifests, config) is read only after its size and sha256
 * match its descriptor, and layers are checked as they are unpacked.
 */
final class OciLayout {
    private static final int MAX_INDEX_NESTING = 4;

    private final Path dir;

    private OciLayout(Path dir) {
        this.dir = dir;
    }

    /**
     * Finds the image named {@code reference} (a tag such as {@code latest} or
     * {@code alpine:3.20}, a full name, or a manifest digest; null when the layout holds
     * one image) and verifies its manifest and config.
     */
    static ResolvedImage resolve(Path dir, String reference) throws IOException {
        if (Files.isRegularFile(dir)) {
            throw new ImageException(dir + " is a file, not an OCI layout directory: for a docker save archive"
                    + " use importDockerArchive");
        }
        if (!Files.isDirectory(dir)) {
            throw new ImageException("OCI layout " + dir + " does not exist or is not a directory");
        }
        return new OciLayout(dir).resolve(reference);
    }

    private ResolvedImage resolve(String reference) throws IOException {
        Path marker = dir.resolve("oci-layout");
        if (!Files.isRegularFile(marker)) {
            throw new ImageException(dir + " is not an OCI image layout: it has no oci-layout file"
                    + " (expected {\"imageLayoutVersion\":\"1.0.0\"})");
        }
        JsonNode layout = Json.parse(read(marker, "oci-layout of " + dir), "oci-layout of " + dir);
        if (Json.string(layout, "imageLayoutVersion", "oci-layout of " + dir) == null) {
            throw new ImageException("oci-layout of " + dir + " has no imageLayoutVersion");
        }
        Path indexFile = dir.resolve("index.json");
        if (!Files.isRegularFile(indexFile)) {
            throw new ImageException("OCI layout " + dir + " has no index.json");
        }
        String indexWhat = "index.json of " + dir;
        JsonNode index = Json.parse(read(indexFile, indexWhat), indexWhat);
        Descriptor chosen = select(descriptors(index, indexWhat), reference, indexWhat);

        Manifest manifest = manifest(chosen, 0);
        Descriptor configDescriptor = Descriptor.parse(Json.object(manifest.json(), "config", manifest.what()),
                manifest.what() + " config");
        String configType = configDescriptor.mediaType();
        if (configType != null && !configType.equals(Descriptor.OCI_CONFIG) && !configType.equals(Descriptor.DOCKER_CONFIG)) {
            throw new ImageException(manifest.what() + " is not a container image: its config has the media type "
                    + configType + " (an OCI artifact?)");
        }
        String configWhat = "image config " + Digests.shortForm(configDescriptor.digest());
        ConfigJson config = ConfigJson.parse(readBlob(configDescriptor, configWhat), configWhat);

        List<JsonNode> layerNodes = Json.objects(manifest.json(), "layers", manifest.what());
        if (layerNodes.size() != config.diffIds().size()) {
            throw new ImageException(manifest.what() + " lists " + layerNodes.size() + " layers but its config has "
                    + config.diffIds().size() + " rootfs.diff_ids: the image is inconsistent");
        }
        List<LayerSource> layers = new ArrayList<>();
        for (int i = 0; i < layerNodes.size(); i++) {
            String what = "layer " + (i + 1) + " of " + layerNodes.size();
            Descriptor d = Descriptor.parse(layerNodes.get(i), manifest.what() + " " + what);
            String where = what + " (" + Digests.shortForm(d.digest()) + " in " + dir + ")";
            Compression.checkMediaType(d.mediaType(), where);
            Path blob = blobPath(d.digest());
            layers.add(new LayerSource(config.diffIds().get(i), d.digest(), d.size(), d.mediaType(), where,
                    () -> openBlob(blob, d.size(), where)));
        }
        return new ResolvedImage(configDescriptor.digest(), config.config(), layers);
    }

    private record Manifest(JsonNode json, String what) {
    }

    /** Follows indexes (picking this machine's platform) down to an image manifest. */
    private Manifest manifest(Descriptor d, int depth) throws IOException {
        if (depth > MAX_INDEX_NESTING) {
            throw new ImageException("image indexes in " + dir + " are nested more than " + MAX_INDEX_NESTING
                    + " deep: refused");
        }
        String what = (d.isIndex() ? "image index " : "manifest ") + Digests.shortForm(d.digest());
        JsonNode json = Json.parse(readBlob(d, what), what);
        String own = Json.string(json, "mediaType", what);
        if (d.mediaType() != null && own != null && !own.equals(d.mediaType())) {
            throw new ImageException(what + " says it is " + own + " but its descriptor says " + d.mediaType()
                    + ": refused");
        }
        String type = d.mediaType() != null ? d.mediaType() : own;
        boolean isIndex = Descriptor.OCI_INDEX.equals(type) || Descriptor.DOCKER_LIST.equals(type)
                || (type == null && json.has("manifests"));
        boolean isManifest = Descriptor.OCI_MANIFEST.equals(type) || Descriptor.DOCKER_MANIFEST.equals(type)
                || (type == null && json.has("layers"));
        if (isIndex) {
            List<Descriptor> entries = descriptors(json, what);
            return manifest(forHost(entries, what), depth + 1);
        }
        if (!isManifest) {
            throw new ImageException(what + " has the media type " + type + ", which is not an image manifest or index");
        }
        return new Manifest(json, what);
    }

    private static List<Descriptor> descriptors(JsonNode index, String what) throws ImageException {
        List<Descriptor> out = new ArrayList<>();
        List<JsonNode> nodes = Json.objects(index, "manifests", what);
        for (int i = 0; i < nodes.size(); i++) {
            out.add(Descriptor.parse(nodes.get(i), what + " manifests[" + i + "]"));
        }
        if (out.isEmpty()) {
            throw new ImageException(what + " lists no images");
        }
        return out;
    }

    /** The entry of index.json that {@code reference} names, or the only one. */
    private Descriptor select(List<Descriptor> entries, String reference, String what) throws ImageException {
        List<Descriptor> candidates = new ArrayList<>();
        for (Descriptor d : entries) {
            if (reference == null || matches(d, reference)) {
                candidates.add(d);
            }
        }
        if (candidates.isEmpty()) {
            throw new ImageException("no image named '" + reference + "' in " + dir + "; it has: " + labels(entries));
        }
        if (candidates.size() == 1) {
            return candidates.getFirst();
        }
        if (candidates.stream().allMatch(d -> d.platform() != null)) {
            return forHost(candidates, what);
        }
        throw new ImageException(dir + " holds " + candidates.size() + " images (" + labels(candidates)
                + "): pass the name of one as the reference");
    }

    private static boolean matches(Descriptor d, String reference) {
        String full = d.annotations().get(Descriptor.CONTAINERD_NAME);
        for (String ref : List.of(reference, withDefaultTag(reference))) {
            if (ref.equals(d.refName()) || ref.equals(d.digest()) || ref.equals(full)
                    || (full != null && full.endsWith("/" + ref))) {
                return true;
            }
        }
        return false;
    }

    /** {@code alpine} means {@code alpine:latest}, as in Docker. */
    static String withDefaultTag(String reference) {
        boolean tagged = reference.lastIndexOf(':') > reference.lastIndexOf('/') || reference.contains("@");
        return tagged ? reference : reference + ":latest";
    }

    /** The entry of an index for the platform this JVM runs on. */
    private static Descriptor forHost(List<Descriptor> entries, String what) throws ImageException {
        Platform host = Platform.host();
        for (Descriptor d : entries) {
            if (d.platform() != null && d.platform().runsOn(host)) {
                return d;
            }
        }
        List<String> platforms = new ArrayList<>();
        for (Descriptor d : entries) {
            platforms.add(d.platform() == null ? "(no platform) " + Digests.shortForm(d.digest()) : d.platform().toString());
        }
        throw new ImageException(what + " has no image for " + host + ", the platform this machine runs; it has: "
                + String.join(", ", platforms));
    }

    private static String labels(List<Descriptor> entries) {
        List<String> labels = new ArrayList<>();
        for (Descriptor d : entries) {
            labels.add(d.label());
        }
        return String.join(", ", labels);
    }

    private Path blobPath(String digest) {
        return dir.resolve("blobs").resolve("sha256").resolve(Digests.hex(digest));
    }

    /** A small blob (index, manifest, config), with its size and digest checked. */
    private byte[] readBlob(Descriptor d, String what) throws IOException {
        Path blob = blobPath(d.digest());
        long size;
        try {
            size = Files.size(blob);
        } catch (NoSuchFileException e) {
            throw new ImageException(what + " is missing from " + dir + " (no blobs/sha256/" + Digests.hex(d.digest())
                    + "): the layout is incomplete");
        }
        if (size != d.size()) {
            throw new ImageException(what + " in " + dir + " is " + size + " bytes, but its descriptor says " + d.size()
                    + ": the layout is corrupt or was tampered with");
        }
        if (size > Json.MAX_DOCUMENT_SIZE) {
            throw new ImageException(what + " is larger than " + Json.MAX_DOCUMENT_SIZE + " bytes: not an image document");
        }
        byte[] bytes = Files.readAllBytes(blob);
        String actual = Digests.sha256(bytes);
        if (!actual.equals(d.digest())) {
            throw new ImageException(what + " in " + dir + " does not match its digest: " + d.digest()
                    + " expected, the content hashes to " + actual + ": the layout is corrupt or was tampered with");
        }
        return bytes;
    }

    private static byte[] read(Path file, String what) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return Json.readLimited(in, what);
        }
    }

    /**
     * A layer blob, read as exactly the {@code size} bytes its descriptor declares. It must be
     * a regular file (a layout may link blobs, so a symbolic link to one is followed): a
     * fifo would block the import, and a link to {@code /dev/zero} or a file that grows
     * while it is read would never end.
     */
    private static InputStream openBlob(Path blob, long size, String where) throws IOException {
        if (!Files.exists(blob)) {
            throw new ImageException(where + " is missing: no " + blob + "; the layout is incomplete");
        }
        if (!Files.isRegularFile(blob)) {
            throw new ImageException(where + " is not a regular file (" + blob + " is a directory, device, fifo"
                    + " or socket, or a link to one): refused");
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(blob, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new ImageException(where + " is missing: no " + blob + "; the layout is incomplete");
        }
        try {
            long actual = channel.size();
            if (actual != size) {
                throw new ImageException(where + " is " + actual + " bytes, but the image says " + size
                        + ": the blob is truncated, corrupt or was tampered with");
            }
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        return new FilterInputStream(new FileSliceInputStream(channel, 0, size)) {
            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }
}
