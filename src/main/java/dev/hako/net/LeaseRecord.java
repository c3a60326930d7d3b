package dev.hako.net;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a lease file holds: its owner (pid and start time) and the container it is for, as
 * three lines of ASCII: {@code pid 1234}, {@code start 5678}, {@code container web-1}.
 * Anything else, or anything longer than {@link #MAX_BYTES}, is not a lease.
 *
 * @param owner the process whose life the lease lasts
 * @param containerId the container it is for: 1 to 128 characters of letters, digits, '.', '_', '-'
 */
record LeaseRecord(ProcessIdentity owner, String containerId) {
    /** A record's largest encoding, with room to spare; lease files are read no further. */
    static final int MAX_BYTES = 256;
    private static final Pattern CONTAINER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final Pattern FORM = Pattern.compile(
            "pid ([1-9][0-9]{0,18})\nstart ([0-9]{1,19})\ncontainer (" + CONTAINER_ID.pattern() + ")\n");

    LeaseRecord {
        requireContainerId(containerId);
    }

    /** Refuses a container id a lease cannot hold, naming it. */
    static void requireContainerId(String id) {
        if (id == null || !CONTAINER_ID.matcher(id).matches()) {
            throw new IllegalArgumentException("container id " + Texts.quote(id) + " cannot name an address lease: use 1 to"
                    + " 128 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
    }

    byte[] encode() {
        return ("pid " + owner.pid() + "\nstart " + owner.startTime() + "\ncontainer " + containerId + "\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** The record these bytes hold, or empty when they are not one (garbage, too long, out of range). */
    static Optional<LeaseRecord> decode(byte[] bytes) {
        if (bytes.length > MAX_BYTES) {
            return Optional.empty();
        }
        Matcher m = FORM.matcher(new String(bytes, StandardCharsets.ISO_8859_1));
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new LeaseRecord(
                    new ProcessIdentity(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))), m.group(3)));
        } catch (NumberFormatException tooLarge) {
            return Optional.empty();
        }
    }
}
