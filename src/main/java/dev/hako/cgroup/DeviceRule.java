package dev.hako.cgroup;

import java.util.Objects;

/**
 * One entry of a device allow-list, as cgroup v1's {@code devices.allow} takes it and as the
 * v2 device program tests it: a type, a major and a minor (each may be any), and the access
 * allowed, a non-empty subset of {@code r} (read), {@code w} (write) and {@code m} (mknod).
 *
 * @param major the major number, or {@link #ANY}
 * @param minor the minor number, or {@link #ANY}
 * @param access the letters allowed, in the order {@code rwm}
 */
public record DeviceRule(Type type, int major, int minor, String access) {
    /** A major or minor that matches every number ({@code *} in devices.allow). */
    public static final int ANY = -1;
    /** Every access: read, write and mknod. */
    public static final String ALL_ACCESS = "rwm";

    /** Which devices a rule covers. */
    public enum Type {
        /** Both kinds ({@code a}); only with any major and minor. */
        ALL('a'),
        CHAR('c'),
        BLOCK('b');

        private final char letter;

        Type(char letter) {
            this.letter = letter;
        }

        /** The letter devices.allow uses. */
        public char letter() {
            return letter;
        }
    }

    /**
     * @throws IllegalArgumentException for a number below {@link #ANY}, a type {@code ALL}
     *         with a number, or access letters other than r, w and m (or none)
     */
    public DeviceRule {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(access, "access");
        if (major < ANY || minor < ANY) {
            throw new IllegalArgumentException("device numbers are 0 or more (or ANY): " + major + ":" + minor);
        }
        if (type == Type.ALL && (major != ANY || minor != ANY)) {
            throw new IllegalArgumentException("a rule for all devices cannot name a major or minor: " + major + ":" + minor);
        }
        access = canonicalAccess(access);
    }

    /** A character device rule. */
    public static DeviceRule chars(int major, int minor, String access) {
        return new DeviceRule(Type.CHAR, major, minor, access);
    }

    /** A block device rule. */
    public static DeviceRule block(int major, int minor, String access) {
        return new DeviceRule(Type.BLOCK, major, minor, access);
    }

    /**
     * {@code access} as a set of letters written in the order r, w, m.
     *
     * @throws IllegalArgumentException if it is empty or holds anything but r, w and m
     */
    public static String canonicalAccess(String access) {
        StringBuilder out = new StringBuilder();
        for (char c : ALL_ACCESS.toCharArray()) {
            if (access.indexOf(c) >= 0) {
                out.append(c);
            }
        }
        boolean onlyKnown = access.chars().allMatch(c -> ALL_ACCESS.indexOf(c) >= 0);
        if (out.isEmpty() || !onlyKnown) {
            throw new IllegalArgumentException("device permissions '" + access
                    + "' are invalid: use one or more of r (read), w (write) and m (mknod), like \"rwm\" or \"r\"");
        }
        return out.toString();
    }

    /** The line for {@code devices.allow}, like {@code c 1:3 rwm} or {@code b *:* m}. */
    public String v1Entry() {
        return type.letter() + " " + number(major) + ":" + number(minor) + " " + access;
    }

    private static String number(int n) {
        return n == ANY ? "*" : Integer.toString(n);
    }

    @Override
    public String toString() {
        return v1Entry();
    }
}
