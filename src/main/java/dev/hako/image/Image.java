package dev.hako.image;

import java.nio.file.Path;
import java.util.List;

/**
 * An image whose layers are unpacked in a {@link LayerStore}.
 *
 * @param digest       sha256 of the image config: the image ID ({@code docker images} shows
 *                     its first 12 digits), the same whichever format the image came in
 * @param config       the defaults for running it
 * @param layers       the unpacked layer directories, top layer first: overlayfs's
 *                     {@code lowerdir} order, ready to join with ':'
 * @param layerDigests the layers' uncompressed digests (diff_ids), in the same order
 */
public record Image(String digest, ImageConfig config, List<Path> layers, List<String> layerDigests) {

    public Image {
        layers = List.copyOf(layers);
        layerDigests = List.copyOf(layerDigests);
    }
}
