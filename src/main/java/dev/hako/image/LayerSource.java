package dev.hako.image;

import java.io.IOException;
import java.io.InputStream;

/**
 * Where one layer of an image comes from and what it must hash to.
 *
 * @param diffId     sha256 of the uncompressed tar, from the config's rootfs.diff_ids: the store's key
 * @param blobDigest sha256 of the blob as stored (compressed or not), or null where the
 *                   format names none (a docker-save {@code <id>/layer.tar})
 * @param blobSize   the blob's size as declared, or -1
 * @param mediaType  the declared media type, or null
 * @param where      the layer for messages, e.g. "layer 2 of 3 (blobs/sha256/ab12... in /tmp/img)"
 */
record LayerSource(String diffId, String blobDigest, long blobSize, String mediaType, String where, Opener opener) {

    @FunctionalInterface
    interface Opener {
        InputStream open() throws IOException;
    }
}
