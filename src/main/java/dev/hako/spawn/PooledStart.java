package dev.hako.spawn;

import dev.hako.security.User;

import java.lang.ProcessBuilder.Redirect;
import java.util.List;
import java.util.Map;

/**
 * What one start of a pool member brings, validated by the pool: everything a member can
 * still take after its setup, because the child applies it after its wait.
 *
 * @param env the whole environment of the command (the pool's, with the start's on top)
 */
public record PooledStart(List<String> command, Map<String, String> env, String workingDir, User user,
                          Redirect stdin, Redirect stdout, Redirect stderr, boolean redirectErrorStream) {
    /** The most PATH entries a start may look its command up in: a member's room for it is set before its start. */
    public static final int MAX_PATH_ENTRIES = 64;

    public PooledStart {
        command = List.copyOf(command);
        env = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(env));
        int entries = env.getOrDefault("PATH", "").split(":", -1).length;
        if (!command.get(0).contains("/") && entries > MAX_PATH_ENTRIES) {
            throw new IllegalArgumentException("PATH has " + entries + " entries, more than the "
                    + MAX_PATH_ENTRIES + " a pool member looks a command up in: give the command's full path");
        }
    }

    /**
     * This start in a member whose hostname is {@code memberHostname}: HOSTNAME follows it
     * where the environment has the pool's own ({@code poolHostname}), not one the start set.
     */
    public PooledStart inMember(String poolHostname, String memberHostname) {
        if (memberHostname == null || poolHostname == null || !poolHostname.equals(env.get("HOSTNAME"))) {
            return this;
        }
        Map<String, String> e = new java.util.LinkedHashMap<>(env);
        e.put("HOSTNAME", memberHostname);
        return new PooledStart(command, e, workingDir, user, stdin, stdout, stderr, redirectErrorStream);
    }

    /** The PATH the command is looked up in: the start's environment's. */
    public String path() {
        return env.getOrDefault("PATH", "");
    }
}
