package dev.hako.oci;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * A container's state as {@code runc state} prints it: the runtime spec's fields
 * (ociVersion, id, status, pid, bundle, annotations) plus runc's rootfs, created and owner.
 *
 * @param status creating, created, running, paused or stopped
 * @param pid 0 when stopped
 */
public record ContainerState(String ociVersion, String id, String status, long pid, Path bundle, Path rootfs,
                             Instant created, String owner, Map<String, String> annotations) {
}
