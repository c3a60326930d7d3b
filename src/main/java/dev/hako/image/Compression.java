package dev.hako.image;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * How a layer blob is compressed: by its media type where it has one, and by its first
 * bytes, which decide (Docker's own archives name no media type, and a media type can
 * be wrong while the magic bytes cannot). gzip and uncompressed tar are supported; zstd,
 * xz and bzip2 are refused by name.
 */
enum Compression {
    NONE,
    GZIP;

    private static final List<String> SUPPORTED = List.of(
            "application/vnd.oci.image.layer.v1.tar",
            "application/vnd.oci.image.layer.v1.tar+gzip",
            "application/vnd.oci.image.layer.nondistributable.v1.tar",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
            "application/vnd.docker.image.rootfs.diff.tar",
            "application/vnd.docker.image.rootfs.diff.tar.gzip",
            "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip");

    /** Refuses a media type that is not a layer hako can unpack; null (not given) passes. */
    static void checkMediaType(String mediaType, String what) throws ImageException {
        if (mediaType == null || SUPPORTED.contains(mediaType)) {
            return;
        }
        if (mediaType.endsWith("+zstd") || mediaType.endsWith(".zstd")) {
            throw unsupported(what, "zstd", mediaType);
        }
        throw new ImageException(what + " has the media type " + mediaType
                + ", which is not a layer hako can unpack; it unpacks " + String.join(", ", SUPPORTED));
    }

    /**
     * Wraps {@code in} (buffered, for peeking) in a decompressor as its first bytes say.
     * {@code mediaType} is used for the message only.
     */
    static InputStream decompress(BufferedInputStream in, String mediaType, String what) throws IOException {
        in.mark(8);
        byte[] magic = in.readNBytes(6);
        in.reset();
        if (startsWith(magic, 0x1f, 0x8b)) {
            return new GZIPInputStream(in, 1 << 16);
        }
        if (startsWith(magic, 0x28, 0xb5, 0x2f, 0xfd)) {
            throw unsupported(what, "zstd", mediaType);
        }
        if (startsWith(magic, 0xfd, '7', 'z', 'X', 'Z', 0)) {
            throw unsupported(what, "xz", mediaType);
        }
        if (startsWith(magic, 'B', 'Z', 'h')) {
            throw unsupported(what, "bzip2", mediaType);
        }
        return in;
    }

    private static ImageException unsupported(String what, String compression, String mediaType) {
        return new ImageException(what + " is " + compression + "-compressed"
                + (mediaType == null ? "" : " (media type " + mediaType + ")")
                + ", which hako does not support: export the image with gzip or uncompressed layers"
                + " (docker save, or skopeo copy --dest-compress-format gzip)");
    }

    private static boolean startsWith(byte[] data, int... prefix) {
        if (data.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((data[i] & 0xff) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
