package dev.hako.cli;

import dev.hako.oci.RuntimeLog;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;

/**
 * runc's {@code --log} in its {@code --log-format}: logrus lines, text
 * ({@code time="2026-12-01T10:00:00Z" level=error msg="container does not exist"}) or JSON
 * ({@code {"level":"error","msg":"...","time":"..."}}), one line per write so that lines of
 * concurrent commands sharing a file do not mix. containerd's shim decodes the file as JSON
 * objects and takes the last one whose level is {@code error} as the reason a command
 * failed; conmon and podman do the same with the runtime's log: every line must parse.
 *
 * <p>Without {@code --log} the lines go to stderr, as runc's do.
 */
final class LogFile implements RuntimeLog, Closeable {

    /** runc's two formats. */
    enum Format {
        TEXT, JSON;

        static Format of(String name) throws UsageException {
            return switch (name) {
                case "", "text" -> TEXT;
                case "json" -> JSON;
                default -> throw new UsageException("invalid log-format: " + name);
            };
        }
    }

    private final OutputStream stderr;
    private final FileChannel file;
    private final Format format;
    private final boolean debug;
    private final Clock clock;

    private LogFile(OutputStream stderr, FileChannel file, Format format, boolean debug, Clock clock) {
        this.stderr = stderr;
        this.file = file;
        this.format = format;
        this.debug = debug;
        this.clock = clock;
    }

    /** Lines to {@code stderr}. */
    static LogFile toStderr(OutputStream stderr, Format format, boolean debug, Clock clock) {
        return new LogFile(stderr, null, format, debug, clock);
    }

    /** Lines appended to {@code path}, made 0644 (less the umask) when it is new, as runc does. */
    static LogFile append(Path path, Format format, boolean debug, Clock clock) throws IOException {
        FileChannel channel = FileChannel.open(path, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
        return new LogFile(null, channel, format, debug, clock);
    }

    /** Whether the lines go to stderr already (so an error need not be printed twice). */
    boolean isStderr() {
        return file == null;
    }

    @Override
    public void warn(String message) {
        write("warning", message);
    }

    @Override
    public void debug(String message) {
        if (debug) {
            write("debug", message);
        }
    }

    @Override
    public void error(String message) {
        write("error", message);
    }

    /** One formatted line, exactly as written. */
    String line(String level, String message, Instant time) {
        String t = GoSyntax.rfc3339(time);
        if (format == Format.JSON) {
            return "{\"level\":" + Json.string(level) + ",\"msg\":" + Json.string(message)
                    + ",\"time\":" + Json.string(t) + "}\n";
        }
        return "time=\"" + t + "\" level=" + level + " msg=" + textValue(message) + "\n";
    }

    /** logrus quotes a value unless it is made only of letters, digits and {@code -._/@^+}. */
    private static String textValue(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "-._/@^+".indexOf(c) >= 0;
            if (!plain) {
                return GoSyntax.quote(s);
            }
        }
        return s;
    }

    private void write(String level, String message) {
        byte[] bytes = line(level, message, clock.instant()).getBytes(StandardCharsets.UTF_8);
        try {
            if (file != null) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    file.write(buffer);
                }
            } else {
                stderr.write(bytes);
                stderr.flush();
            }
        } catch (IOException e) {
            // The log is the engine's, not the command's: a full disk must not turn a
            // successful kill into a failure. Say so where someone may see it.
            System.err.println("hako: cannot write the log: " + e.getMessage());
        }
    }

    @Override
    public void close() throws IOException {
        if (file != null) {
            file.close();
        }
    }
}
