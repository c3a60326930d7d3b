package dev.hako.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/** Builds OCI layouts and docker-save archives from tar layers written by the test. */
final class TestImages {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TAR = "application/vnd.oci.image.layer.v1.tar";
    static final String TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";

    private TestImages() {
    }

    /** A layer: its uncompressed tar and the blob as stored. */
    record Layer(byte[] tar, byte[] blob, String mediaType) {
        String diffId() {
            return Digests.sha256(tar);
        }

        String blobDigest() {
            return Digests.sha256(blob);
        }
    }

    static Layer plain(byte[] tar) {
        return new Layer(tar, tar, TAR);
    }

    static Layer gzipped(byte[] tar) {
        return new Layer(tar, TarBuilder.gzip(tar), TAR_GZIP);
    }

    /** A layer whose stored bytes and declared media type are given as they are. */
    static Layer raw(byte[] tar, byte[] blob, String mediaType) {
        return new Layer(tar, blob, mediaType);
    }

    /** The config the tests use, with the given diff_ids. */
    static ObjectNode config(List<String> diffIds) {
        ObjectNode root = JSON.createObjectNode();
        root.put("architecture", Platform.host().architecture());
        root.put("os", "linux");
        ObjectNode c = root.putObject("config");
        c.putArray("Entrypoint").add("/bin/entry");
        c.putArray("Cmd").add("--serve").add("8080");
        c.putArray("Env").add("PATH=/usr/local/bin:/usr/bin").add("GREETING=a=b").add("EMPTY");
        c.put("WorkingDir", "/srv");
        c.put("User", "1000:1000");
        c.putObject("ExposedPorts").putObject("8080/tcp");
        ObjectNode rootfs = root.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode ids = rootfs.putArray("diff_ids");
        diffIds.forEach(ids::add);
        return root;
    }

    static List<String> diffIds(List<Layer> layers) {
        return layers.stream().map(Layer::diffId).toList();
    }

