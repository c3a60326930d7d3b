package dev.hako.oci;

import java.nio.file.Path;

/**
 * runc's {@code create} (and {@code run}) flags.
 *
 * @param bundle the bundle directory (holds config.json); absolute
 * @param pidFile where to write the container process's pid, or null
 * @param consoleSocket the AF_UNIX socket that receives the terminal's master, or null
 * @param preserveFds how many fds beyond stdio (3, 4, ...) the container's process gets
 */
public record CreateOptions(Path bundle, Path pidFile, Path consoleSocket, boolean noPivot, boolean noNewKeyring,
                            int preserveFds) {
}
