package dev.hako.spawn;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What a container holds until it is closed, released in order: its network, then its range of host ids. */
final class Held implements AutoCloseable {
    private final List<AutoCloseable> parts;

    private Held(List<AutoCloseable> parts) {
        this.parts = parts;
    }

    /** The non-null {@code parts}, or null when there are none. */
    static AutoCloseable of(AutoCloseable... parts) {
        List<AutoCloseable> present = new ArrayList<>();
        for (AutoCloseable p : parts) {
            if (p != null) {
                present.add(p);
            }
        }
        return present.isEmpty() ? null : present.size() == 1 ? present.getFirst() : new Held(present);
    }

    /** Closes every part, even after one fails; the first failure is thrown with the others suppressed. */
    @Override
    public void close() throws Exception {
        Exception first = null;
        for (AutoCloseable p : parts) {
            try {
                p.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return "Held" + parts.stream().map(Objects::toString).toList();
    }
}
