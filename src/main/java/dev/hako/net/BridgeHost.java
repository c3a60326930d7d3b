package dev.hako.net;

import dev.hako.linux.linux_h;
import dev.hako.netlink.Address;
import dev.hako.netlink.Link;
import dev.hako.netlink.NetlinkException;
import dev.hako.netlink.Route;
import dev.hako.netlink.RouteNetlink;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * A bridge of the host that containers attach to, as Docker's {@code docker0}: made on
 * first use with the subnet's first address and brought up, then shared by every container
 * and every JVM that names it. A bridge that is there already must be one and carry the
 * subnet asked for; a new one must not overlap a route or address of the host (which would
 * cut the host or the containers off from those destinations). Known bridges are cached
 * per JVM and checked again when an attach finds one gone.
 */
public final class BridgeHost {
    /** A bridge as found or made: its name, ifindex, MTU (the veths take it) and subnet. */
    public record State(String name, int index, int mtu, Ipv4Subnet subnet) {
    }

    private static final Map<String, State> KNOWN = new ConcurrentHashMap<>();

    private BridgeHost() {
    }

    /**
     * The bridge {@code name} with {@code subnet}: found, or made (with the gateway address,
     * up). Safe against JVMs making it at once: whoever loses the race finds the winner's.
     *
     * @throws IOException naming what is in the way: a link of that name that is no bridge,
     *     a bridge with another subnet, or a host route or address the subnet overlaps
     */
    public static State ensure(String name, Ipv4Subnet subnet) throws IOException {
        State known = KNOWN.get(name);
        if (known != null && known.subnet().equals(subnet)) {
            return known;
        }
        synchronized (BridgeHost.class) {
            try (RouteNetlink rt = RouteNetlink.open()) {
                State s = findOrMake(rt, name, subnet);
                KNOWN.put(name, s);
                return s;
            }
        }
    }

    /** Forgets what this JVM knows of {@code name}, after an attach found it gone. */
    public static void forget(String name) {
        KNOWN.remove(name);
    }

    private static State findOrMake(RouteNetlink rt, String name, Ipv4Subnet subnet) throws IOException {
        Optional<Link> existing = rt.link(name);
        if (existing.isEmpty()) {
            List<Link> links = rt.links();
            try {
                SubnetConflicts.requireNoConflict(subnet, hostRoutes(rt, links), name);
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e); // what the host has now, not a wrong option: a failed start
            }
            try {
                rt.createBridge(name, 0, true);
            } catch (NetlinkException e) {
                if (e.errno() != linux_h.EEXIST()) {
                    throw e;
                }
                // Another JVM made it first: use theirs, checked as any existing bridge.
            }
            existing = Optional.of(rt.requireLink(name));
        }
        Link bridge = existing.get();
        if (!bridge.kind().equals(Optional.of("bridge"))) {
            throw new IOException("network interface " + name + " exists and is " + bridge.kind().map(k -> "a " + k)
                    .orElse("no bridge") + ": name another bridge (Network.bridge().named(...)), or remove it");
        }
        List<Address> own = rt.addresses(linux_h.AF_INET()).stream().filter(a -> a.index() == bridge.index()).toList();
        Ipv4Address gateway = subnet.gateway();
        boolean hasGateway = false;
        for (Address a : own) {
            Ipv4Address addr = Ipv4Address.of(a.address());
            if (addr.equals(gateway) && a.prefixLength() == subnet.prefixLength()) {
                hasGateway = true;
            } else {
                throw new IOException("bridge " + name + " has the address " + addr + "/" + a.prefixLength()
                        + ", not " + gateway + "/" + subnet.prefixLength() + " of the subnet " + subnet + " asked for:"
                        + " use its subnet (Network.bridge().subnet(\"" + new Ipv4Subnet(
                        new Ipv4Address(addr.bits() & mask(a.prefixLength())), a.prefixLength()) + "\")), or another"
                        + " bridge name");
            }
        }
        if (!hasGateway) {
            try {
                rt.addAddress(name, gateway.toInetAddress(), subnet.prefixLength());
            } catch (NetlinkException e) {
                if (e.errno() != linux_h.EEXIST()) {
                    throw e;
                }
            }
        }
        if (!bridge.isUp()) {
            rt.setUp(name, true);
        }
        return new State(name, bridge.index(), bridge.mtu(), subnet);
    }

    private static int mask(int prefixLength) {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    /** The host's IPv4 routes (main table) and addresses, as the conflict check takes them. */
    static List<HostRoute> hostRoutes(RouteNetlink rt, List<Link> links) throws IOException {
        Map<Integer, String> names = links.stream().collect(Collectors.toMap(Link::index, Link::name, (a, b) -> a));
        List<HostRoute> out = new ArrayList<>();
        for (Route r : rt.routes(linux_h.AF_INET())) {
            if (r.table() != linux_h.RT_TABLE_MAIN() || r.destination().isEmpty()) {
                continue;
            }
            out.add(new HostRoute(Ipv4Address.of(r.destination().get()), r.prefixLength(),
                    names.getOrDefault(r.outputIndex(), "ifindex " + r.outputIndex())));
        }
        for (Address a : rt.addresses(linux_h.AF_INET())) {
            out.add(new HostRoute(Ipv4Address.of(a.address()), 32, names.getOrDefault(a.index(), "ifindex " + a.index())));
        }
        return out;
    }
}
