package dev.hako.net;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A client of slirp4netns's API socket: one JSON request per connection, the write side
 * shut down after it (slirp4netns reads until then), one JSON reply.
 *
 * <p>Replies are read with a bound and matched against the two shapes slirp4netns sends
 * ({@code {"return": {...}}}, {@code {"error": {"desc": "..."}}}); anything else is an
 * error that quotes the start of what came. slirp4netns "stops the world" while it handles
 * a request, so the requests are few: one per published port, at start.
 */
final class SlirpApi {
    /** slirp4netns takes requests below 4096 bytes; its replies are smaller still. */
    static final int MAX_MESSAGE = 4096;
    private static final Pattern ID_REPLY = Pattern.compile(
            "\\s*\\{\\s*\"return\"\\s*:\\s*\\{\\s*\"id\"\\s*:\\s*(\\d{1,9})\\s*}\\s*}\\s*");
    private static final Pattern ERROR_START = Pattern.compile("\\s*\\{\\s*\"error\"\\s*:\\s*\\{\\s*\"desc\"\\s*:\\s*\"");
    private static final Pattern ERROR_END = Pattern.compile("\\s*}\\s*}\\s*");
    private static final int MAX_DESCRIPTION = 1024;

    /** What slirp4netns said: a forward's id, or its error. */
    record Reply(int id, String error) {
        boolean ok() {
            return error == null;
        }
    }

    private SlirpApi() {
    }

    /** Sends {@code request} to the socket at {@code socket} and returns the parsed reply. */
    static Reply call(Path socket, String request) throws IOException {
        byte[] bytes = request.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= MAX_MESSAGE) {
            throw new IllegalArgumentException("slirp4netns API request of " + bytes.length + " bytes: the limit is "
                    + (MAX_MESSAGE - 1));
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap(bytes);
            while (out.hasRemaining()) {
                channel.write(out);
            }
            channel.shutdownOutput();
            ByteBuffer in = ByteBuffer.allocate(MAX_MESSAGE + 1);
            while (in.hasRemaining() && channel.read(in) >= 0) {
                // until EOF, or more than any reply slirp4netns sends
            }
            if (!in.hasRemaining()) {
                throw new IOException("slirp4netns API reply to " + request + " is longer than " + MAX_MESSAGE + " bytes");
            }
            return parse(new String(in.array(), 0, in.position(), StandardCharsets.UTF_8));
        }
    }

    /**
     * Parses a reply to {@code add_hostfwd}.
     *
     * @throws IOException for anything but the two shapes slirp4netns sends
     */
    static Reply parse(String reply) throws IOException {
        Matcher id = ID_REPLY.matcher(reply);
        if (id.matches()) {
            return new Reply(Integer.parseInt(id.group(1)), null);
        }
        Matcher error = ERROR_START.matcher(reply);
        if (error.lookingAt()) {
            String description = errorDescription(reply, error.end());
            if (description != null) {
                return new Reply(-1, description);
            }
        }
        String start = reply.length() > 200 ? reply.substring(0, 200) + "..." : reply;
        throw new IOException("unexpected reply from slirp4netns's API: \"" + start.replaceAll("\\p{Cntrl}", "?") + "\"");
    }

    /**
     * The JSON string that starts at {@code from} (after its opening quote), if the reply
     * ends right after it as an error reply does. Scanned by hand: a regular expression
     * with alternation inside a repetition recurses per character and overflows the stack
     * on a long string.
     */
    private static String errorDescription(String reply, int from) {
        StringBuilder out = new StringBuilder();
        for (int i = from; i < reply.length() && out.length() <= MAX_DESCRIPTION; i++) {
            char c = reply.charAt(i);
            if (c == '"') {
                return ERROR_END.matcher(reply.substring(i + 1)).matches() ? out.toString() : null;
            }
            if (c == '\\') {
                if (++i == reply.length()) {
                    return null;
                }
                c = reply.charAt(i);
            }
            out.append(c);
        }
        return null;
    }
}
