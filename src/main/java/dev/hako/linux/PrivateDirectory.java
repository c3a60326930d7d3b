package dev.hako.linux;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A directory where hako keeps state that other JVMs of the same user share (leases of
 * addresses and of id ranges): made 0700 if missing, whoever races to make it, and refused
 * when it is a symbolic link, not a directory, or another user's, since whoever owns it
 * decides what hako reads there.
 */
public final class PrivateDirectory {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private PrivateDirectory() {
    }

    /**
     * Makes {@code directory} (and its parents) if missing, checks it, puts its mode back to
     * 0700 if it drifted, and returns its real path.
     *
     * @param holds what hako keeps there, for messages ("the network's address leases")
     */
    public static Path ensure(Path directory, String holds) throws IOException {
        if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
            Path parent = directory.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try {
                Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (FileAlreadyExistsException raced) {
                // another JVM made it: checked below like any other
            }
        }
        PosixFileAttributes a = Files.readAttributes(directory, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isSymbolicLink() || !a.isDirectory()) {
            throw new IOException(directory + " is " + (a.isSymbolicLink() ? "a symlink" : "not a directory")
                    + ": hako keeps " + holds + " in that directory; remove it");
        }
        long owner = ((Number) Files.getAttribute(directory, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
        long me = Kernel.effectiveUid();
        if (owner != me) {
            throw new IOException(directory + " belongs to uid " + owner + ", not to this JVM's uid " + me
                    + ": hako keeps " + holds + " there, which only their owner may touch; remove it");
        }
        if (!a.permissions().equals(OWNER_ONLY)) {
            Files.setPosixFilePermissions(directory, OWNER_ONLY);
        }
        return directory.toRealPath();
    }
}
