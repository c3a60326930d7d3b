package dev.hako.oci;

import java.nio.file.Path;
import java.util.List;

/**
 * runc's {@code exec} flags: either {@code processFile} (a JSON {@code process} object) or
 * {@code args} with the flags that amend it.
 *
 * @param processFile the process JSON ({@code --process}), or null
 * @param args the command when there is no process file
 * @param env extra {@code NAME=value} entries ({@code --env})
 * @param cwd the working directory ({@code --cwd}), or null
 * @param user {@code uid[:gid]} ({@code --user}), or null
 */
public record ExecOptions(Path processFile, List<String> args, boolean tty, boolean detach, Path pidFile,
                          Path consoleSocket, List<String> env, String cwd, String user, int preserveFds) {
}
