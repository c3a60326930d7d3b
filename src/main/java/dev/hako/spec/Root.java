package dev.hako.spec;

/**
 * {@code root}: the container's root filesystem.
 *
 * @param path the rootfs directory, absolute or relative to the bundle
 * @param readonly whether the root is mounted read-only (absent: false)
 */
public record Root(String path, Boolean readonly) {
}
