package dev.hako.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a tar stream entry by entry: ustar, GNU and PAX, as written by Docker, Go's
 * archive/tar, GNU tar and bsdtar. Long names come from PAX {@code path}/{@code linkpath}
 * or GNU {@code L}/{@code K} entries, large numbers from PAX records or GNU base-256
 * fields, extended attributes from PAX {@code SCHILY.xattr.*}.
 *
 * <p>It is strict where leniency would let two readers see different archives: a header
 * whose checksum is wrong, a stream that ends inside a header, inside data or inside its
 * padding, a directory or link header that claims data, malformed PAX records, duplicate
 * extension headers and entry types it does not know are all errors, not guesses. An
 * archive may end with zero blocks or, as some writers do, right after the last entry.
 *
 * <p>Not supported, with an error saying so: sparse files (GNU {@code S}, PAX
 * {@code GNU.sparse.*}), multi-volume archives, names that are not UTF-8.
 */
final class TarReader {
    static final int BLOCK = 512;
    /** PAX and GNU long-name data is held in memory: cap it, no real archive needs more. */
    static final int MAX_EXTENSION_SIZE = 1 << 20;

    private static final String XATTR_PREFIX = "SCHILY.xattr.";

    private final InputStream in;
    private final byte[] header = new byte[BLOCK];
    private final byte[] scratch = new byte[8192];
    private final Map<String, byte[]> globalPax = new HashMap<>();
    private long position;
    private long remaining;
    private long padding;
    private TarEntry current;
    private boolean ended;

    TarReader(InputStream in) {
        this.in = in;
    }

    /** Bytes consumed from the underlying stream so far. */
    long position() {
        return position;
    }

    /**
     * Advances to the next entry, skipping what is left of the current one's data. Returns
     * null at the end of the archive.
     */
    TarEntry next() throws IOException {
        if (ended) {
            return null;
        }
        skipRestOfEntry();
        current = null;
        String longName = null;
        String longLink = null;
        Map<String, byte[]> pax = null;
        long firstHeader = position;
        while (true) {
            long at = position;
            if (!readHeader()) {
                ended = true;
                if (longName != null || longLink != null || pax != null) {
                    throw new ImageException("tar archive ends after an extension header at byte " + at
                            + ", without the entry it describes: the archive is truncated");
                }
                return null;
            }
            char flag = (char) (header[156] & 0xff);
            long size = number(124, 12, "size", at);
            switch (flag) {
                case 'x' -> {
                    if (pax != null) {
                        throw new ImageException("two PAX extended headers in a row at byte " + at
                                + " of the tar archive: malformed archive");
                    }
                    pax = parsePax(readExtension(size, "PAX extended header", at), at);
                }
                case 'g' -> {
                    for (Map.Entry<String, byte[]> r : parsePax(readExtension(size, "PAX global header", at), at).entrySet()) {
                        if (r.getValue().length == 0) {
                            globalPax.remove(r.getKey());
                        } else {
                            globalPax.put(r.getKey(), r.getValue());
                        }
                    }
                }
                case 'L' -> {
                    if (longName != null) {
                        throw new ImageException("two GNU long-name headers in a row at byte " + at
                                + " of the tar archive: malformed archive");
                    }
                    longName = cString(readExtension(size, "GNU long name", at), "GNU long name", at);
                }
                case 'K' -> {
                    if (longLink != null) {
                        throw new ImageException("two GNU long-link headers in a row at byte " + at
                                + " of the tar archive: malformed archive");
                    }
                    longLink = cString(readExtension(size, "GNU long link name", at), "GNU long link name", at);
                }
                case 'V' -> skipData(size, at) /* a volume label: no file */;
                default -> {
                    current = entry(flag, size, longName, longLink, pax, firstHeader, at);
                    remaining = current.size();
                    padding = padding(remaining);
                    return current;
                }
            }
        }
    }

