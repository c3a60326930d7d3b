package dev.hako.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * {@code length} bytes of a file from {@code start}, read with positional reads so that
 * several slices can share one channel. Skipping seeks, but never past the slice or the
 * end of the file: a short skip tells a reader that the file is truncated.
 */
final class FileSliceInputStream extends InputStream {
    private final FileChannel channel;
    private final long end;
    private long position;

    FileSliceInputStream(FileChannel channel, long start, long length) {
        this.channel = channel;
        this.position = start;
        this.end = start + length;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        long left = end - position;
        if (left <= 0) {
            return -1;
        }
        int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, left)), position);
        if (n > 0) {
            position += n;
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long target = Math.min(Math.min(end, channel.size()), position + Math.max(n, 0));
        long skipped = Math.max(target - position, 0);
        position += skipped;
        return skipped;
    }
}
