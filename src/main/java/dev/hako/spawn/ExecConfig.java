package dev.hako.spawn;

import dev.hako.security.User;
import dev.hako.terminal.TerminalSize;

import java.lang.ProcessBuilder.Redirect;
import java.util.List;
import java.util.Map;

/**
 * A validated exec into a running container, as {@code dev.hako.ExecBuilder} hands it over:
 * what differs from the container's own command. Capabilities, no_new_privs, rlimits and
 * the seccomp filter are always the container's.
 *
 * @param env the whole environment (the container's, then the exec's own variables)
 * @param user resolved inside the running container
 * @param terminal null: no terminal, the streams are as stdin/stdout/stderr say
 */
public record ExecConfig(
        List<String> command,
        Map<String, String> env,
        User user,
        String workingDir,
        Redirect stdin,
        Redirect stdout,
        Redirect stderr,
        boolean redirectErrorStream,
        TerminalSize terminal) {

    /** The PATH the command is looked up in. */
    public String path() {
        return env.getOrDefault("PATH", "");
    }
}
