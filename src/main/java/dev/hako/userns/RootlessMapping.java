package dev.hako.userns;

import dev.hako.IdMapping;
import dev.hako.UserNamespace;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The user namespace of a JVM that is not root: what a plain user may map, and the map it
 * gets by default.
 *
 * <p><b>The default</b> ({@link #defaultNamespace()}) is rootless podman's: container id 0
 * is the user's own uid (count 1), then container ids 1, 2, ... are the user's
 * {@code /etc/subuid} ranges in file order, back to back; the same for gids with its own
 * gid and {@code /etc/subgid}. With no subordinate ranges it is the single own id, which
 * the kernel lets the JVM write itself, but only with {@code setgroups} denied
 * ({@link #mustDenySetgroups}). Where ranges overlap the own id or each other, the later
 * part is left out (each host id is mapped once); ranges adjacent on the host are joined
 * into one line; at most {@value UserNamespace#MAX_LINES} lines are made, and container ids
 * stop at {@value IdMapping#MAX_ID}.
 *
 * <p><b>What a user owns</b> ({@link #checkOwned}): its own uid and gid, each as a line of
 * one id, and its subordinate ranges, which a line may span where they are adjacent. That
 * is what {@code newuidmap}/{@code newgidmap} allow; the kernel allows even less without
 * them (the own id alone).
 */
public final class RootlessMapping {
    private final HostUser user;
    private final Path subuidFile;
    private final Path subgidFile;
    private final List<SubordinateIds.Range> subuids;
    private final List<SubordinateIds.Range> subgids;
    private final List<SubordinateIds.IgnoredLine> ignoredSubuids;
    private final List<SubordinateIds.IgnoredLine> ignoredSubgids;

    private RootlessMapping(HostUser user, Path subuidFile, List<SubordinateIds.Range> subuids,
            List<SubordinateIds.IgnoredLine> ignoredSubuids, Path subgidFile, List<SubordinateIds.Range> subgids,
            List<SubordinateIds.IgnoredLine> ignoredSubgids) {
        this.user = Objects.requireNonNull(user, "user");
        this.subuidFile = subuidFile;
        this.subgidFile = subgidFile;
        this.subuids = List.copyOf(subuids);
        this.subgids = List.copyOf(subgids);
        this.ignoredSubuids = List.copyOf(ignoredSubuids);
        this.ignoredSubgids = List.copyOf(ignoredSubgids);
    }

    /** The JVM's own user, with {@code /etc/subuid} and {@code /etc/subgid}. */
    public static RootlessMapping forCurrentUser() throws IOException {
        return forUser(HostUser.current(), SubordinateIds.SUBUID, SubordinateIds.SUBGID);
    }

    /**
     * {@code user} with the ranges these files grant it.
     *
     * @throws IOException when a file is refused or unreadable (see {@link SubordinateIds#read})
     */
    public static RootlessMapping forUser(HostUser user, Path subuid, Path subgid) throws IOException {
        SubordinateIds.Entries uids = SubordinateIds.read(subuid);
        SubordinateIds.Entries gids = SubordinateIds.read(subgid);
        return new RootlessMapping(user, subuid, uids.of(user.name(), user.uid()), mine(uids, user),
                subgid, gids.of(user.name(), user.uid()), mine(gids, user));
    }

    /** {@code user} with these ranges (as from {@code /etc/subuid} and {@code /etc/subgid}). */
    public static RootlessMapping of(HostUser user, List<SubordinateIds.Range> subuids, List<SubordinateIds.Range> subgids) {
        return new RootlessMapping(user, SubordinateIds.SUBUID, subuids, List.of(), SubordinateIds.SUBGID, subgids, List.of());
    }

    /** The ignored lines that look like this user's (they start with its name or uid). */
    private static List<SubordinateIds.IgnoredLine> mine(SubordinateIds.Entries entries, HostUser user) {
        return entries.ignored().stream()
                .filter(l -> (user.name() != null && l.text().startsWith(user.name() + ":"))
                        || l.text().startsWith(user.uid() + ":"))
                .toList();
    }

    public HostUser user() {
        return user;
    }

    /** The user's subordinate uid ranges, in file order. */
    public List<SubordinateIds.Range> subuids() {
        return subuids;
    }

    /** The user's subordinate gid ranges, in file order. */
    public List<SubordinateIds.Range> subgids() {
        return subgids;
    }

    /** The default user namespace (see the class comment). */
    public UserNamespace defaultNamespace() {
        return UserNamespace.of(defaultMap(user.uid(), subuids), defaultMap(user.gid(), subgids));
    }

    /** Container 0 is {@code own}, then the ranges back to back from container id 1. */
    static List<IdMapping> defaultMap(long own, List<SubordinateIds.Range> ranges) {
        List<IdMapping> lines = new ArrayList<>();
        lines.add(IdMapping.of(0, own, 1));
        List<long[]> taken = new ArrayList<>(); // host [start, end) already mapped
        taken.add(new long[] {own, own + 1});
        long next = 1;
        for (SubordinateIds.Range r : ranges) {
            for (long[] piece : subtract(r.start(), r.end(), taken)) {
                long n = Math.min(piece[1] - piece[0], IdMapping.MAX_ID + 1 - next);
                if (n <= 0) {
                    return lines;
                }
                IdMapping last = lines.get(lines.size() - 1);
                if (lines.size() > 1 && last.hostId() + last.count() == piece[0]) {
                    lines.set(lines.size() - 1, IdMapping.of(last.containerId(), last.hostId(), last.count() + n));
                } else if (lines.size() == UserNamespace.MAX_LINES) {
                    return lines;
                } else {
                    lines.add(IdMapping.of(next, piece[0], n));
                }
                taken.add(new long[] {piece[0], piece[0] + n});
                next += n;
            }
        }
        return lines;
    }

    /** The parts of {@code [start, end)} outside every interval of {@code taken}, in order. */
    private static List<long[]> subtract(long start, long end, List<long[]> taken) {
        List<long[]> pieces = new ArrayList<>();
        pieces.add(new long[] {start, end});
        for (long[] t : taken) {
            List<long[]> rest = new ArrayList<>();
            for (long[] p : pieces) {
                if (t[1] <= p[0] || p[1] <= t[0]) {
                    rest.add(p);
                    continue;
                }
                if (p[0] < t[0]) {
                    rest.add(new long[] {p[0], t[0]});
                }
                if (t[1] < p[1]) {
                    rest.add(new long[] {t[1], p[1]});
                }
            }
            pieces = rest;
        }
        pieces.sort((a, b) -> Long.compare(a[0], b[0]));
        return pieces;
    }

    /**
     * Whether {@code maps} needs {@code newuidmap} or {@code newgidmap}: a map that is more
     * than the user's own single id (one line {@code X own 1}).
     */
    public boolean needsHelpers(UserNamespace maps) {
        return needsUidHelper(maps) || needsGidHelper(maps);
    }

    /** Whether the uid map is more than the user's own uid alone, so only {@code newuidmap} can write it. */
    public boolean needsUidHelper(UserNamespace maps) {
        return !isOwnIdAlone(requireResolved(maps).uidMap(), user.uid());
    }

    /** Whether the gid map is more than the user's own gid alone, so only {@code newgidmap} can write it. */
    public boolean needsGidHelper(UserNamespace maps) {
        return !isOwnIdAlone(requireResolved(maps).gidMap(), user.gid());
    }

    /**
     * Whether {@code setgroups} must be denied: when the gid map is the own gid alone. The
     * kernel takes such a map from an unprivileged process only after {@code setgroups} is
     * denied (else the container could drop the user's groups, a way around negative
     * group permissions); {@code newgidmap} denies it too in that case. With subordinate
     * gids mapped through {@code newgidmap}, setgroups may stay allowed.
     */
    public boolean mustDenySetgroups(UserNamespace maps) {
        return !needsGidHelper(maps);
    }

    static boolean isOwnIdAlone(List<IdMapping> map, long own) {
        return map.size() == 1 && map.get(0).hostId() == own && map.get(0).count() == 1;
    }

    private static UserNamespace requireResolved(UserNamespace maps) {
        Objects.requireNonNull(maps, "maps");
        if (maps.isAuto()) {
            throw new IllegalArgumentException("UserNamespace.auto() has no maps yet: lease a range first (AutoRanges)");
        }
        return maps;
    }

    /**
     * Checks that every line of {@code maps} maps only host ids this user owns: its own uid
     * (gid) as a line of one id, or ids inside its subordinate ranges.
     *
     * @throws IllegalArgumentException for {@link UserNamespace#auto()} (it needs root), or
     *     naming the first line that maps ids the user does not own, with what it owns and
     *     where more can be granted
     */
    public void checkOwned(UserNamespace maps) {
        Objects.requireNonNull(maps, "maps");
        if (maps.isAuto()) {
            throw new IllegalArgumentException("UserNamespace.auto() needs root: it maps a range of host ids that"
                    + " belongs to no user, and " + user.describe() + " may map only its own ids; leave the user"
                    + " namespace to the default (your uid and " + subuidFile + " ranges) or map from those");
        }
        checkOwned("uidMap", "uid", maps.uidMap(), user.uid(), subuids, ignoredSubuids, subuidFile, "--add-subuids");
        checkOwned("gidMap", "gid", maps.gidMap(), user.gid(), subgids, ignoredSubgids, subgidFile, "--add-subgids");
    }

    private void checkOwned(String mapName, String kind, List<IdMapping> map, long own, List<SubordinateIds.Range> ranges,
            List<SubordinateIds.IgnoredLine> ignored, Path file, String usermodOption) {
        for (IdMapping line : map) {
            if (line.count() == 1 && line.hostId() == own || covered(line.hostId(), line.count(), ranges)) {
                continue;
            }
            String who = user.name() != null ? user.name() : Long.toString(user.uid());
            StringBuilder m = new StringBuilder();
            m.append(mapName).append(" line \"").append(line.line()).append("\" maps host ").append(kind).append('s')
                    .append(' ').append(line.hostId()).append('-').append(line.hostId() + line.count() - 1)
                    .append(", which ").append(user.describe()).append(" does not own: without root a container may map")
                    .append(" only your own ").append(kind).append(' ').append(own).append(" (as a line of one id)");
            if (ranges.isEmpty()) {
                m.append(", and ").append(file).append(" grants you no ranges; an administrator can grant some there (usermod ")
                        .append(usermodOption).append(" 100000-165535 ").append(who)
                        .append("), which newuidmap/newgidmap (package uidmap) then map");
            } else {
                m.append(" and the ranges ").append(file).append(" grants you (")
                        .append(ranges.stream().map(SubordinateIds.Range::ids).collect(Collectors.joining(", ")))
                        .append("); an administrator can grant more there (usermod ").append(usermodOption)
                        .append(" FIRST-LAST ").append(who).append(')');
            }
            if (!ignored.isEmpty()) {
                m.append("; ignored as malformed in ").append(file).append(": ")
                        .append(ignored.stream().map(Object::toString).collect(Collectors.joining("; ")));
            }
            throw new IllegalArgumentException(m.toString());
        }
    }

    /** Whether {@code [start, start + count)} lies in the union of {@code ranges} (as shadow-utils' have_range). */
    static boolean covered(long start, long count, List<SubordinateIds.Range> ranges) {
        long pos = start;
        long end = start + count;
        while (pos < end) {
            long at = pos;
            SubordinateIds.Range r = ranges.stream().filter(x -> x.start() <= at && at < x.end()).findFirst().orElse(null);
            if (r == null) {
                return false;
            }
            pos = r.end();
        }
        return true;
    }

    @Override
    public String toString() {
        return "RootlessMapping[" + user.describe() + ", gid " + user.gid() + ", subuids " + subuids + ", subgids "
                + subgids + "]";
    }
}
