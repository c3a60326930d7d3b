package dev.hako.oci;

import dev.hako.spec.SpecException;

/**
 * {@code linux.cgroupsPath} as a cgroupfs path. hako manages cgroups as files (runc's
 * cgroupfs driver), so a systemd-style {@code slice:prefix:name} (what engines pass with
 * {@code --systemd-cgroup}) becomes the directory systemd would have made for it: the
 * slice's nested directories ({@code a-b.slice} lives in {@code a.slice/a-b.slice}) and
 * {@code prefix-name.scope} in it, as runc's systemd driver names the unit.
 */
final class CgroupsPath {
    private CgroupsPath() {
    }

    static String toCgroupfs(String cgroupsPath) {
        String[] parts = cgroupsPath.split(":", -1);
        if (parts.length != 3 || cgroupsPath.startsWith("/")) {
            return cgroupsPath;
        }
        String slice = parts[0].isEmpty() ? "system.slice" : parts[0];
        if (!slice.endsWith(".slice") || slice.contains("/")) {
            throw new SpecException("linux.cgroupsPath: \"" + cgroupsPath + "\" is neither a path nor"
                    + " slice:prefix:name (the slice must end in .slice)");
        }
        StringBuilder path = new StringBuilder();
        String stem = slice.substring(0, slice.length() - ".slice".length());
        if (!stem.equals("-")) {
            String[] words = stem.split("-");
            String prefix = "";
            for (String w : words) {
                prefix = prefix.isEmpty() ? w : prefix + "-" + w;
                path.append('/').append(prefix).append(".slice");
            }
        }
        String unit = parts[1].isEmpty() ? parts[2] : parts[1] + "-" + parts[2];
        path.append('/').append(unit.endsWith(".slice") ? unit : unit + ".scope");
        return path.toString();
    }
}
