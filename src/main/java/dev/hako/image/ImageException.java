package dev.hako.image;

import java.io.IOException;

/**
 * An image could not be imported because of what it contains: a malformed or unsupported
 * layout or archive, a blob that does not match its digest, or a layer that tries to write
 * outside its directory. The message names the image part (layer, config, manifest, tar
 * entry) and says what was wrong; nothing of the failed import is left in the store.
 */
public class ImageException extends IOException {
    private static final long serialVersionUID = 1L;

    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
