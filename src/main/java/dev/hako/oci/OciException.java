package dev.hako.oci;

/** A runtime operation that failed; its message is what the command prints (and logs). */
public class OciException extends java.io.IOException {
    public OciException(String message) {
        super(message);
    }

    public OciException(String message, Throwable cause) {
        super(message, cause);
    }
}
