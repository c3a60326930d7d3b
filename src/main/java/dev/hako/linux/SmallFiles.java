package dev.hako.linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads the small text files of /proc, /sys and cgroupfs. They report a size of 0 or a
 * page, so the JDK's readers allocate 8 KiB buffers (24 KiB with a decoder) per read; a
 * container start reads a dozen of them, and those buffers were most of its garbage.
 */
public final class SmallFiles {
    private static final int FIRST_READ = 512;

    private SmallFiles() {
    }

    /** The whole file as ASCII/UTF-8 text. */
    public static String read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(FIRST_READ);
            while (channel.read(buf) >= 0) {
                if (!buf.hasRemaining()) {
                    ByteBuffer bigger = ByteBuffer.allocate(buf.capacity() * 4);
                    bigger.put(buf.flip());
                    buf = bigger;
                }
            }
            return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
        }
    }
}
