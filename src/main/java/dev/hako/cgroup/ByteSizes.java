package dev.hako.cgroup;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes written the way Docker's {@code --memory} takes them: {@code 64m}, {@code 1.5g},
 * {@code 512k}, {@code 1073741824}.
 *
 * <p>Units are powers of 1024, as in Docker: {@code b}, {@code k}, {@code m}, {@code g},
 * {@code t}, in either case, optionally followed by {@code b} or {@code ib} ({@code 64MB},
 * {@code 64MiB} and {@code 64m} are the same). A number without a unit is bytes. A fraction
 * needs a unit, and the result is rounded down to whole bytes ({@code 1.3k} is 1331).
 */
public final class ByteSizes {
    private static final Pattern SIZE = Pattern.compile(
            "(\\d+(?:\\.\\d+)?) ?(?:([kmgt])(?:i?b)?|(b))?", Pattern.CASE_INSENSITIVE);
    private static final String UNITS = "kmgt";

    private ByteSizes() {
    }

    /**
     * The number of bytes {@code text} stands for.
     *
     * @throws IllegalArgumentException if it is not such a size, or does not fit a long
     */
    public static long parse(String text) {
        return parse(text, "size");
    }

    /**
     * {@link #parse(String)}, with {@code option} (like {@code memoryLimit}) named in the
     * error message.
     */
    public static long parse(String text, String option) {
        Objects.requireNonNull(text, option);
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            String why = text.trim().startsWith("-") ? " is negative: sizes are 0 or more"
                    : " is not a size";
            throw new IllegalArgumentException(option + " \"" + text + "\"" + why
                    + ": write a number of bytes with an optional unit b, k, m, g or t"
                    + " (powers of 1024), like 64m, 512k or 1.5g");
        }
        BigDecimal number = new BigDecimal(m.group(1));
        String unit = m.group(2);
        if (unit == null && number.scale() > 0) {
            throw new IllegalArgumentException(option + " \"" + text + "\" has a fraction of a byte:"
                    + " give a unit, like " + m.group(1) + "m, or whole bytes");
        }
        int shift = unit == null ? 0 : 10 * (UNITS.indexOf(unit.toLowerCase(Locale.ROOT)) + 1);
        BigDecimal bytes = number.multiply(BigDecimal.valueOf(2).pow(shift)).setScale(0, RoundingMode.DOWN);
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException(option + " \"" + text + "\" is too large: at most "
                    + Long.MAX_VALUE + " bytes (8 EiB)");
        }
        return bytes.longValueExact();
    }

    /**
     * {@code bytes} in the largest unit that divides it exactly, for messages:
     * {@code 6291456} is {@code 6m}, {@code 1000} stays {@code 1000}.
     */
    public static String format(long bytes) {
        for (int i = UNITS.length() - 1; i >= 0; i--) {
            long unit = 1L << (10 * (i + 1));
            if (bytes != 0 && bytes % unit == 0) {
                return bytes / unit + String.valueOf(UNITS.charAt(i));
            }
        }
        return Long.toString(bytes);
    }
}
