package dev.hako.netlink;

import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * rtnetlink ({@code NETLINK_ROUTE}) for one network namespace: links (list, find, create a
 * bridge or a veth pair, up/down, MTU, master, delete), addresses and routes. Made for a
 * container start's two steps:
 *
 * <pre>{@code
 * // in the host's namespace: the pair, its peer made in the container's namespace as eth0,
 * // the host end enslaved to the bridge and up, in one request
 * Optional<Link> hostEnd = host.createVeth(
 *         VethPair.of("veth1a2b", "eth0").peerIn(containerNetns).master(bridgeIndex).withUp());
 * // in the container's namespace: address, eth0 and lo up, default route, in one send
 * InterfaceSetup eth0 = new InterfaceSetup("eth0", address, 24, Optional.of(bridgeAddress), true);
 * try (RouteNetlink box = RouteNetlink.openIn(containerNetns)) {
 *     if (hostEnd.isPresent()) {
 *         box.configure(eth0, hostEnd.get().linkIndex()); // the kernel told us eth0's index
 *     } else {
 *         box.configure(eth0);                            // older kernels: one lookup more
 *     }
 * }
 * }</pre>
 *
 * Every refusal is a {@link NetlinkException} naming the request, the errno and the
 * kernel's own message.
 */
public final class RouteNetlink implements AutoCloseable {
    private final NetlinkSocket socket;

