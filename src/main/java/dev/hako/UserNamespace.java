package dev.hako;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.ToLongFunction;

/**
 * A container's user namespace: who its ids are outside. Root inside is then an
 * unprivileged id on the host, as with Kubernetes' {@code hostUsers: false} or
 * {@code podman run --uidmap}.
 *
 * <p>{@link #of} takes the uid and gid maps as given; {@link #auto()} leaves the choice to
 * the start: {@value #AUTO_SIZE} ids (0 to 65535 inside) from a host range no other
 * container of this machine has at the time, the way Kubernetes picks one for a pod.
 */
public final class UserNamespace {
    /** How many ids {@link #auto()} maps: a whole 16-bit range, as Kubernetes gives a pod. */
    public static final int AUTO_SIZE = 65536;
    /** The kernel's limit on the lines of one uid or gid map (since Linux 4.15). */
    public static final int MAX_LINES = 340;

    private static final UserNamespace AUTO = new UserNamespace(List.of(), List.of(), true);

    private final List<IdMapping> uidMap;
    private final List<IdMapping> gidMap;
    private final boolean auto;

    private UserNamespace(List<IdMapping> uidMap, List<IdMapping> gidMap, boolean auto) {
        this.uidMap = uidMap;
        this.gidMap = gidMap;
        this.auto = auto;
    }

    /**
     * A user namespace with these maps, each line {@code containerId hostId count}.
     *
     * @throws IllegalArgumentException for an empty map, more than {@value #MAX_LINES}
     *     lines, or two lines whose ranges overlap inside or outside (the kernel would refuse
     *     the map), naming the map and the lines
     */
    public static UserNamespace of(List<IdMapping> uidMap, List<IdMapping> gidMap) {
        return new UserNamespace(check("uidMap", uidMap), check("gidMap", gidMap), false);
    }

    /**
     * {@value #AUTO_SIZE} ids, 0 to 65535 inside, from a host range that no other container
     * on this machine holds: chosen at start, held while the container exists.
     */
    public static UserNamespace auto() {
        return AUTO;
    }

    /** Whether the maps are chosen at start ({@link #auto()}). */
    public boolean isAuto() {
        return auto;
    }

    /** The uid map; empty for {@link #auto()} until a start chose it. */
    public List<IdMapping> uidMap() {
        return uidMap;
    }

    /** The gid map; empty for {@link #auto()} until a start chose it. */
    public List<IdMapping> gidMap() {
        return gidMap;
    }

    /** The host uid of container uid {@code id}, or {@code -1} when it is not mapped. */
    public long hostUid(long id) {
        return hostIdOf(uidMap, id);
    }

    /** The host gid of container gid {@code id}, or {@code -1} when it is not mapped. */
    public long hostGid(long id) {
        return hostIdOf(gidMap, id);
    }

    private static long hostIdOf(List<IdMapping> map, long id) {
        for (IdMapping m : map) {
            if (m.mapsContainerId(id)) {
                return m.hostIdOf(id);
            }
        }
        return -1;
    }

    private static List<IdMapping> check(String name, List<IdMapping> map) {
        Objects.requireNonNull(map, name);
        List<IdMapping> lines = List.copyOf(map);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(name + ": empty; map at least one range, like "
                    + name + "(0, 100000, 65536)");
        }
        if (lines.size() > MAX_LINES) {
            throw new IllegalArgumentException(name + ": " + lines.size() + " lines; the kernel takes at most "
                    + MAX_LINES + ": join adjacent ranges");
        }
        noOverlap(name, lines, IdMapping::containerId, "inside");
        noOverlap(name, lines, IdMapping::hostId, "outside");
        return lines;
    }

    private static void noOverlap(String name, List<IdMapping> lines, ToLongFunction<IdMapping> start, String side) {
        List<IdMapping> sorted = new ArrayList<>(lines);
        sorted.sort(Comparator.comparingLong(start));
        for (int i = 1; i < sorted.size(); i++) {
            IdMapping a = sorted.get(i - 1);
            IdMapping b = sorted.get(i);
            if (start.applyAsLong(b) < start.applyAsLong(a) + a.count()) {
                throw new IllegalArgumentException(name + ": the ranges \"" + a.line() + "\" and \"" + b.line()
                        + "\" overlap " + side + " the container; each id may be mapped once");
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UserNamespace u && u.auto == auto && u.uidMap.equals(uidMap) && u.gidMap.equals(gidMap);
    }

    @Override
    public int hashCode() {
        return Objects.hash(uidMap, gidMap, auto);
    }

    @Override
    public String toString() {
        return auto ? "UserNamespace.auto()" : "UserNamespace[uidMap=" + uidMap + ", gidMap=" + gidMap + "]";
    }
}