    /**
     * The current entry's data: at most its size, then end of stream. A stream that ends
     * early is reported as a truncated archive.
     */
    InputStream data() {
        TarEntry entry = current;
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (entry != current || remaining == 0) {
                    return -1;
                }
                if (len == 0) {
                    return 0;
                }
                int n = in.read(b, off, (int) Math.min(len, remaining));
                if (n < 0) {
                    throw truncatedData(entry);
                }
                remaining -= n;
                position += n;
                return n;
            }
        };
    }

    private TarEntry entry(char flag, long headerSize, String longName, String longLink,
                           Map<String, byte[]> localPax, long firstHeader, long at) throws IOException {
        Map<String, byte[]> pax = new HashMap<>(globalPax);
        if (localPax != null) {
            for (Map.Entry<String, byte[]> r : localPax.entrySet()) {
                if (r.getValue().length == 0) {
                    pax.remove(r.getKey()); // an empty value unsets a global one
                } else {
                    pax.put(r.getKey(), r.getValue());
                }
            }
        }
        for (String key : pax.keySet()) {
            if (key.startsWith("GNU.sparse.")) {
                throw new ImageException("tar entry at byte " + at + " is a sparse file (PAX " + key
                        + "), which hako does not support: rebuild the layer without sparse files");
            }
        }

        boolean posix = Arrays.equals(header, 257, 263, new byte[] {'u', 's', 't', 'a', 'r', 0}, 0, 6);
        String name;
        if (pax.containsKey("path")) {
            name = text(pax.get("path"), "PAX path", at);
        } else if (longName != null) {
            name = longName;
        } else {
            name = field(0, 100, "name", at);
            String prefix = posix ? field(345, 155, "name prefix", at) : "";
            if (!prefix.isEmpty()) {
                name = prefix + "/" + name;
            }
        }
        String linkName = pax.containsKey("linkpath") ? text(pax.get("linkpath"), "PAX linkpath", at)
                : longLink != null ? longLink : field(157, 100, "link name", at);

        TarEntry.Type type = switch (flag) {
            case '0', '7' -> TarEntry.Type.FILE;
            case '\0' -> name.endsWith("/") ? TarEntry.Type.DIRECTORY : TarEntry.Type.FILE; // pre-POSIX tar
            case '1' -> TarEntry.Type.HARDLINK;
            case '2' -> TarEntry.Type.SYMLINK;
            case '3' -> TarEntry.Type.CHAR_DEVICE;
            case '4' -> TarEntry.Type.BLOCK_DEVICE;
            case '5' -> TarEntry.Type.DIRECTORY;
            case '6' -> TarEntry.Type.FIFO;
            case 'S' -> throw new ImageException("tar entry '" + name + "' at byte " + at
                    + " is a GNU sparse file, which hako does not support: rebuild the layer without sparse files");
            case 'M', 'N' -> throw new ImageException("tar entry '" + name + "' at byte " + at
                    + " is a GNU multi-volume or old long-name entry (type '" + flag + "'), which hako does not support");
            default -> throw new ImageException("tar entry '" + name + "' at byte " + at + " has the unknown type '"
                    + printable(flag) + "': refused rather than guessed");
        };

        long size = pax.containsKey("size") ? paxNumber(pax.get("size"), "size", at) : headerSize;
        if (type.headerOnly() && size != 0) {
            throw new ImageException("tar header of the " + type + " '" + name + "' at byte " + at + " claims "
                    + size + " bytes of data, which such an entry cannot have: malformed archive");
        }
        long uid = pax.containsKey("uid") ? paxNumber(pax.get("uid"), "uid", at) : number(108, 8, "uid", at);
        long gid = pax.containsKey("gid") ? paxNumber(pax.get("gid"), "gid", at) : number(116, 8, "gid", at);
        Instant mtime = pax.containsKey("mtime") ? paxTime(pax.get("mtime"), "mtime", at)
                : Instant.ofEpochSecond(number(136, 12, "mtime", at));
        Instant atime = pax.containsKey("atime") ? paxTime(pax.get("atime"), "atime", at) : null;
        int mode = (int) (number(100, 8, "mode", at) & 07777);
        int major = 0;
        int minor = 0;
        if (type == TarEntry.Type.CHAR_DEVICE || type == TarEntry.Type.BLOCK_DEVICE) {
            major = (int) number(329, 8, "devmajor", at);
            minor = (int) number(337, 8, "devminor", at);
        }
        Map<String, byte[]> xattrs = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> r : pax.entrySet()) {
            if (r.getKey().startsWith(XATTR_PREFIX) && r.getKey().length() > XATTR_PREFIX.length()) {
                xattrs.put(r.getKey().substring(XATTR_PREFIX.length()), r.getValue());
            }
        }
        return new TarEntry(name, type, mode, uid, gid, size, mtime, atime, linkName, major, minor,
                Collections.unmodifiableMap(xattrs), firstHeader, position);
    }

    /** Reads one header block; false at the end of the archive (end of stream or a zero block). */
    private boolean readHeader() throws IOException {
        long at = position;
        int got = readFully(header, 0, BLOCK);
        if (got == 0) {
            return false;
        }
        if (got < BLOCK) {
            throw new ImageException("tar archive ends in the middle of a header at byte " + at + " (" + got
                    + " of " + BLOCK + " bytes): the archive is truncated");
        }
        boolean zero = true;
        for (byte b : header) {
            if (b != 0) {
                zero = false;
                break;
            }
        }
        if (zero) {
            return false;
        }
        long stored;
        try {
            stored = number(148, 8, "checksum", at);
        } catch (ImageException e) {
            throw new ImageException("tar header at byte " + at + " has a bad checksum (the field is not a number):"
                    + " the archive is corrupt or not a tar archive");
        }
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int b = i >= 148 && i < 156 ? ' ' : header[i];
            unsigned += b & 0xff;
            signed += (byte) b;
        }
        if (stored != unsigned && stored != signed) {
            throw new ImageException("tar header at byte " + at + " has a bad checksum (stored " + stored
                    + ", computed " + unsigned + "): the archive is corrupt or not a tar archive");
        }
        return true;
    }

    private byte[] readExtension(long size, String what, long at) throws IOException {
        if (size > MAX_EXTENSION_SIZE) {
            throw new ImageException(what + " at byte " + at + " of the tar archive is " + size
                    + " bytes, more than the " + MAX_EXTENSION_SIZE + " hako accepts");
        }
        byte[] data = new byte[(int) size];
        if (readFully(data, 0, data.length) < data.length) {
            throw new ImageException("tar archive ends in the middle of the " + what + " at byte " + at
                    + ": the archive is truncated");
        }
        skipExactly(padding(size), () -> new ImageException("tar archive ends in the padding of the " + what
                + " at byte " + at + ": the archive is truncated"));
        return data;
    }

    private void skipData(long size, long at) throws IOException {
        skipExactly(size + padding(size), () -> new ImageException("tar archive ends in the data of the entry at byte "
                + at + ": the archive is truncated"));
    }

    private void skipRestOfEntry() throws IOException {
        if (current == null) {
            return;
        }
        TarEntry entry = current;
        long data = remaining;
        remaining = 0;
        skipExactly(data, () -> truncatedData(entry));
        long pad = padding;
        padding = 0;
        skipExactly(pad, () -> new ImageException("tar archive ends in the padding after '" + entry.name()
                + "': the archive is truncated"));
    }

    private ImageException truncatedData(TarEntry entry) {
        return new ImageException("tar archive ends in the data of '" + entry.name() + "' (byte "
                + (position - entry.dataOffset()) + " of " + entry.size() + "): the archive is truncated");
    }

    private interface Failure {
        ImageException get();
    }

    private void skipExactly(long n, Failure truncated) throws IOException {
        while (n > 0) {
            long s = in.skip(n);
            if (s <= 0) {
                int r = in.read(scratch, 0, (int) Math.min(n, scratch.length));
                if (r < 0) {
                    throw truncated.get();
                }
                s = r;
            }
            n -= s;
            position += s;
        }
    }

    private int readFully(byte[] b, int off, int len) throws IOException {
        int done = 0;
        while (done < len) {
            int r = in.read(b, off + done, len - done);
            if (r < 0) {
                break;
            }
            done += r;
            position += r;
        }
        return done;
    }

    private static long padding(long size) {
        return (BLOCK - size % BLOCK) % BLOCK;
    }

    /**
     * A numeric header field: octal digits, space or NUL terminated, or GNU base-256 (the
     * first byte's top bit set, two's complement big-endian in the rest).
     */
    private long number(int off, int len, String field, long at) throws ImageException {
        if ((header[off] & 0x80) != 0) {
            boolean negative = (header[off] & 0x40) != 0;
            long value = negative ? -1 : 0;
            for (int i = 0; i < len; i++) {
                int b = header[off + i] & 0xff;
                if (i == 0) {
                    b = negative ? b | 0x80 : b & 0x7f;
                }
                if (i > 0 && (negative ? value < (Long.MIN_VALUE >> 8) : value > (Long.MAX_VALUE >> 8))) {
                    throw badField(field, at);
                }
                value = (value << 8) | b;
            }
            return value;
        }
        int i = off;
        int end = off + len;
        while (i < end && (header[i] == ' ' || header[i] == 0)) {
            i++;
        }
        long value = 0;
        for (; i < end && header[i] != ' ' && header[i] != 0; i++) {
            int digit = header[i] - '0';
            if (digit < 0 || digit > 7 || value > (Long.MAX_VALUE >> 3)) {
                throw badField(field, at);
            }
            value = (value << 3) | digit;
        }
        for (; i < end; i++) {
            if (header[i] != ' ' && header[i] != 0) {
                throw badField(field, at);
            }
        }
        return value;
    }

    private ImageException badField(String field, long at) {
        int off = switch (field) {
            case "mode" -> 100;
            case "uid" -> 108;
            case "gid" -> 116;
            case "size" -> 124;
            case "mtime" -> 136;
            case "checksum" -> 148;
            case "devmajor" -> 329;
            default -> 337;
        };
        int len = field.equals("size") || field.equals("mtime") ? 12 : 8;
        String raw = new String(header, off, len, StandardCharsets.ISO_8859_1).replace("\0", "\\0");
        return new ImageException("tar header at byte " + at + " has a malformed " + field + " field '" + raw
                + "': the archive is corrupt or not a tar archive");
    }

    /** A NUL-terminated header field as UTF-8. */
    private String field(int off, int len, String what, long at) throws ImageException {
        int end = off;
        while (end < off + len && header[end] != 0) {
            end++;
        }
        return utf8(header, off, end - off, what, at);
    }

    private static String cString(byte[] data, String what, long at) throws ImageException {
        int end = 0;
        while (end < data.length && data[end] != 0) {
            end++;
        }
        return utf8(data, 0, end, what, at);
    }

    private static String text(byte[] value, String what, long at) throws ImageException {
        return utf8(value, 0, value.length, what, at);
    }

    private static String utf8(byte[] b, int off, int len, String what, long at) throws ImageException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, off, len)).toString();
        } catch (CharacterCodingException e) {
            throw new ImageException("the " + what + " of the tar entry at byte " + at
                    + " is not UTF-8, which hako does not support: "
                    + new String(b, off, len, StandardCharsets.ISO_8859_1));
        }
    }

    /** PAX records: {@code "<length> <key>=<value>\n"}, the length counting the whole record. */
    static Map<String, byte[]> parsePax(byte[] data, long at) throws ImageException {
        Map<String, byte[]> records = new LinkedHashMap<>();
        int i = 0;
        while (i < data.length) {
            int space = i;
            long length = 0;
            while (space < data.length && data[space] >= '0' && data[space] <= '9' && length < data.length) {
                length = length * 10 + (data[space] - '0');
                space++;
            }
            if (space == i || space >= data.length || data[space] != ' ' || length <= space - i + 1
                    || i + length > data.length || data[(int) (i + length - 1)] != '\n') {
                throw new ImageException("malformed PAX record at offset " + i + " of the extended header at byte "
                        + at + " of the tar archive");
            }
            int end = (int) (i + length - 1);
            int equals = space + 1;
            while (equals < end && data[equals] != '=') {
                equals++;
            }
            if (equals == end || equals == space + 1) {
                throw new ImageException("PAX record without key=value at offset " + i
                        + " of the extended header at byte " + at + " of the tar archive");
            }
            String key = utf8(data, space + 1, equals - space - 1, "PAX record key", at);
            if (key.indexOf('\0') >= 0) {
                throw new ImageException("PAX record key with a NUL byte in the extended header at byte " + at);
            }
            records.put(key, Arrays.copyOfRange(data, equals + 1, end));
            i = (int) (i + length);
        }
        return records;
    }

    private static long paxNumber(byte[] value, String key, long at) throws ImageException {
        String s = text(value, "PAX " + key, at);
        if (!s.matches("[0-9]{1,18}")) {
            throw new ImageException("PAX record " + key + "=" + s + " of the tar entry at byte " + at
                    + " is not a non-negative decimal number");
        }
        return Long.parseLong(s);
    }

    /** A PAX time: decimal seconds since the epoch, maybe negative, maybe with a fraction. */
    private static Instant paxTime(byte[] value, String key, long at) throws ImageException {
        String s = text(value, "PAX " + key, at);
        if (!s.matches("-?[0-9]{1,18}(\\.[0-9]*)?")) {
            throw new ImageException("PAX record " + key + "=" + s + " of the tar entry at byte " + at
                    + " is not a time in seconds");
        }
        int dot = s.indexOf('.');
        String whole = dot < 0 ? s : s.substring(0, dot);
        String fraction = dot < 0 ? "" : s.substring(dot + 1);
        long seconds = Long.parseLong(whole);
        long nanos = fraction.isEmpty() ? 0 : Long.parseLong((fraction + "000000000").substring(0, 9));
        boolean negative = whole.startsWith("-");
        return negative ? Instant.ofEpochSecond(seconds, -nanos) : Instant.ofEpochSecond(seconds, nanos);
    }

    private static String printable(char c) {
        return c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c);
    }
}
