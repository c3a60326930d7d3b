package dev.hako.program;

import java.util.Objects;

/**
 * What a step of a child program sets up, and for which option of the container's
 * configuration, so that a failed step explains itself: "the working directory /srv/app
 * (workingDir)" rather than a bare {@code chdir}.
 *
 * @param what what the step sets up, in words, like {@code bind /data at /mnt}
 * @param option the builder option it serves, like {@code mount}; null for hako's own setup
 */
public record Purpose(String what, String option) {

    /** Steps that are hako's own setup, before any writer said otherwise. */
    public static final Purpose SETUP = new Purpose("the container's setup", null);

    public Purpose {
        Objects.requireNonNull(what, "what");
    }

    @Override
    public String toString() {
        return option == null ? what : what + " (" + option + ")";
    }
}
