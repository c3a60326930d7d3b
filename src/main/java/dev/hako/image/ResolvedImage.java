package dev.hako.image;

import java.util.List;

/**
 * An image read from a layout or archive with its manifest and config verified, before
 * any layer is unpacked.
 *
 * @param configDigest the config's sha256: the image ID
 * @param layers       bottom layer first, as in the manifest and rootfs.diff_ids
 */
record ResolvedImage(String configDigest, ImageConfig config, List<LayerSource> layers) {
}
