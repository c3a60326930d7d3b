package dev.hako.net;

import java.util.Locale;

/** The transport of a published port. */
public enum Protocol {
    TCP, UDP;

    /** {@code tcp} or {@code udp}, as Docker writes them. */
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code tcp} or {@code udp}; {@code whole} is the text it came from, for the message. */
    static Protocol parse(String text, String whole) {
        return switch (text) {
            case "tcp" -> TCP;
            case "udp" -> UDP;
            case "sctp" -> throw new IllegalArgumentException(Texts.quote(whole)
                    + ": sctp ports are not supported; publish tcp or udp");
            default -> throw new IllegalArgumentException(Texts.quote(whole) + ": " + Texts.quote(text)
                    + " is not a protocol: write /tcp or /udp (or nothing, for tcp)");
        };
    }
}
