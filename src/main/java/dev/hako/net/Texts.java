package dev.hako.net;

/**
 * Puts text from configuration files and users into messages safely: quoted, control
 * characters (a NUL, an escape sequence, a newline that would forge a log line) shown as
 * escapes, and cut short when long.
 */
final class Texts {
    private static final int SHOWN = 80;

    private Texts() {
    }

    /** {@code "text"}, escaped and at most about 80 characters. */
    static String quote(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        int n = Math.min(text.length(), SHOWN);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (text.length() > SHOWN) {
            b.append("...(").append(text.length()).append(" characters)");
        }
        return b.append('"').toString();
    }
}
