package dev.hako.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The notations of Go that runc's command line takes and prints, which engines write and
 * parse: integers as {@code strconv.ParseInt(s, 0, 64)} reads them, durations
 * ({@code time.ParseDuration}), sizes ({@code go-units RAMInBytes}: {@code 512m},
 * {@code 1.5g}), RFC 3339 times with trimmed nanoseconds, and quoted strings ({@code %q}).
 */
final class GoSyntax {

    private static final Pattern SIZE = Pattern.compile("^(\\d+(?:\\.\\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$");
    private static final Pattern DURATION_PART = Pattern.compile("(\\d*\\.?\\d*)(ns|us|µs|μs|ms|s|m|h)");
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    private GoSyntax() {
    }

    /** An int64 in Go's base-0 syntax: {@code 12}, {@code -3}, {@code 0x1f}, {@code 0o17}, {@code 017}, {@code 0b101}. */
    static long parseInt(String s) {
        String digits = s;
        boolean negative = false;
        if (digits.startsWith("+") || digits.startsWith("-")) {
            negative = digits.charAt(0) == '-';
            digits = digits.substring(1);
        }
        int radix = 10;
        String lower = digits.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("0x")) {
            radix = 16;
            digits = digits.substring(2);
        } else if (lower.startsWith("0o")) {
            radix = 8;
            digits = digits.substring(2);
        } else if (lower.startsWith("0b")) {
            radix = 2;
            digits = digits.substring(2);
        } else if (digits.length() > 1 && digits.charAt(0) == '0') {
            radix = 8;
            digits = digits.substring(1);
        }
        if (digits.isEmpty() || digits.charAt(0) == '+' || digits.charAt(0) == '-') {
            throw new IllegalArgumentException("parse error");
        }
        try {
            return Long.parseLong((negative ? "-" : "") + digits, radix);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("parse error", e);
        }
    }

    /** {@code time.ParseDuration}: {@code 5s}, {@code 1m30s}, {@code 1.5h}, {@code 300ms}, {@code 0}. */
    static Duration parseDuration(String s) {
        String rest = s;
        boolean negative = false;
        if (rest.startsWith("+") || rest.startsWith("-")) {
            negative = rest.charAt(0) == '-';
            rest = rest.substring(1);
        }
        if (rest.equals("0")) {
            return Duration.ZERO;
        }
        if (rest.isEmpty()) {
            throw new IllegalArgumentException("invalid duration \"" + s + "\"");
        }
        Matcher m = DURATION_PART.matcher(rest);
        java.math.BigDecimal nanos = java.math.BigDecimal.ZERO;
        int at = 0;
        while (at < rest.length()) {
            if (!m.find(at) || m.start() != at || m.group(1).isEmpty() || m.group(1).equals(".")) {
                throw new IllegalArgumentException("invalid duration \"" + s + "\"");
            }
            long unit = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs", "μs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            nanos = nanos.add(new java.math.BigDecimal(m.group(1)).multiply(java.math.BigDecimal.valueOf(unit)));
            at = m.end();
        }
        if (nanos.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("invalid duration \"" + s + "\": too long");
        }
        long n = nanos.longValue();
        return Duration.ofNanos(negative ? -n : n);
    }

    /** go-units RAMInBytes: a size with an optional binary unit ({@code k} = 1024). */
    static long ramInBytes(String s) {
        Matcher m = SIZE.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid size: '" + s + "'");
        }
        double size = Double.parseDouble(m.group(1).replaceFirst("(\\.\\d+)\\..*$", "$1"));
        long multiplier = 1;
        if (m.group(2) != null) {
            int power = "kmgtp".indexOf(Character.toLowerCase(m.group(2).charAt(0))) + 1;
            multiplier = 1L << (10 * power);
        }
        double bytes = size * multiplier;
        if (bytes >= 0x1p63) {
            throw new IllegalArgumentException("invalid size: '" + s + "': too large");
        }
        return (long) bytes;
    }

    /** Go's {@code time.RFC3339Nano} of a UTC instant: fraction without trailing zeros, none when zero. */
    static String rfc3339Nano(Instant t) {
        StringBuilder b = new StringBuilder(SECONDS.format(t));
        int nanos = t.getNano();
        if (nanos != 0) {
            String fraction = String.format("%09d", nanos).replaceFirst("0+$", "");
            b.append('.').append(fraction);
        }
        return b.append('Z').toString();
    }

    /** Go's {@code time.RFC3339} of an instant: seconds, UTC. */
    static String rfc3339(Instant t) {
        return SECONDS.format(t) + "Z";
    }

    /** Go's {@code %q}: a double-quoted string with Go escapes. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\x%02x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
