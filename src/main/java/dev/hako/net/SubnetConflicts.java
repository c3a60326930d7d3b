package dev.hako.net;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether a bridge network's subnet collides with what the host already routes: a subnet
 * that overlaps a route or an address of another device would make those destinations
 * unreachable from the containers (or the containers from them). A pure function over the
 * routes and addresses the caller lists, so it is tested without a kernel.
 *
 * <p>Default routes are not conflicts (they overlap everything and lose to any longer
 * prefix), nor are routes through the network's own bridge (its subnet route, when the
 * bridge exists already).
 */
public final class SubnetConflicts {
    /**
     * Where a free subnet is looked for in a suggestion: 172.17.0.0/16 to 172.31.0.0/16,
     * then 192.168.0.0/20 to 192.168.240.0/20 (the private ranges Docker draws its networks from).
     */
    static final List<Ipv4Subnet> SUGGESTIONS = suggestions();

    private SubnetConflicts() {
    }

    private static List<Ipv4Subnet> suggestions() {
        List<Ipv4Subnet> pool = new ArrayList<>();
        for (int second = 17; second <= 31; second++) {
            pool.add(new Ipv4Subnet(new Ipv4Address(172 << 24 | second << 16), 16));
        }
        for (int third = 0; third < 256; third += 16) {
            pool.add(new Ipv4Subnet(new Ipv4Address(192 << 24 | 168 << 16 | third << 8), 20));
        }
        return List.copyOf(pool);
    }

    /** The routes and addresses of {@code host} that {@code subnet} overlaps, leaving out default routes and those on {@code bridge}. */
    public static List<HostRoute> conflicts(Ipv4Subnet subnet, List<HostRoute> host, String bridge) {
        List<HostRoute> found = new ArrayList<>();
        for (HostRoute route : host) {
            if (!route.isDefault() && !route.device().equals(bridge) && route.subnet().overlaps(subnet)) {
                found.add(route);
            }
        }
        return found;
    }

    /**
     * Throws when {@code subnet} overlaps any of {@code host} (other than default routes and
     * routes on {@code bridge}); the message names each conflict and suggests a free subnet.
     */
    public static void requireNoConflict(Ipv4Subnet subnet, List<HostRoute> host, String bridge) {
        List<HostRoute> found = conflicts(subnet, host, bridge);
        if (found.isEmpty()) {
            return;
        }
        Optional<Ipv4Subnet> free = firstFree(host, bridge);
        throw new IllegalArgumentException("the subnet " + subnet + " of bridge " + bridge + " overlaps "
                + (found.size() == 1 ? "a route or address already on the host: " : "routes or addresses already on the host: ")
                + String.join(", ", found.stream().map(HostRoute::toString).toList())
                + "; containers there could not reach those destinations. Choose a subnet that overlaps none of the host's"
                + " routes (see ip route, ip addr)"
                + free.map(s -> ", for example " + s + ", which is free").orElse(", in a private range (10/8, 172.16/12, 192.168/16)"));
    }

    /** The first subnet of the suggestion pool that overlaps nothing on the host. */
    public static Optional<Ipv4Subnet> firstFree(List<HostRoute> host, String bridge) {
        return SUGGESTIONS.stream().filter(s -> conflicts(s, host, bridge).isEmpty()).findFirst();
    }
}