    static byte[] bytes(Object json) {
        try {
            return JSON.writeValueAsBytes(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An OCI image layout directory, written blob by blob. */
    static final class Oci {
        final Path dir;
        final List<ObjectNode> index = new ArrayList<>();

        Oci(Path dir) throws IOException {
            this.dir = dir;
            Files.createDirectories(dir.resolve("blobs/sha256"));
            Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        }

        Path blobPath(String digest) {
            return dir.resolve("blobs/sha256").resolve(Digests.hex(digest));
        }

        ObjectNode blob(String mediaType, byte[] content) throws IOException {
            String digest = Digests.sha256(content);
            Files.write(blobPath(digest), content);
            ObjectNode d = JSON.createObjectNode();
            d.put("mediaType", mediaType);
            d.put("digest", digest);
            d.put("size", content.length);
            return d;
        }

        /** Writes layers, config and manifest; returns the manifest's descriptor (not yet in the index). */
        ObjectNode image(List<Layer> layers, byte[] config) throws IOException {
            ObjectNode manifest = JSON.createObjectNode();
            manifest.put("schemaVersion", 2);
            manifest.put("mediaType", Descriptor.OCI_MANIFEST);
            manifest.set("config", blob(Descriptor.OCI_CONFIG, config));
            ArrayNode ls = manifest.putArray("layers");
            for (Layer l : layers) {
                ls.add(blob(l.mediaType(), l.blob()));
            }
            return blob(Descriptor.OCI_MANIFEST, bytes(manifest));
        }

        ObjectNode image(List<Layer> layers) throws IOException {
            return image(layers, bytes(config(diffIds(layers))));
        }

        /** An image index blob over the given manifest descriptors. */
        ObjectNode imageIndex(List<ObjectNode> manifests) throws IOException {
            ObjectNode idx = JSON.createObjectNode();
            idx.put("schemaVersion", 2);
            idx.put("mediaType", Descriptor.OCI_INDEX);
            ArrayNode ms = idx.putArray("manifests");
            manifests.forEach(ms::add);
            return blob(Descriptor.OCI_INDEX, bytes(idx));
        }

        Oci tag(ObjectNode descriptor, String refName) throws IOException {
            ObjectNode d = descriptor.deepCopy();
            if (refName != null) {
                d.putObject("annotations").put(Descriptor.REF_NAME, refName);
            }
            index.add(d);
            writeIndex();
            return this;
        }

        void writeIndex() throws IOException {
            ObjectNode idx = JSON.createObjectNode();
            idx.put("schemaVersion", 2);
            idx.put("mediaType", Descriptor.OCI_INDEX);
            ArrayNode ms = idx.putArray("manifests");
            index.forEach(ms::add);
            Files.write(dir.resolve("index.json"), bytes(idx));
        }
    }

    static ObjectNode withPlatform(ObjectNode descriptor, String os, String arch, String variant) {
        ObjectNode d = descriptor.deepCopy();
        ObjectNode p = d.putObject("platform");
        p.put("os", os);
        p.put("architecture", arch);
        if (variant != null) {
            p.put("variant", variant);
        }
        return d;
    }

    /**
     * A docker save archive: {@code modern} lays it out as Docker 25+ does (blobs/sha256,
     * next to index.json and oci-layout), else classic ({@code <hex>.json},
     * {@code <id>/layer.tar}, a repeated layer as a symbolic link to the first).
     */
    static byte[] dockerArchive(List<Layer> layers, byte[] config, List<String> repoTags, boolean modern) {
        TarBuilder tar = new TarBuilder();
        String configDigest = Digests.sha256(config);
        ObjectNode entry = JSON.createObjectNode();
        ArrayNode layerNames = JSON.createArrayNode();
        Set<String> written = new LinkedHashSet<>();
        Map<String, String> firstName = new HashMap<>();
        if (modern) {
            tar.dir("blobs/", 0755).dir("blobs/sha256/", 0755);
            tar.add(fileHeader("blobs/sha256/" + Digests.hex(configDigest), config));
            entry.put("Config", "blobs/sha256/" + Digests.hex(configDigest));
            ObjectNode sources = JSON.createObjectNode();
            for (Layer l : layers) {
                String name = "blobs/sha256/" + Digests.hex(l.blobDigest());
                if (written.add(name)) {
                    tar.add(fileHeader(name, l.blob()));
                }
                layerNames.add(name);
                ObjectNode s = sources.putObject(l.diffId());
                s.put("mediaType", l.mediaType());
                s.put("size", l.blob().length);
                s.put("digest", l.blobDigest());
            }
            entry.set("LayerSources", sources);
            tar.add(fileHeader("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8)));
            tar.add(fileHeader("index.json", "{\"schemaVersion\":2,\"manifests\":[]}".getBytes(StandardCharsets.UTF_8)));
        } else {
            tar.add(fileHeader(Digests.hex(configDigest) + ".json", config));
            entry.put("Config", Digests.hex(configDigest) + ".json");
            int i = 0;
            for (Layer l : layers) {
                String id = Digests.hex(Digests.sha256(("layer-" + i++).getBytes(StandardCharsets.UTF_8)));
                tar.dir(id + "/", 0755);
                String name = id + "/layer.tar";
                String first = firstName.putIfAbsent(l.diffId(), name);
                if (first == null) {
                    tar.add(fileHeader(name, l.blob()));
                } else {
                    tar.symlink(name, "../" + first);
                }
                layerNames.add(name);
            }
        }
        ArrayNode tags = entry.putArray("RepoTags");
        repoTags.forEach(tags::add);
        entry.set("Layers", layerNames);
        ArrayNode manifest = JSON.createArrayNode().add(entry);
        tar.add(fileHeader("manifest.json", bytes(manifest)));
        return tar.build();
    }

    static TarBuilder.Header fileHeader(String name, byte[] data) {
        TarBuilder.Header h = new TarBuilder.Header(name, '0');
        h.data = data;
        return h;
    }

    /** A layer holding every file, directory and link below {@code root}, to which more entries can be added. */
    static TarBuilder tarOf(Path root) throws IOException {
        TarBuilder tar = new TarBuilder();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.naturalOrder()).toList()) {
                if (p.equals(root)) {
                    continue;
                }
                String name = root.relativize(p).toString();
                int mode = (Integer) Files.getAttribute(p, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS) & 07777;
                if (Files.isSymbolicLink(p)) {
                    tar.symlink(name, Files.readSymbolicLink(p).toString());
                } else if (Files.isDirectory(p)) {
                    tar.dir(name + "/", mode);
                } else {
                    tar.file(name, mode, Files.readAllBytes(p));
                }
            }
        }
        return tar;
    }

    /** Every path under {@code root}, relative, to compare a store before and after. */
    static Set<String> snapshot(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return new java.util.TreeSet<>(s.map(p -> root.relativize(p).toString()).toList());
        }
    }
}
