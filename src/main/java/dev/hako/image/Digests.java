package dev.hako.image;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Content digests as OCI writes them, {@code sha256:} and 64 lowercase hex digits. Only
 * sha256 is accepted: it is what Docker and every registry use, and a digest is also a
 * file name in a layout and in the store, so anything not of that exact shape is refused
 * before it can name a path.
 */
final class Digests {
    static final String SHA256 = "sha256:";
    private static final Pattern SHA256_DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

    private Digests() {
    }

    /** Returns {@code digest} when it is a well-formed sha256 digest, else says why not. */
    static String require(String digest, String what) throws ImageException {
        if (digest == null) {
            throw new ImageException(what + " has no digest");
        }
        if (!SHA256_DIGEST.matcher(digest).matches()) {
            int colon = digest.indexOf(':');
            if (colon > 0 && !digest.startsWith(SHA256)) {
                throw new ImageException(what + " uses the digest algorithm '" + digest.substring(0, colon)
                        + "', which hako does not support: only sha256 digests are");
            }
            throw new ImageException(what + " has a malformed digest '" + digest
                    + "': expected sha256: and 64 lowercase hex digits");
        }
        return digest;
    }

    /** The 64 hex digits of a digest already checked by {@link #require}. */
    static String hex(String digest) {
        return digest.substring(SHA256.length());
    }

    /** True for 64 lowercase hex digits (a digest's file name). */
    static boolean isHex(String name) {
        return HEX.matcher(name).matches();
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    static String sha256(byte[] bytes) {
        return SHA256 + HexFormat.of().formatHex(newSha256().digest(bytes));
    }

    static String of(MessageDigest finished) {
        return SHA256 + HexFormat.of().formatHex(finished.digest());
    }

    /** A digest shortened for messages: sha256: and the first 12 hex digits, as docker prints image ids. */
    static String shortForm(String digest) {
        return digest.startsWith(SHA256) && digest.length() > SHA256.length() + 12
                ? digest.substring(0, SHA256.length() + 12) : digest;
    }
}
