package dev.hako.image;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Counts and hashes every byte read through it. Unlike {@code DigestInputStream} it also
 * hashes what {@link #skip} passes over (by reading it), so a digest check cannot be
 * defeated by a reader that skips.
 */
final class HashingInputStream extends FilterInputStream {
    private final MessageDigest digest = Digests.newSha256();
    private final byte[] skipBuffer = new byte[8192];
    private long count;

    HashingInputStream(InputStream in) {
        super(in);
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            digest.update((byte) b);
            count++;
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            digest.update(b, off, n);
            count += n;
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        int r = read(skipBuffer, 0, (int) Math.min(n, skipBuffer.length));
        return Math.max(r, 0);
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public void mark(int readlimit) {
    }

    @Override
    public void reset() throws IOException {
        throw new IOException("HashingInputStream does not support mark/reset");
    }

    /** Reads to the end of the stream, so that the digest covers all of it. */
    void drain() throws IOException {
        while (read(skipBuffer, 0, skipBuffer.length) >= 0) {
            // hashing as we go
        }
    }

    long count() {
        return count;
    }

    /** The digest of everything read so far, as {@code sha256:hex}; call once, at the end. */
    String digest() {
        return Digests.of(digest);
    }
}
