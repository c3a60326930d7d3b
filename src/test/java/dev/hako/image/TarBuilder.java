package dev.hako.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Writes tar archives for tests, byte by byte: ustar headers, PAX records, GNU long names,
 * and the broken forms that the reader must refuse.
 */
final class TarBuilder {
    static final long MTIME = 1_700_000_000L;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private boolean gnuMagic;

    /** One header's fields; {@code data} follows it, padded. */
    static final class Header {
        String name;
        char type = '0';
        int mode = 0644;
        long uid;
        long gid;
        long mtime = MTIME;
        String linkName = "";
        int devMajor;
        int devMinor;
        String prefix = "";
        byte[] data = new byte[0];
        Long sizeOverride;
        boolean base256Size;

        Header(String name, char type) {
            this.name = name;
            this.type = type;
        }
    }

    /** Writes GNU ("ustar  ") magic instead of POSIX ustar from now on. */
    TarBuilder gnu() {
        gnuMagic = true;
        return this;
    }

    TarBuilder dir(String name, int mode) {
        Header h = new Header(name, '5');
        h.mode = mode;
        return add(h);
    }

    TarBuilder file(String name, String content) {
        return file(name, 0644, content);
    }

    TarBuilder file(String name, int mode, String content) {
        Header h = new Header(name, '0');
        h.mode = mode;
        h.data = content.getBytes(StandardCharsets.UTF_8);
        return add(h);
    }

    TarBuilder file(String name, int mode, byte[] data) {
        Header h = new Header(name, '0');
        h.mode = mode;
        h.data = data.clone();
        return add(h);
    }

    TarBuilder owned(String name, int mode, long uid, long gid, String content) {
        Header h = new Header(name, '0');
        h.mode = mode;
        h.uid = uid;
        h.gid = gid;
        h.data = content.getBytes(StandardCharsets.UTF_8);
        return add(h);
    }

    TarBuilder ownedDir(String name, int mode, long uid, long gid) {
        Header h = new Header(name, '5');
        h.mode = mode;
        h.uid = uid;
        h.gid = gid;
        return add(h);
    }

    TarBuilder ownedSymlink(String name, String target, long uid, long gid) {
        Header h = new Header(name, '2');
        h.mode = 0777;
        h.linkName = target;
        h.uid = uid;
        h.gid = gid;
        return add(h);
    }

    TarBuilder symlink(String name, String target) {
        Header h = new Header(name, '2');
        h.mode = 0777;
        h.linkName = target;
        return add(h);
    }

    TarBuilder hardlink(String name, String target) {
        Header h = new Header(name, '1');
        h.linkName = target;
        return add(h);
    }

    TarBuilder charDevice(String name, int major, int minor) {
        Header h = new Header(name, '3');
        h.mode = 0666;
        h.devMajor = major;
        h.devMinor = minor;
        return add(h);
    }

    TarBuilder fifo(String name) {
        Header h = new Header(name, '6');
        h.mode = 0600;
        return add(h);
    }

    /** A PAX extended header ('x') for the next entry. Values are raw bytes. */
    TarBuilder pax(Map<String, byte[]> records) {
        return paxHeader('x', records);
    }

    TarBuilder paxGlobal(Map<String, byte[]> records) {
        return paxHeader('g', records);
    }

    private TarBuilder paxHeader(char type, Map<String, byte[]> records) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> r : records.entrySet()) {
            byte[] key = r.getKey().getBytes(StandardCharsets.UTF_8);
            int body = 1 + key.length + 1 + r.getValue().length + 1; // ' ' key '=' value '\n'
            int length = body + String.valueOf(body).length();
            if (String.valueOf(length).length() != String.valueOf(body).length()) {
                length++;
            }
            data.writeBytes((length + " ").getBytes(StandardCharsets.US_ASCII));
            data.writeBytes(key);
            data.write('=');
            data.writeBytes(r.getValue());
            data.write('\n');
        }
        Header h = new Header("PaxHeaders/x", type);
        h.data = data.toByteArray();
        return add(h);
    }

    static Map<String, byte[]> records(String... keyValues) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return m;
    }

    /** A GNU long-name ('L') or long-link ('K') entry for the next entry. */
    TarBuilder gnuLong(char type, String value) {
        Header h = new Header("././@LongLink", type);
        h.data = (value + "\0").getBytes(StandardCharsets.UTF_8);
        return add(h);
    }

    TarBuilder add(Header h) {
        out.writeBytes(header(h));
        out.writeBytes(h.data);
        out.writeBytes(new byte[(512 - h.data.length % 512) % 512]);
        return this;
    }

    /** Raw bytes appended as they are (to build broken archives). */
    TarBuilder raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    byte[] header(Header h) {
        byte[] b = new byte[512];
        put(b, 0, 100, h.name.getBytes(StandardCharsets.UTF_8));
        octal(b, 100, 8, h.mode);
        octal(b, 108, 8, h.uid);
        octal(b, 116, 8, h.gid);
        long size = h.sizeOverride != null ? h.sizeOverride : h.data.length;
        if (h.base256Size) {
            b[124] = (byte) 0x80;
            for (int i = 0; i < 8; i++) {
                b[135 - i] = (byte) (size >>> (8 * i));
            }
        } else {
            octal(b, 124, 12, size);
        }
        octal(b, 136, 12, h.mtime);
        b[156] = (byte) h.type;
        put(b, 157, 100, h.linkName.getBytes(StandardCharsets.UTF_8));
        if (gnuMagic) {
            put(b, 257, 8, "ustar  \0".getBytes(StandardCharsets.US_ASCII));
        } else {
            put(b, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
            put(b, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
        }
        octal(b, 329, 8, h.devMajor);
        octal(b, 337, 8, h.devMinor);
        put(b, 345, 155, h.prefix.getBytes(StandardCharsets.UTF_8));
        Arrays.fill(b, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte x : b) {
            sum += x & 0xff;
        }
        byte[] chk = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(chk, 0, b, 148, 8);
        return b;
    }

    private static void put(byte[] b, int off, int len, byte[] value) {
        if (value.length > len) {
            throw new IllegalArgumentException("field too long: " + new String(value, StandardCharsets.UTF_8));
        }
        System.arraycopy(value, 0, b, off, value.length);
    }

    private static void octal(byte[] b, int off, int len, long value) {
        put(b, off, len, (String.format("%0" + (len - 1) + "o", value) + "\0").getBytes(StandardCharsets.US_ASCII));
    }

    /** The archive with its two zero end blocks. */
    byte[] build() {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(out.toByteArray());
        all.writeBytes(new byte[1024]);
        return all.toByteArray();
    }

    /** The archive as written so far, without end blocks. */
    byte[] buildWithoutEnd() {
        return out.toByteArray();
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
