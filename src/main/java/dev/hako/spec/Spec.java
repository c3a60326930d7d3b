package dev.hako.spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * An OCI runtime-spec {@code config.json} (versions 1.0.0 to 1.2.x), as records: what
 * {@code runc create} reads from a bundle. Fields absent from the JSON are null (lists and
 * maps too, so that "absent" and "empty" stay apart); unknown fields are ignored, as the
 * spec requires; nulls are left out when written.
 *
 * <p>Read with {@link #read(Path)} or {@link #parse(byte[])}: every invalid value fails with
 * a {@link SpecException} whose message starts with its JSON path, e.g.
 * {@code mounts[2].destination: "tmp" is not an absolute path}. Written with
 * {@link #toJson()}, which {@link #parse(byte[])} reads back to an equal value.
 *
 * @param ociVersion the spec version the configuration follows, like {@code 1.2.0}
 * @param process the container's command; may be absent until {@code start}
 * @param root the root filesystem; required
 * @param annotations arbitrary metadata, like {@code org.opencontainers.image.title}
 */
public record Spec(String ociVersion, Process process, Root root, String hostname, String domainname,
                   List<MountSpec> mounts, Hooks hooks, Map<String, String> annotations, Linux linux) {

    /** The newest version hako writes and reads. */
    public static final String OCI_VERSION = "1.2.0";

    public Spec {
        mounts = SpecJson.copy(mounts);
        annotations = SpecJson.copy(annotations);
    }

    /**
     * Reads and checks {@code bundle/config.json}. A missing file fails like runc
     * ({@code open <bundle>/config.json: no such file or directory}); a file that is not a
     * regular file (a FIFO, a device, a directory, also behind a symbolic link) or bigger
     * than 16 MiB is refused without reading it.
     *
     * @throws SpecException for a missing, unusable or invalid config.json, naming what is wrong
     * @throws IOException when reading the regular file fails
     */
    public static Spec read(Path bundle) throws IOException {
        return parse(ConfigFile.read(bundle));
    }

    /**
     * Parses and checks a config.json document.
     *
     * @throws SpecException naming the JSON path of the first invalid value and what is expected
     */
    public static Spec parse(byte[] json) {
        Spec spec = SpecJson.parse(json);
        if (spec == null) {
            throw new SpecException("config.json: null is not an object (the runtime-spec configuration)");
        }
        spec.validate();
        return spec;
    }

    /**
     * Checks every value against the spec and against what hako can read (the rules
     * {@link #parse} applies; a record made in Java may call it itself).
     *
     * @throws SpecException naming the JSON path of the first invalid value
     */
    public void validate() {
        SpecRules.check(this);
    }

    /** The configuration as JSON: indented, the fields in the spec's order, nulls left out. */
    public String toJson() {
        return SpecJson.write(this);
    }

    /**
     * The root filesystem's directory: {@code root.path}, resolved against {@code bundle}
     * when relative (as the spec says), normalized.
     *
     * @throws SpecException when there is no {@code root.path}
     */
    public Path rootPath(Path bundle) {
        if (root == null || root.path() == null || root.path().isEmpty()) {
            throw new SpecException("root.path: is missing (the container's root filesystem, like \"rootfs\")");
        }
        return bundle.toAbsolutePath().resolve(root.path()).normalize();
    }

    /**
     * What {@code runc spec} writes (with {@code rootless}, {@code runc spec --rootless}): a
     * default configuration that runs {@code sh} on a terminal in {@code rootfs} with the
     * usual mounts, masked and read-only paths, a small capability set, RLIMIT_NOFILE 1024,
     * and its own namespaces. Rootless: a user namespace mapping root to this process's uid
     * and gid, no network namespace (the host's, which a plain user cannot otherwise give
     * it), /sys bound from the host instead of a new sysfs, no cgroup mount and no limits.
     */
    public static Spec example(boolean rootless) {
        return SpecExample.make(rootless);
    }
}
