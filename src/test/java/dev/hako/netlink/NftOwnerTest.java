package dev.hako.netlink;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Owner tags: their comment, a strict parser (a comment anyone may write to a rule must
 * not pass for hako's by accident), and liveness from a directory laid out like /proc.
 */
class NftOwnerTest {

    @Test
    void theCommentNamesContainerPidAndStartTime() {
        NftOwner o = new NftOwner("c0ffee", 4242, 987654);
        assertEquals("hako container=c0ffee pid=4242 start=987654", o.comment());
        assertEquals(Optional.of(o), NftOwner.parse(o.comment()));
        assertTrue(NftComment.encode(new NftOwner("x".repeat(64), Integer.MAX_VALUE, Long.MAX_VALUE).comment()).length
                <= NftComment.MAX_BYTES + 2);
    }

    @Test
    void onlyExactTagsParse() {
        for (String s : new String[] {"", "hako", "hako container=a pid=1", "hako container=a pid=1 start=1 ",
                " hako container=a pid=1 start=1", "hako container=a  pid=1 start=1", "hako container=a pid=0 start=1",
                "hako container=a pid=01 start=1", "hako container=a pid=-1 start=1", "hako container=a/b pid=1 start=1",
                "hako container= pid=1 start=1", "hako container=a pid=99999999999 start=1",
                "hako container=a pid=1 start=99999999999999999999", "HAKO container=a pid=1 start=1",
                "hako container=a pid=1 start=1\nx"}) {
            assertEquals(Optional.empty(), NftOwner.parse(s), "'" + s + "'");
        }
    }

    @Test
    void badOwnersAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new NftOwner("", 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new NftOwner("a b", 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new NftOwner("x".repeat(65), 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new NftOwner(null, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new NftOwner("a", 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new NftOwner("a", 1L << 32, 1));
        assertThrows(IllegalArgumentException.class, () -> new NftOwner("a", 1, -1));
    }

    private static void stat(Path proc, long pid, String comm, long start) throws IOException {
        Files.createDirectories(proc.resolve(Long.toString(pid)));
        StringBuilder s = new StringBuilder().append(pid).append(" (").append(comm).append(") S");
        for (int field = 4; field <= 21; field++) {
            s.append(' ').append(field);
        }
        s.append(' ').append(start).append(" 1000 2000\n");
        Files.writeString(proc.resolve(Long.toString(pid)).resolve("stat"), s);
    }

    @Test
    void aliveWhenThePidRunsAndStartedAtTheSameTick(@TempDir Path proc) throws IOException {
        stat(proc, 100, "java", 5555);
        stat(proc, 101, "evil) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 5555 (", 7777);
        assertTrue(new NftOwner("a", 100, 5555).isAlive(proc));
        assertFalse(new NftOwner("a", 100, 5556).isAlive(proc), "a reused pid");
        assertFalse(new NftOwner("a", 102, 5555).isAlive(proc), "no such pid");
        assertTrue(new NftOwner("a", 101, 7777).isAlive(proc), "fields counted after the comm's last ')'");
        assertFalse(new NftOwner("a", 101, 5555).isAlive(proc));
    }

    @Test
    void aTruncatedStatIsAnError(@TempDir Path proc) throws IOException {
        Files.createDirectories(proc.resolve("7"));
        Files.writeString(proc.resolve("7/stat"), "7 (x) S 1 2 3");
        IOException e = assertThrows(IOException.class, () -> new NftOwner("a", 7, 1).isAlive(proc));
        assertTrue(e.getMessage().contains("too few"), e.getMessage());
        Files.writeString(proc.resolve("7/stat"), "garbage without parentheses");
        assertThrows(IOException.class, () -> new NftOwner("a", 7, 1).isAlive(proc));
    }

    @Test
    void thisJvmIsAlive() throws IOException {
        NftOwner me = NftOwner.current("me");
        assertEquals(ProcessHandle.current().pid(), me.pid());
        assertTrue(me.isAlive());
        assertFalse(new NftOwner("me", me.pid(), me.startTime() + 1).isAlive());
    }
}
