package dev.hako.oci;

/** Where the runtime writes what it tells the engine: runc's {@code --log} (text or JSON lines). */
public interface RuntimeLog {
    /** A warning (something accepted but not done as asked, e.g. an unsupported field). */
    void warn(String message);

    /** Debug output, shown with {@code --debug}. */
    void debug(String message);

    /** An error that ends the command. */
    void error(String message);
}
