package dev.hako.image;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TarReaderTest {

    private record Read(TarEntry entry, byte[] data) {
    }

    private static List<Read> readAll(byte[] archive) throws IOException {
        TarReader reader = new TarReader(new ByteArrayInputStream(archive));
        List<Read> out = new ArrayList<>();
        for (TarEntry e; (e = reader.next()) != null; ) {
            out.add(new Read(e, reader.data().readAllBytes()));
        }
        return out;
    }

    private static String message(byte[] archive) {
        return assertThrows(ImageException.class, () -> readAll(archive)).getMessage();
    }

    @Test
    void readsUstarEntriesOfEveryType() throws IOException {
        TarBuilder.Header prefixed = new TarBuilder.Header("file.txt", '0');
        prefixed.prefix = "a/" + "d".repeat(120);
        prefixed.data = "deep".getBytes(StandardCharsets.UTF_8);
        byte[] tar = new TarBuilder()
                .dir("etc/", 0755)
                .file("etc/hosts", 0640, "127.0.0.1 localhost\n")
                .symlink("etc/link", "hosts")
                .hardlink("etc/hard", "etc/hosts")
                .charDevice("dev/null", 1, 3)
                .fifo("run/fifo")
                .owned("bin/su", 04755, 0, 0, "su")
                .add(prefixed)
                .build();
        List<Read> all = readAll(tar);
        assertEquals(8, all.size());

        TarEntry dir = all.get(0).entry();
        assertEquals("etc/", dir.name());
        assertEquals(TarEntry.Type.DIRECTORY, dir.type());
        assertEquals(0755, dir.mode());
        assertEquals(Instant.ofEpochSecond(TarBuilder.MTIME), dir.mtime());

        assertEquals(TarEntry.Type.FILE, all.get(1).entry().type());
        assertEquals(0640, all.get(1).entry().mode());
        assertEquals("127.0.0.1 localhost\n", new String(all.get(1).data(), StandardCharsets.UTF_8));
        assertEquals(512, all.get(1).entry().headerOffset());
        assertEquals(1024, all.get(1).entry().dataOffset());

        assertEquals(TarEntry.Type.SYMLINK, all.get(2).entry().type());
        assertEquals("hosts", all.get(2).entry().linkName());
        assertEquals(TarEntry.Type.HARDLINK, all.get(3).entry().type());
        assertEquals("etc/hosts", all.get(3).entry().linkName());
        TarEntry dev = all.get(4).entry();
        assertEquals(TarEntry.Type.CHAR_DEVICE, dev.type());
        assertEquals(1, dev.devMajor());
        assertEquals(3, dev.devMinor());
        assertEquals(TarEntry.Type.FIFO, all.get(5).entry().type());
        assertEquals(04755, all.get(6).entry().mode());
        assertEquals("a/" + "d".repeat(120) + "/file.txt", all.get(7).entry().name());
        assertEquals("deep", new String(all.get(7).data(), StandardCharsets.UTF_8));
    }

    @Test
    void paxLongNamesLinksOwnersTimesAndXattrs() throws IOException {
        String longName = "usr/share/" + "n".repeat(200) + "/file";
        String longTarget = "../" + "t".repeat(150);
        byte[] binary = {0, 1, 2, (byte) 0xff, '\n', '='};
        Map<String, byte[]> records = TarBuilder.records("path", longName, "uid", "3000000", "gid", "42",
                "mtime", "1700000000.25", "atime", "1600000000", "SCHILY.xattr.user.comment", "hi");
        records.put("SCHILY.xattr.security.capability", binary);
        byte[] tar = new TarBuilder()
                .pax(records)
                .file("truncated-name", 0755, "x")
                .pax(TarBuilder.records("linkpath", longTarget))
                .symlink("link", "short")
                .build();
        List<Read> all = readAll(tar);
        assertEquals(2, all.size());
        TarEntry e = all.get(0).entry();
        assertEquals(longName, e.name());
        assertEquals(3000000, e.uid());
        assertEquals(42, e.gid());
        assertEquals(Instant.ofEpochSecond(1700000000L, 250_000_000), e.mtime());
        assertEquals(Instant.ofEpochSecond(1600000000L), e.atime());
        assertEquals(0, e.headerOffset(), "offset of the first extension header");
        assertArrayEquals("hi".getBytes(StandardCharsets.UTF_8), e.xattrs().get("user.comment"));
        assertArrayEquals(binary, e.xattrs().get("security.capability"));
        assertEquals(longTarget, all.get(1).entry().linkName());
        assertTrue(all.get(1).entry().xattrs().isEmpty(), "PAX records apply to one entry only");
    }

    @Test
    void paxGlobalHeadersApplyUntilUnset() throws IOException {
        byte[] tar = new TarBuilder()
                .paxGlobal(TarBuilder.records("uid", "7"))
                .file("a", "a")
                .pax(TarBuilder.records("uid", "8"))
                .file("b", "b")
                .paxGlobal(TarBuilder.records("uid", ""))
                .file("c", "c")
                .build();
        List<Read> all = readAll(tar);
        assertEquals(List.of(7L, 8L, 0L), all.stream().map(r -> r.entry().uid()).toList());
    }

    @Test
    void gnuLongNameAndLongLink() throws IOException {
        String longName = "opt/" + "x".repeat(300);
        String longLink = "/usr/" + "y".repeat(300);
        byte[] tar = new TarBuilder().gnu()
                .gnuLong('L', longName)
                .gnuLong('K', longLink)
                .symlink("ignored", "ignored")
                .file("after", "data")
                .build();
        List<Read> all = readAll(tar);
        assertEquals(longName, all.get(0).entry().name());
        assertEquals(longLink, all.get(0).entry().linkName());
        assertEquals("after", all.get(1).entry().name());
        assertEquals("data", new String(all.get(1).data(), StandardCharsets.UTF_8));
    }

    @Test
    void base256SizeField() throws IOException {
        TarBuilder.Header h = new TarBuilder.Header("big", '0');
        h.data = new byte[1000];
        h.base256Size = true;
        List<Read> all = readAll(new TarBuilder().add(h).file("next", "n").build());
        assertEquals(1000, all.get(0).entry().size());
        assertEquals("next", all.get(1).entry().name());
    }

    @Test
    void skipsUnreadDataAndAcceptsAnArchiveWithoutEndBlocks() throws IOException {
        byte[] tar = new TarBuilder().file("a", "x".repeat(700)).file("b", "bee").buildWithoutEnd();
        TarReader reader = new TarReader(new ByteArrayInputStream(tar));
        assertEquals("a", reader.next().name());
        TarEntry b = reader.next();
        assertEquals("b", b.name());
        assertEquals("bee", new String(reader.data().readAllBytes(), StandardCharsets.UTF_8));
        assertNull(reader.next());
        assertNull(reader.next());
    }

    @Test
    void badChecksumIsRefused() {
        byte[] tar = new TarBuilder().file("a", "hello").build();
        tar[0] = 'b'; // the name changes, the stored checksum does not
        String m = message(tar);
        assertTrue(m.contains("tar header at byte 0 has a bad checksum"), m);
    }

    @Test
    void truncatedInTheHeaderIsRefused() {
        byte[] full = new TarBuilder().file("a", "hello").file("b", "world").build();
        String m = message(Arrays.copyOf(full, 1024 + 100));
        assertTrue(m.contains("ends in the middle of a header at byte 1024 (100 of 512 bytes)"), m);
        assertTrue(m.contains("truncated"), m);
    }

    @Test
    void truncatedInTheDataIsRefused() {
        byte[] full = new TarBuilder().file("a", "x".repeat(2000)).build();
        String m = message(Arrays.copyOf(full, 512 + 1000));
        assertTrue(m.contains("ends in the data of 'a' (byte 1000 of 2000)"), m);

        // also when the data is skipped rather than read
        String skipped = assertThrows(ImageException.class, () -> {
            TarReader r = new TarReader(new ByteArrayInputStream(Arrays.copyOf(full, 512 + 1000)));
            r.next();
            r.next();
        }).getMessage();
        assertTrue(skipped.contains("ends in the data of 'a'"), skipped);
    }

    @Test
    void malformedHeadersAreRefused() {
        TarBuilder.Header dirWithData = new TarBuilder.Header("d/", '5');
        dirWithData.sizeOverride = 512L;
        assertTrue(message(new TarBuilder().add(dirWithData).build()).contains("claims 512 bytes of data"));

        TarBuilder.Header unknown = new TarBuilder.Header("weird", 'Z');
        assertTrue(message(new TarBuilder().add(unknown).build()).contains("unknown type 'Z'"));

        TarBuilder.Header sparse = new TarBuilder.Header("holes", 'S');
        assertTrue(message(new TarBuilder().add(sparse).build()).contains("sparse"));

        byte[] paxSparse = new TarBuilder().pax(TarBuilder.records("GNU.sparse.major", "1")).file("f", "x").build();
        assertTrue(message(paxSparse).contains("sparse file"));

        TarBuilder.Header badPax = new TarBuilder.Header("PaxHeaders/x", 'x');
        badPax.data = "99 path=x\n".getBytes(StandardCharsets.UTF_8);
        assertTrue(message(new TarBuilder().add(badPax).file("f", "x").build()).contains("malformed PAX record"));

        TarBuilder.Header latin1 = new TarBuilder.Header("caf\u00e9", '0');
        byte[] tar = new TarBuilder().add(latin1).build();
        // rewrite the name as ISO-8859-1 and fix the checksum: valid tar, but not UTF-8
        tar[3] = (byte) 0xe9;
        tar[4] = 0;
        Arrays.fill(tar, 148, 156, (byte) ' ');
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += tar[i] & 0xff;
        }
        System.arraycopy(String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII), 0, tar, 148, 8);
        assertTrue(message(tar).contains("not UTF-8"));
    }
}
