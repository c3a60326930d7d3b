package dev.hako.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * What one command leaves in a container's state directory for the next: the spec's state
 * plus what hako needs to find the container again (its process's start time, against
 * pid reuse, and its cgroup directories) and the hooks that run after create.
 *
 * @param phase creating (a create is under way, or died), created, or running (started);
 *        whether the container is paused or stopped is read from the kernel, never stored
 * @param pidStartTime the process's start time in clock ticks since boot ({@code /proc/PID/stat}
 *        field 22): the same pid with another start time is another process
 * @param hooks the config's hooks that run after create (poststart, poststop), as JSON
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
record StoredState(String ociVersion, String id, String phase, long pid, long pidStartTime, String bundle,
                   String rootfs, String created, String owner, Map<String, String> annotations,
                   List<String> cgroupDirectories, JsonNode hooks) {

    static final String CREATING = "creating";
    static final String CREATED = "created";
    static final String RUNNING = "running";

    StoredState withPhase(String newPhase) {
        return new StoredState(ociVersion, id, newPhase, pid, pidStartTime, bundle, rootfs, created, owner,
                annotations, cgroupDirectories, hooks);
    }
}
