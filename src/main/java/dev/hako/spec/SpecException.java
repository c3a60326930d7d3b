package dev.hako.spec;

/**
 * A config.json that cannot be used: missing, not a regular file, too big, not JSON, or a
 * value that is wrong. The message starts with the JSON path of the value
 * ({@code linux.resources.memory.limit: -5 is not a size (bytes, or -1 for unlimited)}),
 * or with {@code config.json} for the document as a whole (with the line and column for
 * JSON that does not parse), and says what is expected.
 *
 * <p>An {@link IllegalArgumentException}, like every other configuration error of hako
 * (the builder's, {@link dev.hako.seccomp.SeccompException}): a bad config.json is a bad
 * argument handed to the runtime, which the caller reports and does not retry, and a
 * mapping that feeds the values on to {@code Container.Builder} sees one kind of error from
 * both. Genuine I/O failures while reading a regular file stay {@link java.io.IOException}s.
 */
public final class SpecException extends IllegalArgumentException {
    public SpecException(String message) {
        super(message);
    }

    public SpecException(String message, Throwable cause) {
        super(message, cause);
    }
}
