package dev.hako.security;

import dev.hako.Rootfs;
import dev.hako.linux.RootedFiles;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;
import dev.hako.program.ChildProgram;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
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
        List<String[]> passwd = table(rootfs, "passwd", spec);
        List<String[]> group = table(rootfs, "group", spec);
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
     * uid last, since it gives up the right to change the others). Without {@code setgroups}
     * (a user namespace that denies it) the supplementary groups stay as they are, which the
     * rules refuse to change (a user with groups is not accepted there).
     */
    public void addSteps(ChildProgram.Builder p, boolean setgroups) {
        if (setgroups) {
            MemorySegment list = p.arena().allocate(JAVA_INT, Math.max(1, groups.size()));
            for (int i = 0; i < groups.size(); i++) {
                list.setAtIndex(JAVA_INT, i, groups.get(i));
            }
            p.step(linux_h.SYS_setgroups(), () -> "setgroups(" + groups.size() + ", " + groups + ")", groups.size(),
                    list.address());
        }
        p.step(linux_h.SYS_setresgid(), () -> "setresgid(" + gid + ", " + gid + ", " + gid + ")", gid, gid, gid)
                .step(linux_h.SYS_setresuid(), () -> "setresuid(" + uid + ", " + uid + ", " + uid + ")", uid, uid, uid);
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

    /** The largest /etc/passwd or /etc/group that is read; anything bigger is refused. */
    public static final long MAX_TABLE_BYTES = 4L << 20;

    /** /etc/{name} as the container will see it, split into fields. */
    private static List<String[]> table(Rootfs rootfs, String name, String spec) throws IOException {
        Optional<String> file = etcFile(rootfs, name, spec);
        List<String[]> rows = new ArrayList<>();
        if (file.isPresent()) {
            for (String line : (Iterable<String>) file.get().lines()::iterator) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    rows.add(line.split(":", -1));
                }
            }
        }
        return rows;
    }

    /**
     * The text of /etc/{name} as the container will see it, looked up without leaving the
     * rootfs: in each root (the layers of an overlay top first, as overlayfs joins them)
     * with every symlink resolved inside that root ({@link RootedFiles}). A whiteout in an
     * upper layer, or an upper etc that hides the lower ones, means there is none.
     *
     * @throws IllegalArgumentException naming the user option and the path, when the file
     *         there is not a regular file of at most {@link #MAX_TABLE_BYTES}
     */
    private static Optional<String> etcFile(Rootfs rootfs, String name, String spec) throws IOException {
        boolean layered = rootfs instanceof Rootfs.Overlay;
        List<Path> roots = switch (rootfs) {
            case Rootfs.Directory d -> List.of(d.path());
            case Rootfs.Overlay o -> {
                List<Path> layers = new ArrayList<>();
                if (o.upper() != null && Files.isDirectory(o.upper())) {
                    layers.add(o.upper());
                }
                layers.addAll(o.lowers());
                yield layers;
            }
            case Rootfs.Host h -> List.of(Path.of("/"));
        };
        String relative = "etc/" + name;
        for (Path root : roots) {
            RootedFiles.Found found;
            try {
                found = RootedFiles.read(root, relative, layered, MAX_TABLE_BYTES);
            } catch (SyscallException e) {
                throw new IllegalArgumentException("user '" + spec + "': the container's /etc/" + name + " ("
                        + root.resolve(relative) + ") cannot be looked up: " + e.getMessage(), e);
            }
            switch (found) {
                case RootedFiles.Contents c -> {
                    return Optional.of(new String(c.bytes(), StandardCharsets.UTF_8));
                }
                case RootedFiles.Whiteout w -> {
                    return Optional.empty();
                }
                case RootedFiles.Refused r -> throw new IllegalArgumentException("user '" + spec
                        + "': the container's /etc/" + name + " (" + root.resolve(relative) + ") is " + r.what()
                        + ", not read: it must be a regular file of at most " + (MAX_TABLE_BYTES >> 20) + " MiB");
                case RootedFiles.Missing m -> {
                    if (layered && RootedFiles.hidesLowerLayers(root, "etc")) {
                        return Optional.empty();
                    }
                }
            }
        }
        return Optional.empty();
    }
    /**
     * The gids of {@code groups} (names or numbers), as {@code docker run --group-add} takes
     * them: a name is looked up in the container's own /etc/group (read inside the rootfs,
     * as {@link #resolve} reads it, never the host's), a number is taken as it is.
     *
     * @throws IllegalArgumentException naming the group when a name is not found or is malformed
     */
    public static List<Integer> resolveGroups(List<String> groups, Rootfs rootfs) throws IOException {
        if (groups.isEmpty()) {
            return List.of();
        }
        List<String[]> table = null;
        List<Integer> gids = new ArrayList<>();
        for (String g : groups) {
            if (g == null || g.isEmpty() || g.indexOf(':') >= 0 || g.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("groupAdd(\"" + g + "\"): give a group name or a number");
            }
            if (isNumber(g)) {
                gids.add(Integer.parseInt(g));
                continue;
            }
            if (table == null) {
                table = table(rootfs, "group", "groupAdd " + g);
            }
            String[] row = find(table, g, 0, 2);
            if (row == null || !isNumber(row[2])) {
                throw new IllegalArgumentException("groupAdd(\"" + g + "\"): the group is not in the container's"
                        + " /etc/group: give a number, or a name the image defines");
            }
            gids.add(Integer.parseInt(row[2]));
        }
        return List.copyOf(gids);
    }

    /** This user with {@code extra} supplementary groups after its own (each once). */
    public User withGroups(List<Integer> extra) {
        if (extra.isEmpty()) {
            return this;
        }
        List<Integer> all = new ArrayList<>(groups);
        for (int g : extra) {
            if (!all.contains(g)) {
                all.add(g);
            }
        }
        return new User(uid, gid, List.copyOf(all), home);
    }
}
