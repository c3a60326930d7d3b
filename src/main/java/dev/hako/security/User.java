package dev.hako.security;

import dev.hako.Rootfs;
import dev.hako.linux.linux_h;
import dev.hako.program.ChildProgram;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The user a container's command runs as, from a Docker-style spec: {@code uid},
 * {@code uid:gid}, {@code name} or {@code name:group}. Names are looked up in the
 * container's own /etc/passwd and /etc/group, as Docker does; a uid without a passwd entry
 * gets gid 0.
 *
 * @param uid the user id
 * @param gid the primary group id
 * @param groups the supplementary groups (from /etc/group)
 * @param home the home directory from /etc/passwd, or "/" for an unknown uid
 */
public record User(int uid, int gid, List<Integer> groups, String home) {

    /** Root, what a container runs as unless told otherwise. */
    public static final User ROOT = new User(0, 0, List.of(), "/root");

    /**
     * Resolves {@code spec} against the container's files.
     *
     * @throws IllegalArgumentException when a name is not found, or the spec is malformed
     */
    public static User resolve(String spec, Rootfs rootfs) throws IOException {
        String[] parts = spec.split(":", -1);
        if (parts.length > 2 || parts[0].isEmpty() || (parts.length == 2 && parts[1].isEmpty())) {
            throw new IllegalArgumentException("user '" + spec + "' is not a user: write uid, uid:gid, name or name:group");
        }
        List<String[]> passwd = table(rootfs, "passwd");
        List<String[]> group = table(rootfs, "group");
        String[] entry = find(passwd, parts[0], 0, 2);
        int uid;
        if (entry != null) {
            uid = Integer.parseInt(entry[2]);
        } else if (isNumber(parts[0])) {
            uid = Integer.parseInt(parts[0]);
        } else {
            throw new IllegalArgumentException("user '" + parts[0] + "' is not in the container's /etc/passwd:"
                    + " give a number, or a name the image defines");
        }
        int gid;
        if (parts.length == 2) {
            String[] g = find(group, parts[1], 0, 2);
            if (g != null) {
                gid = Integer.parseInt(g[2]);
            } else if (isNumber(parts[1])) {
                gid = Integer.parseInt(parts[1]);
            } else {
                throw new IllegalArgumentException("group '" + parts[1] + "' is not in the container's /etc/group:"
                        + " give a number, or a name the image defines");
            }
        } else {
            gid = entry != null && entry.length > 3 && isNumber(entry[3]) ? Integer.parseInt(entry[3]) : 0;
        }
        String name = entry != null ? entry[0] : null;
        List<Integer> groups = new ArrayList<>();
        if (name != null && parts.length == 1) {
            for (String[] g : group) {
                if (g.length > 3 && isNumber(g[2]) && List.of(g[3].split(",")).contains(name)) {
                    groups.add(Integer.parseInt(g[2]));
                }
            }
        }
        String home = entry != null && entry.length > 5 && !entry[5].isEmpty() ? entry[5] : "/";
        return new User(uid, gid, List.copyOf(groups), home);
    }

    /**
     * Adds the steps that become this user: supplementary groups, then gid, then uid (the
     * uid last, since it gives up the right to change the others).
     */
    public void addSteps(ChildProgram.Builder p) {
        MemorySegment list = p.arena().allocate(JAVA_INT, Math.max(1, groups.size()));
        for (int i = 0; i < groups.size(); i++) {
            list.setAtIndex(JAVA_INT, i, groups.get(i));
        }
        p.step(linux_h.SYS_setgroups(), "setgroups(" + groups.size() + ", " + groups + ")", groups.size(), list.address())
                .step(linux_h.SYS_setresgid(), "setresgid(" + gid + ", " + gid + ", " + gid + ")", gid, gid, gid)
                .step(linux_h.SYS_setresuid(), "setresuid(" + uid + ", " + uid + ", " + uid + ")", uid, uid, uid);
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.length() < 10 && s.chars().allMatch(Character::isDigit);
    }

    private static String[] find(List<String[]> table, String key, int nameField, int idField) {
        for (String[] row : table) {
            if (row.length > idField && (row[nameField].equals(key) || (isNumber(key) && row[idField].equals(key)))) {
                return row;
            }
        }
        return null;
    }

    /** /etc/{name} as the container will see it, split into fields. */
    private static List<String[]> table(Rootfs rootfs, String name) throws IOException {
        Optional<Path> file = etcFile(rootfs, name);
        List<String[]> rows = new ArrayList<>();
        if (file.isPresent()) {
            for (String line : Files.readAllLines(file.get())) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    rows.add(line.split(":", -1));
                }
            }
        }
        return rows;
    }

    private static Optional<Path> etcFile(Rootfs rootfs, String name) {
        List<Path> roots = switch (rootfs) {
            case Rootfs.Directory d -> List.of(d.path());
            case Rootfs.Overlay o -> {
                List<Path> layers = new ArrayList<>();
                if (o.upper() != null) {
                    layers.add(o.upper());
                }
                layers.addAll(o.lowers());
                yield layers;
            }
            case Rootfs.Host h -> List.of(Path.of("/"));
        };
        for (Path root : roots) {
            Path f = root.resolve("etc").resolve(name);
            if (Files.isRegularFile(f)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}
