package dev.hako.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the running kernel and process can do, checked before any container is created. */
public final class Kernel {
    /** clone3 with CLONE_PIDFD and CLONE_CLEAR_SIGHAND, close_range and pidfd_send_signal all work from 5.10 on. */
    static final int MIN_MAJOR = 5;
    static final int MIN_MINOR = 10;
    private static final Pattern VERSION = Pattern.compile("^(\\d+)\\.(\\d+)");

    private Kernel() {
    }

    /** Set once the checks passed: they cannot change while the JVM runs. */
    private static volatile boolean checked;

    /**
     * Throws an {@link UnsupportedOperationException} naming the problem when this is not
     * Linux 5.10+ on x86_64 or aarch64.
     */
    public static void requireSupported() {
        if (checked) {
            return;
        }
        String os = System.getProperty("os.name");
        if (!"Linux".equals(os)) {
            throw new UnsupportedOperationException("hako runs containers on Linux only; this is " + os);
        }
        String arch = System.getProperty("os.arch");
        if (!arch.equals("amd64") && !arch.equals("x86_64") && !arch.equals("aarch64") && !arch.equals("arm64")) {
            throw new UnsupportedOperationException("hako supports x86_64 and aarch64; this JVM runs on " + arch);
        }
        String release = System.getProperty("os.version");
        if (!atLeast(release, MIN_MAJOR, MIN_MINOR)) {
            throw new UnsupportedOperationException("hako needs Linux " + MIN_MAJOR + "." + MIN_MINOR
                    + " or newer (clone3 with pidfds, close_range); this kernel is " + release
                    + ": upgrade the kernel");
        }
        checked = true;
    }

    /** The running kernel's release, like {@code 6.1.0-13-amd64}. */
    public static String release() {
        return System.getProperty("os.version");
    }

    /** True when {@code release} (like {@code 6.1.0-13-amd64}) is at least major.minor. */
    static boolean atLeast(String release, int major, int minor) {
        Matcher m = VERSION.matcher(release == null ? "" : release);
        if (!m.find()) {
            return false;
        }
        int maj = Integer.parseInt(m.group(1));
        int min = Integer.parseInt(m.group(2));
        return maj > major || (maj == major && min >= minor);
    }

    /** The effective capabilities, read once: a process that drops them later gets EPERM from clone3, explained there. */
    private static volatile long effective = -1;

    /** True when this process has {@code capability} (a CAP_* number) in its effective set. */
    public static boolean hasCapability(int capability) {
        return (effectiveCapabilities() & (1L << capability)) != 0;
    }

    /** This process's effective capabilities ({@code CapEff} of /proc/self/status), read once. */
    public static long effectiveCapabilities() {
        long caps = effective;
        if (caps == -1) {
            effective = caps = readEffective();
        }
        return caps;
    }

    private static long readEffective() {
        try {
            for (String line : SmallFiles.read(Path.of("/proc/self/status")).split("\n")) {
                if (line.startsWith("CapEff:")) {
                    return Long.parseUnsignedLong(line.substring(7).trim(), 16);
                }
            }
            return 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** This process's effective uid and gid ({@code Uid:}/{@code Gid:} of /proc/self/status), read once. */
    private static volatile long[] ids;

    /** The effective uid of this process (the JVM), read once. */
    public static long effectiveUid() {
        return ids()[0];
    }

    /** The effective gid of this process (the JVM), read once. */
    public static long effectiveGid() {
        return ids()[1];
    }

    /**
     * Whether this JVM runs rootless: without CAP_SYS_ADMIN, so that a container needs a
     * user namespace of its own, whose root it then is.
     */
    public static boolean rootless() {
        return !hasCapability(linux_h.CAP_SYS_ADMIN());
    }

    private static long[] ids() {
        long[] known = ids;
        if (known == null) {
            try {
                String status = SmallFiles.read(Path.of("/proc/self/status"));
                known = new long[] {statusIds(status, "Uid:")[1], statusIds(status, "Gid:")[1]};
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("reading this process's uid and gid from /proc/self/status failed", e);
            }
            ids = known;
        }
        return known;
    }

    /**
     * The real and effective ids of the {@code Uid:} or {@code Gid:} ({@code key}) line of a
     * {@code /proc/PID/status} text.
     *
     * @throws IllegalStateException when there is no such line
     */
    public static long[] statusIds(String status, String key) {
        for (String line : status.split("\n")) {
            if (line.startsWith(key)) {
                String[] f = line.substring(key.length()).trim().split("\\s+");
                return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
            }
        }
        throw new IllegalStateException("no " + key + " line in /proc/self/status");
    }

    private static volatile int lastCapability = -1;

    /**
     * The highest capability number the running kernel knows ({@code /proc/sys/kernel/cap_last_cap}),
     * read once; the headers' {@code CAP_LAST_CAP} when the file cannot be read.
     */
    public static int lastCapability() {
        int last = lastCapability;
        if (last < 0) {
            try {
                last = Integer.parseInt(SmallFiles.read(Path.of("/proc/sys/kernel/cap_last_cap")).trim());
            } catch (IOException | NumberFormatException e) {
                last = linux_h.CAP_LAST_CAP();
            }
            lastCapability = last;
        }
        return last;
    }
}
