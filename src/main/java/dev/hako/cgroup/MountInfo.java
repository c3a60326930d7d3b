package dev.hako.cgroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The cgroup mounts of a {@code /proc/self/mountinfo} text.
 *
 * <p>A line reads {@code ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS...] - FSTYPE SOURCE
 * SUPEROPTIONS}. The number of optional tags varies, so the fields after them are found
 * from the lone {@code -}. Paths have space, tab, newline and backslash escaped as
 * {@code \040}, {@code \011}, {@code \012} and {@code \134}.
 */
final class MountInfo {
    private MountInfo() {
    }

    /**
     * One cgroup or cgroup2 mount.
     *
     * @param root the cgroup the mount shows, from the hierarchy's root ({@code /} unless
     *             a sub-cgroup was bind-mounted or a cgroup namespace is in effect)
     * @param mountPoint where it is mounted
     * @param fsType {@code cgroup} (v1) or {@code cgroup2}
     * @param superOptions the super block options; for v1 they name the controllers
     */
    record Mount(String root, Path mountPoint, String fsType, List<String> superOptions) {
    }

    /** Every cgroup and cgroup2 mount, in mountinfo order. */
    static List<Mount> cgroupMounts(String mountinfo) {
        List<Mount> mounts = new ArrayList<>();
        int lineNo = 0;
        for (String line : mountinfo.split("\n")) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.trim().split(" +");
            int dash = -1;
            for (int i = 6; i < f.length; i++) {
                if (f[i].equals("-")) {
                    dash = i;
                    break;
                }
            }
            if (dash < 0 || dash + 1 >= f.length) {
                throw new IllegalArgumentException("mountinfo line " + lineNo + " has no '- FSTYPE' part: " + line);
            }
            String fsType = f[dash + 1];
            if (!fsType.equals("cgroup") && !fsType.equals("cgroup2")) {
                continue;
            }
            String superOptions = dash + 3 < f.length ? f[dash + 3] : "";
            mounts.add(new Mount(unescape(f[3]), Path.of(unescape(f[4])), fsType,
                    List.of(superOptions.split(","))));
        }
        return mounts;
    }

    /** Undoes the kernel's octal escapes ({@code \040} is a space). */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1) && isOctal(field, i + 2) && isOctal(field, i + 3)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int i) {
        return i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '7';
    }
}
