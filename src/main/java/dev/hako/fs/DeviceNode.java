package dev.hako.fs;

import dev.hako.linux.DeviceFile;

/**
 * A device node the container's /dev gets besides the standard ones: a host device made
 * again inside, with the host's type, numbers, mode and owner, as Docker's {@code --device}
 * does.
 *
 * @param path where, inside the container: below /dev, not on one of its own mounts
 * @param host what {@code stat} said of the host's node
 * @param hostPath where the host's node is: a container with a user namespace, which may
 *     not make device nodes, gets a bind of it instead
 */
public record DeviceNode(String path, DeviceFile host, String hostPath) {
}
