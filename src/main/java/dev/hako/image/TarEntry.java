package dev.hako.image;

import java.time.Instant;
import java.util.Map;

/**
 * One member of a tar archive, with the extensions (PAX records, GNU long names) already
 * folded in. {@code name} and {@code linkName} are exactly as the archive has them; what
 * they may mean on disk is {@link LayerExtractor}'s business.
 *
 * @param atime       null when the archive gives none
 * @param xattrs      from PAX {@code SCHILY.xattr.*} records, values as raw bytes
 * @param headerOffset where the header (or its first extension header) starts in the archive
 * @param dataOffset  where the data starts in the archive
 */
record TarEntry(String name, Type type, int mode, long uid, long gid, long size, Instant mtime,
                Instant atime, String linkName, int devMajor, int devMinor, Map<String, byte[]> xattrs,
                long headerOffset, long dataOffset) {

    enum Type {
        FILE("regular file"),
        HARDLINK("hard link"),
        SYMLINK("symbolic link"),
        CHAR_DEVICE("character device"),
        BLOCK_DEVICE("block device"),
        DIRECTORY("directory"),
        FIFO("fifo");

        private final String description;

        Type(String description) {
            this.description = description;
        }

        /** Types whose header carries no data. */
        boolean headerOnly() {
            return this != FILE;
        }

        @Override
        public String toString() {
            return description;
        }
    }
}
