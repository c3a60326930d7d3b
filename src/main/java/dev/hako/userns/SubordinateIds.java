package dev.hako.userns;

import dev.hako.IdMapping;
import dev.hako.linux.RootedFiles;
import dev.hako.linux.SyscallException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The subordinate ids of {@code /etc/subuid} and {@code /etc/subgid}: the host id ranges an
 * administrator granted each user for its own user namespaces, which {@code newuidmap} and
 * {@code newgidmap} let that user map. A line is {@code owner:start:count}, the owner a user
 * name or a numeric uid (in both files: {@code /etc/subgid} is keyed by user too).
 *
 * <p>A file is read as shadow-utils reads it, so that hako never believes a user owns ids
 * that {@code newuidmap} would refuse:
 * <ul>
 *   <li>blank lines and lines starting with {@code #} are skipped;</li>
 *   <li>a <b>malformed line</b> (not exactly three {@code :}-separated fields, an empty owner,
 *       a start or count that is not a number, a count of 0, a range past the largest id
 *       {@value IdMapping#MAX_ID}) is <b>ignored</b>, as shadow-utils ignores it: it grants
 *       nothing, and the rest of the file still counts. It is kept in
 *       {@link Entries#ignored()} with its line number and why, for error messages;</li>
 *   <li>numbers are read as shadow-utils' {@code strtoul(s, NULL, 0)} reads them: decimal,
 *       {@code 0x} hexadecimal, or octal with a leading {@code 0}. Anything else around a
 *       number (spaces, a sign, a trailing {@code \r}) makes the line malformed; shadow-utils
 *       would accept leading spaces or a sign, so such a line grants less here, never more;</li>
 *   <li>a user's ranges are the lines whose owner is its name or its uid in decimal, in file
 *       order. (shadow-utils also counts a line of another name with the same uid; hako
 *       does not look names up.)</li>
 * </ul>
 *
 * <p><b>Hostile files.</b> A missing file means no ranges. Anything but a regular file (a
 * FIFO, a device, a directory, a symlink to {@code /dev/zero}: symlinks are followed, then
 * the file type is checked before the file is opened for reading), or a regular file
 * larger than {@value #MAX_BYTES} bytes, is refused with an {@link IOException} that names
 * the file and what it is: never opened for reading, never read without end.
 */
public final class SubordinateIds {
    /** The file of subordinate uids. */
    public static final Path SUBUID = Path.of("/etc/subuid");
    /** The file of subordinate gids. */
    public static final Path SUBGID = Path.of("/etc/subgid");
    /**
     * The largest file that is read: 4 MiB, some 100,000 lines of
     * {@code name:start:count}, far more than any machine grants.
     */
    public static final long MAX_BYTES = 4L << 20;

    private SubordinateIds() {
    }

    /**
     * One valid line: {@code count} host ids from {@code start}, granted to {@code owner}
     * (a name or a decimal uid).
     */
    public record Range(String owner, long start, long count) {
        public Range {
            Objects.requireNonNull(owner, "owner");
            if (owner.isEmpty() || start < 0 || count < 1 || start + count - 1 > IdMapping.MAX_ID) {
                throw new IllegalArgumentException("not a subordinate id range: " + owner + ":" + start + ":" + count);
            }
        }

        /** The first id past the range. */
        public long end() {
            return start + count;
        }

        /** Whether this range and {@code [from, from + n)} share an id. */
        public boolean overlaps(long from, long n) {
            return from < end() && start < from + n;
        }

        /** Whether {@code owner} names this user, by name or by decimal uid. */
        public boolean ownedBy(String name, long uid) {
            return owner.equals(name) || owner.equals(Long.toString(uid));
        }

        /** The ids as people write them: {@code 100000-165535}. */
        public String ids() {
            return start + "-" + (end() - 1);
        }

        /** The line as the file has it: {@code owner:start:count}. */
        public String line() {
            return owner + ":" + start + ":" + count;
        }
    }

    /** A line that grants nothing because it is malformed: its number (from 1), text and why. */
    public record IgnoredLine(int number, String text, String reason) {
        @Override
        public String toString() {
            return "line " + number + " \"" + text + "\": " + reason;
        }
    }

    /**
     * What a file holds: its valid lines in file order and the malformed lines that were
     * ignored. A missing file has neither ({@link #exists()} is false).
     */
    public record Entries(Path file, boolean exists, List<Range> ranges, List<IgnoredLine> ignored) {
        public Entries {
            Objects.requireNonNull(file, "file");
            ranges = List.copyOf(ranges);
            ignored = List.copyOf(ignored);
        }

        /** The ranges of the user with this name (may be null: none) and uid, in file order. */
        public List<Range> of(String name, long uid) {
            return ranges.stream().filter(r -> r.ownedBy(name, uid)).toList();
        }
    }

    /**
     * Reads {@code file} (such as {@link #SUBUID}).
     *
     * @throws IOException when the file is not a regular file, is larger than
     *     {@value #MAX_BYTES} bytes, or cannot be read (permissions, a loop of symlinks);
     *     the message names the file
     */
    public static Entries read(Path file) throws IOException {
        Path absolute = file.toAbsolutePath().normalize();
        RootedFiles.Found found;
        try {
            // From /, with every symlink followed as usual (RESOLVE_IN_ROOT of / is the
            // ordinary lookup) except magic /proc links: the type is checked before opening.
            found = RootedFiles.read(Path.of("/"), Path.of("/").relativize(absolute).toString(), false, MAX_BYTES);
        } catch (SyscallException e) {
            throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return switch (found) {
            case RootedFiles.Missing m -> new Entries(file, false, List.of(), List.of());
            case RootedFiles.Contents c -> parse(file, new String(c.bytes(), StandardCharsets.UTF_8));
            case RootedFiles.Refused r -> throw new IOException(file + " is " + r.what() + ": not read (subordinate"
                    + " ids must be a regular file of at most " + MAX_BYTES + " bytes, lines name:start:count)");
            case RootedFiles.Whiteout w -> throw new IllegalStateException("whiteout outside an overlay layer: " + file);
        };
    }

    /**
     * The ranges {@code file} grants the user with this name and uid, in file order; none
     * when the file is missing.
     *
     * @param name the user's name, or null to match by uid only
     * @throws IOException as {@link #read}
     */
    public static List<Range> of(Path file, String name, long uid) throws IOException {
        return read(file).of(name, uid);
    }

    /** The lines of {@code text}, as read from {@code file}. */
    static Entries parse(Path file, String text) {
        List<Range> ranges = new ArrayList<>();
        List<IgnoredLine> ignored = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split(":", -1);
            String reason = null;
            if (fields.length != 3) {
                reason = "not three fields name:start:count";
            } else if (fields[0].isEmpty()) {
                reason = "no owner";
            } else {
                long start = number(fields[1]);
                long count = number(fields[2]);
                if (start < 0) {
                    reason = "the start is not a number";
                } else if (count < 0) {
                    reason = "the count is not a number";
                } else if (count == 0) {
                    reason = "a count of 0";
                } else if (start > IdMapping.MAX_ID || count > IdMapping.MAX_ID + 1 || start + count - 1 > IdMapping.MAX_ID) {
                    reason = "runs past the largest id, " + IdMapping.MAX_ID;
                } else {
                    ranges.add(new Range(fields[0], start, count));
                }
            }
            if (reason != null) {
                ignored.add(new IgnoredLine(i + 1, line, reason));
            }
        }
        return new Entries(file, true, ranges, ignored);
    }

    /**
     * A number as {@code strtoul(s, NULL, 0)} reads it when it is all digits: decimal,
     * {@code 0x} hex, leading-0 octal; {@code -1} for anything else or a value past 2^40
     * (more than any id range).
     */
    static long number(String s) {
        int radix = 10;
        String digits = s;
        if (s.length() > 2 && (s.startsWith("0x") || s.startsWith("0X"))) {
            radix = 16;
            digits = s.substring(2);
        } else if (s.length() > 1 && s.startsWith("0")) {
            radix = 8;
            digits = s.substring(1);
        }
        if (digits.isEmpty() || digits.length() > 16) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
            if (d >= radix) {
                return -1; // ASCII digits of the radix only: no sign, space or other script's digits
            }
            value = value * radix + d;
            if (value > (1L << 40)) {
                return -1;
            }
        }
        return value;
    }
}
