package dev.hako.image;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code docker save} archive, read through its {@code manifest.json}: both the classic
 * layout ({@code <hex>.json} config, {@code <id>/layer.tar} layers, duplicates as symbolic
 * links to another layer.tar) and Docker 25+'s ({@code blobs/sha256/<hex>} for both, next
 * to an OCI {@code index.json} that this class does not need).
 *
 * <p>The archive is scanned once for where each member's data lies; members are then read
 * in place, so nothing is copied out before a layer is unpacked. The config is verified
 * against the digest its file name carries; each layer against its {@code rootfs.diff_ids}
 * entry (and its blob name, under {@code blobs/sha256}), as it is unpacked.
 */
final class DockerArchive implements Closeable {
    private static final Pattern CLASSIC_CONFIG = Pattern.compile("([0-9a-f]{64})\\.json");
    private static final Pattern BLOB = Pattern.compile("blobs/sha256/([0-9a-f]{64})");
    private static final int MAX_LINK_HOPS = 16;

    private final Path file;
    private final FileChannel channel;
    private final Map<String, Member> members = new HashMap<>();

    /** A member of the archive: a file's data, or a link to another member. */
    private record Member(String name, TarEntry.Type type, long offset, long size, String link) {
    }

    private DockerArchive(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    static DockerArchive open(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new ImageException(file + " is a directory, not a docker save archive: for an OCI layout use"
                    + " importOciLayout");
        }
        if (!Files.isRegularFile(file)) {
            throw new ImageException("docker save archive " + file + " does not exist or is not a file");
        }
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        DockerArchive archive = new DockerArchive(file, channel);
        try {
            archive.index();
            return archive;
        } catch (IOException | RuntimeException e) {
            archive.close();
            if (e instanceof ImageException) {
                throw new ImageException(file + " is not a readable docker save archive: " + e.getMessage(), e);
            }
            throw e;
        }
    }

    private void index() throws IOException {
        TarReader tar = new TarReader(new FileSliceInputStream(channel, 0, channel.size()));
        for (TarEntry e; (e = tar.next()) != null; ) {
            String name = normalize(e.name());
            if (name == null) {
                continue; // names outside the archive's root cannot be what manifest.json means
            }
            switch (e.type()) {
                case FILE -> members.put(name, new Member(name, e.type(), e.dataOffset(), e.size(), null));
                case SYMLINK -> members.put(name, new Member(name, e.type(), 0, 0, e.linkName()));
                case HARDLINK -> members.put(name, new Member(name, e.type(), 0, 0, normalize(e.linkName())));
                default -> members.remove(name); // directories and the like hold nothing to read
            }
        }
    }

    /** The image tagged {@code repoTag} ({@code alpine}, {@code alpine:3.20}), or the only one. */
    ResolvedImage resolve(String repoTag) throws IOException {
        String manifestWhat = "manifest.json of " + file;
        if (!members.containsKey("manifest.json")) {
            String hint = members.containsKey("index.json")
                    ? ": it holds an OCI layout only; extract it and use importOciLayout" : "";
            throw new ImageException(file + " is not a docker save archive: it has no manifest.json" + hint);
        }
        JsonNode manifest = Json.parse(readSmall("manifest.json", manifestWhat), manifestWhat);
        if (!manifest.isArray()) {
            throw new ImageException(manifestWhat + " is not a JSON array");
        }
        List<JsonNode> entries = new ArrayList<>();
        for (JsonNode n : manifest) {
            if (!n.isObject()) {
                throw new ImageException(manifestWhat + " holds a value that is not an object: " + n);
            }
            entries.add(n);
        }
        JsonNode entry = select(entries, repoTag, manifestWhat);

        String configName = Json.requiredString(entry, "Config", manifestWhat);
        String configDigest = digestInName(normalize(configName));
        if (configDigest == null) {
            throw new ImageException(manifestWhat + " names the config '" + configName + "', whose name carries no"
                    + " sha256 digest to verify it by: refused");
        }
        String configWhat = "image config " + Digests.shortForm(configDigest) + " (" + configName + " in " + file + ")";
        byte[] configBytes = readSmall(configName, configWhat);
        String actual = Digests.sha256(configBytes);
        if (!actual.equals(configDigest)) {
            throw new ImageException(configWhat + " does not match its digest: " + configDigest
                    + " expected, the content hashes to " + actual + ": the archive is corrupt or was tampered with");
        }
        ConfigJson config = ConfigJson.parse(configBytes, configWhat);

        List<String> layerNames = Json.strings(entry, "Layers", manifestWhat);
        if (layerNames.size() != config.diffIds().size()) {
            throw new ImageException(manifestWhat + " lists " + layerNames.size() + " layers but the config has "
                    + config.diffIds().size() + " rootfs.diff_ids: the archive is inconsistent");
        }
        JsonNode sources = entry.get("LayerSources");
        List<LayerSource> layers = new ArrayList<>();
        for (int i = 0; i < layerNames.size(); i++) {
            String layerName = layerNames.get(i);
            String diffId = config.diffIds().get(i);
            String where = "layer " + (i + 1) + " of " + layerNames.size() + " (" + layerName + " in " + file + ")";
            Member m = find(layerName, where);
            String mediaType = null;
            if (sources != null && sources.isObject() && sources.get(diffId) instanceof JsonNode s && s.isObject()) {
                mediaType = Json.string(s, "mediaType", manifestWhat + " LayerSources");
            }
            Compression.checkMediaType(mediaType, where);
            layers.add(new LayerSource(diffId, digestInBlobName(normalize(layerName)), m.size(), mediaType, where,
                    () -> new FileSliceInputStream(channel, m.offset(), m.size())));
        }
        return new ResolvedImage(configDigest, config.config(), layers);
    }

