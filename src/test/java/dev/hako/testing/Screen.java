package dev.hako.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** What the terminal has shown so far, read from the master as needed. */
public final class Screen {
    private final InputStream in;
    private final StringBuilder shown = new StringBuilder();
    private int consumed;

    public Screen(InputStream in) {
        this.in = in;
    }

    /** Reads until {@code text} has shown; returns what came before it and consumes both. */
    public String await(String text) throws IOException {
        byte[] buf = new byte[256];
        int at;
        while ((at = shown.indexOf(text, consumed)) < 0) {
            int n = in.read(buf);
            if (n < 0) {
                throw new AssertionError("the terminal ended before showing '" + text + "':\n" + shown);
            }
            shown.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        }
        String before = shown.substring(consumed, at);
        consumed = at + text.length();
        return before;
    }

    /** Everything still to come, up to the end of the terminal (its last process gone). */
    public String rest() throws IOException {
        shown.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        String rest = shown.substring(consumed);
        consumed = shown.length();
        return rest;
    }

    @Override
    public String toString() {
        return shown.toString();
    }
}
