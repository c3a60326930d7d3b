package dev.hako.userns;

import dev.hako.linux.FileCalls;
import dev.hako.linux.linux_h;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading /etc/subuid and /etc/subgid as shadow-utils does, and refusing files that are not small regular files. */
@Timeout(30)
class SubordinateIdsTest {

    @TempDir
    Path tmp;

    private static SubordinateIds.Entries parse(String text) {
        return SubordinateIds.parse(Path.of("/etc/subuid"), text);
    }

    @Test
    void linesMatchByNameOrByUidInFileOrder() {
        SubordinateIds.Entries e = parse("alice:100000:65536\nbob:165536:65536\n1000:300000:10\nalice:231072:5\n");
        assertEquals(List.of(new SubordinateIds.Range("alice", 100000, 65536), new SubordinateIds.Range("1000", 300000, 10),
                new SubordinateIds.Range("alice", 231072, 5)), e.of("alice", 1000));
        assertEquals(List.of(new SubordinateIds.Range("bob", 165536, 65536)), e.of("bob", 1001));
        assertEquals(List.of(new SubordinateIds.Range("1000", 300000, 10)), e.of(null, 1000), "no name: by uid only");
        assertEquals(List.of(), e.of("carol", 1002));
        assertEquals(List.of(), e.ignored());
        assertTrue(e.exists());
    }

    @Test
    void aNameIsMatchedWholeNotAsAPrefix() {
        SubordinateIds.Entries e = parse("alice2:100000:10\n10000:200000:10\n");
        assertEquals(List.of(), e.of("alice", 1000), "neither alice2 nor uid 10000 is alice (uid 1000)");
    }

    @Test
    void commentsAndBlankLinesAreSkippedSilently() {
        SubordinateIds.Entries e = parse("# granted by hand\n\n   \nalice:100000:65536\n#alice:1:1\n");
        assertEquals(1, e.ranges().size());
        assertEquals(List.of(), e.ignored(), "comments and blank lines are not malformed");
    }

