package dev.hako.image;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an image's config says a container should run by default: the fields of its
 * {@code config} object that a runtime uses, as Docker reads them.
 *
 * @param entrypoint {@code Entrypoint}, empty when not set
 * @param cmd        {@code Cmd}, empty when not set
 * @param env        {@code Env}, in order; an entry without '=' has the empty value
 * @param workingDir {@code WorkingDir}, empty when not set (the runtime then uses /)
 * @param user       {@code User} as written (name, uid, name:group, uid:gid), empty when not set
 */
public record ImageConfig(List<String> entrypoint, List<String> cmd, Map<String, String> env,
                          String workingDir, String user) {

    public ImageConfig {
        entrypoint = List.copyOf(entrypoint);
        cmd = List.copyOf(cmd);
        env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
        workingDir = workingDir == null ? "" : workingDir;
        user = user == null ? "" : user;
    }

    /** The command a container runs when none is given: entrypoint followed by cmd, as Docker does. */
    public List<String> command() {
        List<String> command = new ArrayList<>(entrypoint);
        command.addAll(cmd);
        return List.copyOf(command);
    }
}
