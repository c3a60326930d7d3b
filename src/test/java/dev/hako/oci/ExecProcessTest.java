package dev.hako.oci;

import dev.hako.linux.FileCalls;
import dev.hako.linux.linux_h;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** exec's --process file, which an engine writes: hostile ones are refused unread. */
class ExecProcessTest {

    private static ExecOptions process(Path file) {
        return new ExecOptions(file, List.of(), false, true, null, null, List.of(), null, null, 0);
    }

    @Test
    @Timeout(10)
    void aFifoIsRefusedWithoutBlocking(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("process.json");
        FileCalls.mknod(fifo, linux_h.S_IFIFO() | 0600, 0);
        OciException e = assertThrows(OciException.class, () -> ExecProcess.of(process(fifo), dir));
        assertEquals("open --process " + fifo + ": no such file (or not a regular file)", e.getMessage());
    }

    @Test
    void aHugeFileIsRefusedUnread(@TempDir Path dir) throws Exception {
        Path big = dir.resolve("process.json");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(100L << 20); // sparse
        }
        OciException e = assertThrows(OciException.class, () -> ExecProcess.of(process(big), dir));
        assertEquals("--process " + big + ": bigger than " + ExecProcess.MAX_BYTES + " bytes, not a process",
                e.getMessage());
    }

    @Test
    void malformedJsonIsNamed(@TempDir Path dir) throws Exception {
        Path bad = Files.writeString(dir.resolve("process.json"), "{\"args\": [");
        OciException e = assertThrows(OciException.class, () -> ExecProcess.of(process(bad), dir));
        assertTrue(e.getMessage().startsWith("--process " + bad + ": invalid JSON: "), e.getMessage());
    }

    @Test
    void argsAmendTheContainersProcess(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"process\": {\"args\": [\"sh\"], \"env\": [\"A=1\"], \"cwd\": \"/\"}}");
        ExecOptions options = new ExecOptions(null, List.of("ls", "-l"), false, false, null, null, List.of("B=2"),
                "/tmp", "1000:1000", 0);
        assertEquals("{\"args\":[\"ls\",\"-l\"],\"env\":[\"A=1\",\"B=2\"],\"cwd\":\"/tmp\",\"terminal\":false,"
                        + "\"user\":{\"uid\":1000,\"gid\":1000}}",
                StateDirectory.JSON.writeValueAsString(ExecProcess.of(options, dir)));
        OciException e = assertThrows(OciException.class, () -> ExecProcess.of(new ExecOptions(null, List.of("ls"),
                false, false, null, null, List.of(), null, "root", 0), dir));
        assertEquals("exec --user root: not uid[:gid] in numbers", e.getMessage());
    }
}