    @Test
    void malformedLinesAreIgnoredLikeShadowUtilsAndReported() {
        String text = String.join("\n",
                "alice:100000",                 // 2 fields
                "alice:100000:65536:x",         // 4 fields
                ":100000:65536",                // no owner
                "alice:abc:65536",              // start not a number
                "alice:100000:",                // empty count
                "alice:100000:0",               // count 0
                "alice:4294967290:10",          // past the largest id
                "alice:-5:10",                  // a sign
                "alice: 100000:10",             // a space
                "alice:100000:10\r",            // a carriage return
                "alice:１２３:10",               // digits of another script
                "alice:500000:100",             // the one good line
                "");
        SubordinateIds.Entries e = parse(text);
        assertEquals(List.of(new SubordinateIds.Range("alice", 500000, 100)), e.of("alice", 1000),
                "a malformed line grants nothing; the rest of the file still counts");
        List<String> reasons = e.ignored().stream().map(SubordinateIds.IgnoredLine::reason).toList();
        assertEquals(11, e.ignored().size(), e.ignored().toString());
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
                e.ignored().stream().map(SubordinateIds.IgnoredLine::number).toList(), "line numbers from 1");
        assertEquals("not three fields name:start:count", reasons.get(0));
        assertEquals("not three fields name:start:count", reasons.get(1));
        assertEquals("no owner", reasons.get(2));
        assertEquals("the start is not a number", reasons.get(3));
        assertEquals("the count is not a number", reasons.get(4));
        assertEquals("a count of 0", reasons.get(5));
        assertTrue(reasons.get(6).startsWith("runs past the largest id"), reasons.get(6));
        assertEquals("the start is not a number", reasons.get(7));
        assertEquals("the start is not a number", reasons.get(8));
        assertEquals("the count is not a number", reasons.get(9));
        assertEquals("the start is not a number", reasons.get(10));
        assertEquals("line 4 \"alice:abc:65536\": the start is not a number", e.ignored().get(3).toString());
    }

    @Test
    void numbersAreReadAsStrtoulWithBaseZeroReadsThem() {
        // shadow-utils' getulong is strtoul(s, NULL, 0): hex and octal count as it reads them,
        // so hako's idea of a user's ids is newuidmap's.
        assertEquals(100000, SubordinateIds.number("100000"));
        assertEquals(0x186a0, SubordinateIds.number("0x186a0"));
        assertEquals(0x186a0, SubordinateIds.number("0X186A0"));
        assertEquals(32768, SubordinateIds.number("0100000"), "a leading 0 is octal");
        assertEquals(0, SubordinateIds.number("0"));
        assertEquals(-1, SubordinateIds.number("08"), "8 is no octal digit");
        assertEquals(-1, SubordinateIds.number("0x"));
        assertEquals(-1, SubordinateIds.number(""));
        assertEquals(-1, SubordinateIds.number("+1"));
        assertEquals(-1, SubordinateIds.number("99999999999999999999"));
        assertEquals(new SubordinateIds.Range("alice", 0x10000, 0x10000), parse("alice:0x10000:0x10000").ranges().get(0));
    }

    @Test
    void theLastIdMayBeMappedButNotOnePast() {
        assertEquals(1, parse("alice:4294967294:1").ranges().size());
        assertEquals(1, parse("alice:4294967295:1").ignored().size(), "(uid_t) -1 is no id");
    }

    @Test
    void aMissingFileMeansNoRanges() throws IOException {
        SubordinateIds.Entries e = SubordinateIds.read(tmp.resolve("subuid"));
        assertFalse(e.exists());
        assertEquals(List.of(), e.ranges());
        assertEquals(List.of(), SubordinateIds.of(tmp.resolve("missing/dir/subuid"), "alice", 1000));
    }

    @Test
    void aRegularFileIsRead() throws IOException {
        Path file = Files.writeString(tmp.resolve("subuid"), "alice:100000:65536\n");
        assertEquals(List.of(new SubordinateIds.Range("alice", 100000, 65536)), SubordinateIds.of(file, "alice", 1000));
        Path link = tmp.resolve("link");
        Files.createSymbolicLink(link, file);
        assertEquals(1, SubordinateIds.of(link, "alice", 1000).size(), "a symlink to a regular file is followed");
        Path relative = Path.of("").toAbsolutePath().relativize(file);
        assertEquals(1, SubordinateIds.of(relative, "alice", 1000).size(), "a relative path, from the working directory");
    }

    @Test
    void aFifoIsRefusedWithoutBlocking() throws IOException {
        Path fifo = tmp.resolve("subuid");
        FileCalls.mknod(fifo, linux_h.S_IFIFO() | 0600, 0);
        IOException e = assertThrows(IOException.class, () -> SubordinateIds.read(fifo));
        assertEquals(fifo + " is a FIFO: not read (subordinate ids must be a regular file of at most "
                + SubordinateIds.MAX_BYTES + " bytes, lines name:start:count)", e.getMessage());
    }

    @Test
    void aSymlinkToDevZeroIsRefusedNotReadForever() throws IOException {
        Path link = tmp.resolve("subgid");
        Files.createSymbolicLink(link, Path.of("/dev/zero"));
        IOException e = assertThrows(IOException.class, () -> SubordinateIds.read(link));
        assertTrue(e.getMessage().startsWith(link + " is a character device: not read"), e.getMessage());
    }

    @Test
    void aDeviceIsRefused() {
        IOException e = assertThrows(IOException.class, () -> SubordinateIds.read(Path.of("/dev/null")));
        assertTrue(e.getMessage().startsWith("/dev/null is a character device"), e.getMessage());
    }

    @Test
    void aDirectoryIsRefused() {
        IOException e = assertThrows(IOException.class, () -> SubordinateIds.read(tmp));
        assertTrue(e.getMessage().startsWith(tmp + " is a directory"), e.getMessage());
    }

    @Test
    void aHugeFileIsRefusedBeforeItIsRead() throws IOException {
        Path huge = tmp.resolve("subuid");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(1L << 40); // sparse: a terabyte of nothing
        }
        IOException e = assertThrows(IOException.class, () -> SubordinateIds.read(huge));
        assertTrue(e.getMessage().startsWith(huge + " is a file of " + (1L << 40) + " bytes, more than the "
                + SubordinateIds.MAX_BYTES + " read"), e.getMessage());
    }

    @Test
    void aMagicLinkIsRefused() {
        // /proc/self/fd/N and friends can point anywhere: never followed.
        IOException e = assertThrows(IOException.class, () -> SubordinateIds.read(Path.of("/proc/self/exe")));
        assertTrue(e.getMessage().startsWith("cannot read /proc/self/exe: "), e.getMessage());
        assertTrue(e.getMessage().contains("ELOOP"), e.getMessage());
    }

    @Test
    void aFileAtTheLimitIsRead() throws IOException {
        Path file = tmp.resolve("subuid");
        String line = "alice:100000:65536\n";
        StringBuilder s = new StringBuilder();
        while (s.length() + line.length() <= SubordinateIds.MAX_BYTES) {
            s.append(line);
        }
        Files.writeString(file, s);
        SubordinateIds.Entries e = SubordinateIds.read(file);
        assertEquals(s.length() / line.length(), e.ranges().size());
    }
}
