package dev.hako.userns;

import dev.hako.linux.Kernel;
import dev.hako.linux.SmallFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Who the JVM is on the host, for its user namespaces: its effective uid and gid
 * ({@code /proc/self/status}), and its user name, which {@code /etc/subuid} lines may use.
 *
 * @param uid the effective uid
 * @param gid the effective gid
 * @param name the user's name, or null when unknown (then lines match by uid only)
 */
public record HostUser(long uid, long gid, String name) {

    /** Whether this is root (uid 0). */
    public boolean isRoot() {
        return uid == 0;
    }

    /** {@code alice (uid 1000)}, or {@code uid 1000} without a name. */
    public String describe() {
        return name == null ? "uid " + uid : name + " (uid " + uid + ")";
    }

    /**
     * The JVM's user. The name is the JDK's {@code user.name}, which it takes at start from
     * the password database ({@code getpwuid} of the real uid, so NSS users count too); it
     * is not used when the real and effective uids differ (it would name the real one) or
     * the JDK found none.
     */
    public static HostUser current() {
        try {
            return of(SmallFiles.read(Path.of("/proc/self/status")), System.getProperty("user.name"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/status", e);
        }
    }

    /** The user of a {@code /proc/PID/status} text, named {@code userName} (the JDK's, for the real uid). */
    static HostUser of(String status, String userName) {
        long[] uids = ids(status, "Uid:");
        long[] gids = ids(status, "Gid:");
        String name = userName;
        if (name == null || name.isEmpty() || name.equals("?") || uids[0] != uids[1]) {
            name = null;
        }
        return new HostUser(uids[1], gids[1], name);
    }

    /** The real and effective ids of a {@code Uid:} or {@code Gid:} line. */
    static long[] ids(String status, String key) {
        return Kernel.statusIds(status, key);
    }
}
