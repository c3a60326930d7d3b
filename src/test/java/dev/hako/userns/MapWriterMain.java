package dev.hako.userns;

import dev.hako.IdMapping;
import dev.hako.UserNamespace;

import java.util.ArrayList;
import java.util.List;

/**
 * A child JVM's main for {@code IdMapWriterIT}, run as a plain test user: writes the maps
 * of a fresh {@code unshare --user} process of its own and prints, one line each,
 * {@code helpers true|false}, then {@code uid_map ...}, {@code gid_map ...},
 * {@code setgroups ...} as the kernel shows them, or {@code error CLASS errno=N exit=N MESSAGE}.
 *
 * <p>Modes: {@code default} (RootlessMapping.forCurrentUser's default with IdMapWriter.system());
 * {@code default-without-helpers} (the same, with no helper directory: a single-id map must
 * need none); {@code explicit UIDMAP GIDMAP DENY} (maps as {@code c,h,n;c,h,n}, written as
 * given, not checked); {@code privileged UIDMAP GIDMAP} (a writer that believes it has
 * CAP_SETUID and CAP_SETGID, so the kernel decides); {@code check UIDMAP GIDMAP}
 * (RootlessMapping.checkOwned only).
 */
public final class MapWriterMain {
    private MapWriterMain() {
    }

    public static void main(String[] args) throws Exception {
        RootlessMapping mapping = RootlessMapping.forCurrentUser();
        IdMapWriter.Caller me = IdMapWriter.Caller.current();
        UserNamespace maps;
        boolean deny;
        IdMapWriter writer = IdMapWriter.system();
        switch (args[0]) {
            case "default", "default-without-helpers" -> {
                maps = mapping.defaultNamespace();
                deny = mapping.mustDenySetgroups(maps);
                if (args[0].equals("default-without-helpers")) {
                    writer = new IdMapWriter(me, List.of());
                }
            }
            case "explicit" -> {
                maps = UserNamespace.of(parse(args[1]), parse(args[2]));
                deny = Boolean.parseBoolean(args[3]);
            }
            case "privileged" -> {
                maps = UserNamespace.of(parse(args[1]), parse(args[2]));
                deny = true;
                writer = new IdMapWriter(new IdMapWriter.Caller(me.uid(), me.gid(), true, true), List.of());
            }
            case "check" -> {
                try {
                    mapping.checkOwned(UserNamespace.of(parse(args[1]), parse(args[2])));
                    System.out.println("owned");
                } catch (IllegalArgumentException e) {
                    System.out.println("error " + e.getClass().getSimpleName() + " " + e.getMessage());
                }
                return;
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.println("helpers " + writer.needsHelpers(maps, deny));
        try (NewUserNamespace target = NewUserNamespace.start()) {
            try {
                writer.write(target.pid(), maps, deny);
            } catch (IdMapException e) {
                System.out.println("error IdMapException errno=" + e.errno() + " exit=" + e.exitCode() + " " + e.getMessage());
                return;
            }
            System.out.println("uid_map " + target.read("uid_map"));
            System.out.println("gid_map " + target.read("gid_map"));
            System.out.println("setgroups " + target.read("setgroups"));
        }
    }

    /** {@code c,h,n;c,h,n} as a map. */
    static List<IdMapping> parse(String s) {
        List<IdMapping> map = new ArrayList<>();
        for (String line : s.split(";")) {
            String[] f = line.split(",");
            map.add(IdMapping.of(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])));
        }
        return map;
    }
}