    private RouteNetlink(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** rtnetlink of the calling thread's network namespace. */
    public static RouteNetlink open() throws SyscallException {
        return new RouteNetlink(NetlinkSocket.open(linux_h.NETLINK_ROUTE()));
    }

    /** rtnetlink of the namespace {@code netnsFd} names; no thread of the caller joins it. */
    public static RouteNetlink openIn(int netnsFd) throws IOException {
        return new RouteNetlink(NetlinkSocket.openIn(netnsFd, linux_h.NETLINK_ROUTE()));
    }

    /** The socket underneath, for requests of {@link RouteRequests} sent together. */
    public NetlinkSocket socket() {
        return socket;
    }

    /** Sends the requests together; see {@link NetlinkSocket#execute}. */
    public List<NetlinkSocket.Outcome> execute(List<NetlinkRequest> requests) throws IOException {
        return socket.execute(requests);
    }

    /** Every link of the namespace. */
    public List<Link> links() throws IOException {
        List<Link> links = new ArrayList<>();
        for (NetlinkMessage m : socket.dump(RouteRequests.dumpLinks())) {
            if (m.type() == linux_h.RTM_NEWLINK()) {
                links.add(Link.parse(m));
            }
        }
        return links;
    }

    /** The link named {@code name}, empty when there is none. */
    public Optional<Link> link(String name) throws IOException {
        NetlinkSocket.Outcome o = socket.executeAll(List.of(RouteRequests.getLink(name))).getFirst();
        if (o.error() != null) {
            if (o.error().errno() == linux_h.ENODEV()) {
                return Optional.empty();
            }
            throw o.error();
        }
        for (NetlinkMessage m : o.replies()) {
            if (m.type() == linux_h.RTM_NEWLINK()) {
                return Optional.of(Link.parse(m));
            }
        }
        throw new MalformedMessageException(RouteRequests.getLink(name).description() + ": acknowledged without a link");
    }

    /** The link named {@code name}. */
    public Link requireLink(String name) throws IOException {
        return link(name).orElseThrow(() -> new NetlinkException("RTM_GETLINK " + name, linux_h.ENODEV(),
                "no link named " + name + " in this namespace", -1, -1, 1));
    }

    /** Creates a bridge; {@code mtu} 0 for the default. Returns it as the kernel made it. */
    public Link createBridge(String name, int mtu, boolean up) throws IOException {
        socket.request(RouteRequests.newBridge(name, mtu, up));
        return requireLink(name);
    }

    /**
     * Creates a veth pair in one request (see {@link RouteRequests#newVeth}). Returns the
     * local end as the kernel echoes it where it does (6.x kernels): its
     * {@link Link#linkIndex()} is the peer's index, which spares {@link #configure} its
     * lookup; empty where the kernel does not echo.
     */
    public Optional<Link> createVeth(VethPair pair) throws IOException {
        for (NetlinkMessage m : socket.request(RouteRequests.newVeth(pair))) {
            if (m.type() == linux_h.RTM_NEWLINK()) {
                Link link = Link.parse(m);
                if (link.name().equals(pair.name())) {
                    return Optional.of(link);
                }
            }
        }
        return Optional.empty();
    }

    /** Brings the link named {@code name} up or down. */
    public void setUp(String name, boolean up) throws IOException {
        socket.request(RouteRequests.setUp(name, up));
    }

    /** Sets the MTU of the link named {@code name}. */
    public void setMtu(String name, int mtu) throws IOException {
        socket.request(RouteRequests.setMtu(name, mtu));
    }

    /** Enslaves the link named {@code name} to the bridge of index {@code masterIndex} (0 releases it). */
    public void setMaster(String name, int masterIndex) throws IOException {
        socket.request(RouteRequests.setMaster(name, masterIndex));
    }

    /** Deletes the link named {@code name}. */
    public void deleteLink(String name) throws IOException {
        socket.request(RouteRequests.deleteLink(name));
    }

    /** Deletes the link named {@code name} if it is there; returns whether it was. */
    public boolean deleteLinkIfPresent(String name) throws IOException {
        NetlinkSocket.Outcome o = socket.executeAll(List.of(RouteRequests.deleteLink(name))).getFirst();
        if (o.error() == null) {
            return true;
        }
        if (o.error().errno() == linux_h.ENODEV()) {
            return false;
        }
        throw o.error();
    }

    /** Adds {@code address/prefixLength} to the link named {@code name}. */
    public void addAddress(String name, java.net.InetAddress address, int prefixLength) throws IOException {
        socket.request(RouteRequests.newAddress(requireLink(name).index(), name, address, prefixLength));
    }

    /** Every address of {@code family} ({@code AF_INET}, {@code AF_INET6}, {@code AF_UNSPEC} for both). */
    public List<Address> addresses(int family) throws IOException {
        List<Address> addresses = new ArrayList<>();
        for (NetlinkMessage m : socket.dump(RouteRequests.dumpAddresses(family))) {
            if (m.type() == linux_h.RTM_NEWADDR()) {
                addresses.add(Address.parse(m));
            }
        }
        return addresses;
    }

    /** Adds {@code route}. */
    public void addRoute(Route route) throws IOException {
        socket.request(RouteRequests.newRoute(route));
    }

    /** Every route of {@code family}, of every table (filter on {@link Route#table()}). */
    public List<Route> routes(int family) throws IOException {
        List<Route> routes = new ArrayList<>();
        for (NetlinkMessage m : socket.dump(RouteRequests.dumpRoutes(family))) {
            if (m.type() == linux_h.RTM_NEWROUTE()) {
                routes.add(Route.parse(m));
            }
        }
        return routes;
    }

    /**
     * Sets up a container's interface: finds its index (one round trip), then sends
     * together its address, the interface up, {@code lo} up if asked, and the default
     * route, and collects their acks once.
     *
     * @throws NetlinkException for the first request the kernel refused, naming it
     */
    public void configure(InterfaceSetup setup) throws IOException {
        configure(setup, requireLink(setup.name()).index());
    }

    /**
     * {@link #configure(InterfaceSetup)} for an interface whose index is known already (the
     * {@link Link#linkIndex()} of the host end {@link #createVeth} returned): one pipelined
     * send, one round trip.
     */
    public void configure(InterfaceSetup setup, int index) throws IOException {
        if (index <= 0) {
            throw new IllegalArgumentException(setup.name() + ": ifindex " + index + " is not positive");
        }
        List<NetlinkRequest> requests = new ArrayList<>(4);
        requests.add(RouteRequests.newAddress(index, setup.name(), setup.address(), setup.prefixLength()));
        requests.add(RouteRequests.setUp(index, setup.name(), true));
        if (setup.loopbackUp()) {
            requests.add(RouteRequests.setUp("lo", true));
        }
        setup.gateway().ifPresent(g -> requests.add(RouteRequests.newRoute(Route.defaultVia(g, index))));
        socket.execute(requests);
    }

    /** Closes the socket. */
    @Override
    public void close() {
        socket.close();
    }
}
