package dev.hako.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A command of a test user that may open {@code /dev/net/tun}, as slirp4netns and pasta
 * must. Debian's udev makes the node 0666; on a machine without udev it is 0600 and root's,
 * and the command then runs in a mount namespace of its own ({@code unshare --mount}) where
 * a 0666 copy of the node is bound over it: the host's /dev is not touched.
 */
public final class UserTun implements AutoCloseable {
    private final List<String> command;
    private final Path dir;

    private UserTun(List<String> command, Path dir) {
        this.command = command;
        this.dir = dir;
    }

    /** {@code userCommand} (a {@link TestUser#command}), wrapped when the node needs it. */
    public static UserTun wrap(List<String> userCommand) throws IOException, InterruptedException {
        Path tun = Path.of("/dev/net/tun");
        if (Files.getPosixFilePermissions(tun).containsAll(Set.of(PosixFilePermission.OTHERS_READ,
                PosixFilePermission.OTHERS_WRITE))) {
            return new UserTun(userCommand, null);
        }
        Path dir = Files.createTempDirectory("hako-user-tun-");
        Path node = dir.resolve("tun");
        Process mknod = new ProcessBuilder("mknod", "-m", "0666", node.toString(), "c", "10", "200").inheritIO().start();
        if (mknod.waitFor() != 0) {
            Files.delete(dir);
            throw new IOException("mknod of a tun node in " + dir + " failed");
        }
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                "mount --bind \"$0\" /dev/net/tun && exec \"$@\"", node.toString()));
        cmd.addAll(userCommand);
        return new UserTun(List.copyOf(cmd), dir);
    }

    /** The command to run (as root: it becomes the user itself). */
    public List<String> command() {
        return command;
    }

    /** Removes the copy of the node, once the command has ended. */
    @Override
    public void close() throws IOException {
        if (dir != null) {
            Files.deleteIfExists(dir.resolve("tun"));
            Files.deleteIfExists(dir);
        }
    }
}
