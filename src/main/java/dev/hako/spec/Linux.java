package dev.hako.spec;

import java.util.List;
import java.util.Map;

/**
 * {@code linux}: the Linux-specific part of the configuration. {@code timeOffsets},
 * {@code intelRdt} and {@code personality} are kept as written but not modelled;
 * {@code seccomp} is kept as written for {@link dev.hako.seccomp.Profile#parse}, and
 * checked to parse when the spec is read.
 *
 * @param cgroupsPath a path ({@code /a/b}, absolute from the hierarchies' root, or relative
 *                    to the runtime's own cgroup) or systemd's {@code slice:prefix:name}
 * @param rootfsPropagation the propagation of the root mount: shared, slave, private,
 *                          unbindable, or their recursive r-forms
 */
public record Linux(List<Namespace> namespaces, List<IdMap> uidMappings, List<IdMap> gidMappings,
                    RawJson timeOffsets, List<Device> devices, String cgroupsPath, Resources resources,
                    String rootfsPropagation, RawJson seccomp, Map<String, String> sysctl, List<String> maskedPaths,
                    List<String> readonlyPaths, String mountLabel, RawJson intelRdt, RawJson personality) {
    public Linux {
        namespaces = SpecJson.copy(namespaces);
        uidMappings = SpecJson.copy(uidMappings);
        gidMappings = SpecJson.copy(gidMappings);
        devices = SpecJson.copy(devices);
        sysctl = SpecJson.copy(sysctl);
        maskedPaths = SpecJson.copy(maskedPaths);
        readonlyPaths = SpecJson.copy(readonlyPaths);
    }

    /**
     * A namespace the container gets: made new, or with {@code path}, joined.
     *
     * @param type cgroup, ipc, mount, network, pid, time, user or uts
     * @param path a namespace file to join ({@code /proc/PID/ns/net}, a bind of one), or null
     */
    public record Namespace(String type, String path) {
    }

    /**
     * A device node made in the container.
     *
     * @param type c (character), b (block), u (unbuffered character) or p (FIFO)
     * @param fileMode the permission bits, or null
     */
    public record Device(String type, String path, Long major, Long minor, Integer fileMode, Long uid, Long gid) {
    }
}
