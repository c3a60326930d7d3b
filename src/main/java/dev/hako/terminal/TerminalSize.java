package dev.hako.terminal;

/**
 * A terminal's size in character cells, as {@code struct winsize} holds it (unsigned
 * 16-bit fields, so 1 to 65535 each; 0 would mean "unknown" to programs).
 */
public record TerminalSize(int columns, int rows) {
    /** What a terminal is when nobody says otherwise, as in Docker and most emulators. */
    public static final TerminalSize DEFAULT = new TerminalSize(80, 24);

    private static final int MAX = 0xFFFF;

    public TerminalSize {
        if (columns < 1 || columns > MAX || rows < 1 || rows > MAX) {
            throw new IllegalArgumentException("a terminal of " + columns + " columns and " + rows
                    + " rows is impossible: each must be 1 to " + MAX);
        }
    }

    /** The size, or an IllegalArgumentException naming {@code option} and the bad values. */
    public static TerminalSize of(int columns, int rows, String option) {
        try {
            return new TerminalSize(columns, rows);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + "(" + columns + ", " + rows + "): " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return columns + "x" + rows;
    }
}