    private JsonNode select(List<JsonNode> entries, String repoTag, String what) throws ImageException {
        List<String> all = new ArrayList<>();
        for (JsonNode e : entries) {
            List<String> tags = Json.strings(e, "RepoTags", what);
            all.addAll(tags.isEmpty() ? List.of("(untagged " + Json.string(e, "Config", what) + ")") : tags);
            if (repoTag != null) {
                for (String tag : tags) {
                    if (sameTag(tag, repoTag)) {
                        return e;
                    }
                }
            }
        }
        if (repoTag == null && entries.size() == 1) {
            return entries.getFirst();
        }
        if (entries.isEmpty()) {
            throw new ImageException(what + " lists no images");
        }
        if (repoTag == null) {
            throw new ImageException(file + " holds " + entries.size() + " images (" + String.join(", ", all)
                    + "): pass the tag of one");
        }
        throw new ImageException("no image tagged '" + repoTag + "' in " + file + "; it has: " + String.join(", ", all));
    }

    /** Tags compare as Docker shows them: {@code alpine} is {@code docker.io/library/alpine:latest}. */
    private static boolean sameTag(String a, String b) {
        return shortTag(a).equals(shortTag(b));
    }

    private static String shortTag(String tag) {
        String t = OciLayout.withDefaultTag(tag);
        if (t.startsWith("docker.io/")) {
            t = t.substring("docker.io/".length());
        }
        if (t.startsWith("library/") && t.indexOf('/', "library/".length()) < 0) {
            t = t.substring("library/".length());
        }
        return t;
    }

    /** The member {@code name} means, following the archive's own symbolic and hard links. */
    private Member find(String name, String what) throws ImageException {
        String current = normalize(name);
        for (int hop = 0; hop <= MAX_LINK_HOPS && current != null; hop++) {
            Member m = members.get(current);
            if (m == null) {
                break;
            }
            switch (m.type()) {
                case FILE -> {
                    return m;
                }
                case HARDLINK -> current = m.link();
                default -> {
                    int slash = current.lastIndexOf('/');
                    String base = m.link().startsWith("/") || slash < 0 ? "" : current.substring(0, slash + 1);
                    current = normalize(base + m.link());
                    if (current == null) {
                        throw new ImageException(what + ": the member '" + m.name() + "' links to '" + m.link()
                                + "', outside the archive: refused");
                    }
                }
            }
        }
        throw new ImageException(what + " is missing from the archive (no member '" + name + "')");
    }

    private byte[] readSmall(String name, String what) throws IOException {
        Member m = find(name, what);
        try (InputStream in = new FileSliceInputStream(channel, m.offset(), m.size())) {
            return Json.readLimited(in, what);
        }
    }

    /** A member name without "./", leading "/" and empty components; null when ".." climbs above the root. */
    private static String normalize(String name) {
        List<String> parts = new ArrayList<>();
        for (String p : name.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (parts.isEmpty()) {
                    return null;
                }
                parts.removeLast();
            } else {
                parts.add(p);
            }
        }
        return String.join("/", parts);
    }

    private static String digestInName(String name) {
        if (name == null) {
            return null;
        }
        Matcher m = CLASSIC_CONFIG.matcher(name);
        if (m.matches()) {
            return Digests.SHA256 + m.group(1);
        }
        return digestInBlobName(name);
    }

    private static String digestInBlobName(String name) {
        Matcher m = name == null ? null : BLOB.matcher(name);
        return m != null && m.matches() ? Digests.SHA256 + m.group(1) : null;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
