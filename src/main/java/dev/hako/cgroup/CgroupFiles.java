package dev.hako.cgroup;

import dev.hako.linux.SmallFiles;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Reading and writing cgroupfs files.
 *
 * <p>A write is one {@code write(2)} of the whole value, because the kernel parses each
 * write on its own; it opens with WRITE|TRUNCATE_EXISTING and never CREATE, so that a
 * missing file (a controller that is not there) is an error instead of a new regular file
 * that silently limits nothing.
 */
final class CgroupFiles {
    private CgroupFiles() {
    }

    /** A condition polled while waiting for the kernel. */
    @FunctionalInterface
    interface Condition {
        boolean holds() throws IOException;
    }

    /**
     * Writes {@code value} to {@code file} in one write.
     *
     * @throws NoSuchFileException if the file does not exist
     * @throws IOException with the kernel's reason (like "Device or resource busy") otherwise
     */
    static void write(Path file, String value) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(value.getBytes(StandardCharsets.US_ASCII));
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            int written = channel.write(bytes);
            if (bytes.hasRemaining()) {
                throw new IOException("short write: " + written + " of " + bytes.capacity() + " bytes");
            }
        }
    }

    /**
     * Writes each of {@code values} to {@code file} in a write of its own, through one open
     * file: for files like {@code devices.allow} that take one entry per write.
     *
     * @throws IOException with the kernel's reason, naming the value it refused
     */
    static void writeEach(Path file, List<String> values) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (String value : values) {
                ByteBuffer bytes = ByteBuffer.wrap(value.getBytes(StandardCharsets.US_ASCII));
                try {
                    channel.write(bytes);
                } catch (IOException e) {
                    throw new IOException("\"" + value + "\": " + reason(e), e);
                }
                if (bytes.hasRemaining()) {
                    throw new IOException("short write of \"" + value + "\"");
                }
            }
        }
    }

    /** The file's contents without the trailing newline. */
    static String read(Path file) throws IOException {
        return SmallFiles.read(file).strip();
    }

    /** A file holding one number; empty if the file does not exist. */
    static OptionalLong readLong(Path file) throws IOException {
        try {
            return OptionalLong.of(Long.parseLong(read(file)));
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (NumberFormatException e) {
            throw new IOException(file + " does not hold a number: " + e.getMessage(), e);
        }
    }

    /**
     * The value of {@code key} in a flat keyed file of {@code key value} lines (memory.events,
     * cpu.stat, cgroup.events); empty if the file or the key does not exist.
     */
    static OptionalLong readKey(Path file, String key) throws IOException {
        try {
            for (String line : SmallFiles.read(file).split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length == 2 && f[0].equals(key)) {
                    return OptionalLong.of(Long.parseLong(f[1]));
                }
            }
            return OptionalLong.empty();
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (NumberFormatException e) {
            throw new IOException(file + " has a non-numeric " + key + ": " + e.getMessage(), e);
        }
    }

    /** A value of a v2 directory's cgroup.events ({@code populated}, {@code frozen}); 0 where it is missing. */
    static long event(Path dir, String key) throws IOException {
        return readKey(dir.resolve("cgroup.events"), key).orElse(0);
    }

    /** {@code dir}'s core v2 file {@code file}, like cgroup.kill, which kernels before its feature lack. */
    static Path requireV2File(Path dir, String file) throws CgroupException {
        Path path = dir.resolve(file);
        if (!Files.exists(path)) {
            throw new CgroupException("cgroup " + dir + " has no v2 " + file + " (the kernel is older than this feature)");
        }
        return path;
    }

    /**
     * Writes {@code value} to a control file like cgroup.freeze; a failure says what could
     * not be done ({@code action}, like "freeze") to which cgroup, and the kernel's reason.
     */
    static void writeControl(Path file, String value, String action) throws IOException {
        try {
            write(file, value);
        } catch (IOException e) {
            throw new CgroupException("cannot " + action + " cgroup " + file.getParent() + ": writing \"" + value
                    + "\" to " + file.getFileName() + " failed: " + reason(e), e);
        }
    }

    /** The pids a {@code cgroup.procs} file lists; empty if the cgroup does not exist (any more). */
    static List<Long> pids(Path procs) throws IOException {
        List<Long> pids = new ArrayList<>();
        try {
            for (String line : SmallFiles.read(procs).split("\n")) {
                if (!line.isBlank()) {
                    pids.add(Long.parseLong(line.strip()));
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        }
        return pids;
    }

    /**
     * Polls {@code condition}, sleeping a little longer each time (1 ms up to 20 ms), until it
     * holds or {@code timeout} has passed.
     *
     * @return whether it holds
     */
    static boolean await(Duration timeout, Condition condition) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long sleepMillis = 1;
        while (true) {
            if (condition.holds()) {
                return true;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            try {
                Thread.sleep(sleepMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the kernel to update a cgroup");
            }
            sleepMillis = Math.min(20, sleepMillis * 2);
        }
    }

    /** The reason of an I/O failure: the kernel's text for a failed syscall, else the message. */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "it does not exist";
        }
        if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
