package dev.hako.net;

import dev.hako.linux.linux_h;
import dev.hako.netlink.InterfaceSetup;
import dev.hako.netlink.Link;
import dev.hako.netlink.NetlinkException;
import dev.hako.netlink.NftRule;
import dev.hako.netlink.RouteNetlink;
import dev.hako.netlink.RouteRequests;
import dev.hako.netlink.VethPair;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One container on a bridge: its leased address, its veth (the host end on the bridge, the
 * other end created right in the container's network namespace as {@code eth0}, so it is
 * never seen in the host's), the address and default route inside, and its published ports.
 *
 * <p>A start does this while the child does its mounts: two netlink sends on the host (the
 * veth pair with its master and up in one request) and one pipelined send inside. The
 * veth goes away with the container's network namespace, which the kernel tears down in
 * the background once the container's last process is gone (deleting a link waits for an
 * RCU grace period, about 20 ms here, which {@link #close()} leaves to the kernel's
 * cleanup instead of paying it itself; and a container that joined this one's network
 * keeps it alive as long as it runs). {@link #close()} stops the ports' forwarding and
 * releases the address; a start that fails deletes the veth at once. The lease names the container's first process, so a container that
 * outlives its JVM keeps its address, and a crashed one's lease is taken over once that
 * process is gone.
 */
public final class BridgeAttachment implements AutoCloseable {
    /** Where leases are kept: one directory per bridge, as Docker keeps its IPAM state under /var/run. */
    public static final Path LEASES = Path.of("/run/hako/networks");
    static final String CONTAINER_INTERFACE = "eth0";

    private static final Map<String, AddressLeases> LEASES_BY_BRIDGE = new ConcurrentHashMap<>();

    private final AddressLeases leases;
    private final AddressLease lease;
    private final String hostVeth;
    private final List<PortMapping> published;
    private final List<AutoCloseable> forwarders;
    private final List<NftRule.Handle> rules;
    private boolean closed;

    private BridgeAttachment(AddressLeases leases, AddressLease lease, String hostVeth, List<PortMapping> published,
                             List<AutoCloseable> forwarders, List<NftRule.Handle> rules) {
        this.leases = leases;
        this.lease = lease;
        this.hostVeth = hostVeth;
        this.published = List.copyOf(published);
        this.forwarders = forwarders;
        this.rules = List.copyOf(rules);
    }

    /**
     * Attaches the child {@code pid} (its pidfd {@code pidfd}) to the plan's bridge and
     * forwards the {@code reserved} ports to it. On failure everything made so far is
     * undone before the exception propagates.
     */
    public static BridgeAttachment attach(NetworkPlan.Bridged plan, List<ReservedPort> reserved, long pid, int pidfd,
                                          String containerId) throws IOException {
        BridgeHost.State bridge = BridgeHost.ensure(plan.bridge(), plan.subnet());
        AddressLeases leases = leasesOf(plan);
        AddressLease lease = leases.lease(pid, containerId);
        String hostVeth = null;
        List<AutoCloseable> forwarders = new ArrayList<>();
        List<NftRule.Handle> rules = List.of();
        try {
            // By the child's pid and pidfd, never a namespace fd: the child waits unreaped, so
            // neither can name another process, and there is no descriptor to open and close.
            Optional<Link> hostEnd;
            try {
                hostEnd = createVeth(bridge, pid, plan.isolated());
            } catch (BridgeGone gone) {
                // Removed behind this JVM's back (ip link del): made again, once, for this start.
                bridge = BridgeHost.ensure(plan.bridge(), plan.subnet());
                hostEnd = createVeth(bridge, pid, plan.isolated());
            }
            hostVeth = hostEnd.map(Link::name).orElse(vethName(pid));
            InterfaceSetup setup = new InterfaceSetup(CONTAINER_INTERFACE, lease.address().toInetAddress(),
                    plan.subnet().prefixLength(), Optional.of(plan.subnet().gateway().toInetAddress()), false);
            try (RouteNetlink inside = RouteNetlink.openIn(pidfd)) { // setns(pidfd, CLONE_NEWNET)
                if (hostEnd.isPresent() && hostEnd.get().linkIndex() > 0) {
                    inside.configure(setup, hostEnd.get().linkIndex()); // the peer's index, from the kernel's echo
                } else {
                    inside.configure(setup);
                }
            }
            List<PortMapping> published = new ArrayList<>();
            for (ReservedPort port : reserved) {
                InetSocketAddress target = new InetSocketAddress(lease.address().toInetAddress(),
                        port.mapping().containerPort());
                forwarders.add(port.mapping().protocol() == Protocol.UDP ? UdpProxy.start(port, target)
                        : TcpProxy.start(port, target));
                published.add(port.mapping().withHostPort(port.port()));
            }
            rules = BridgeRules.add(plan, lease.address(), published, pid, containerId);
            return new BridgeAttachment(leases, lease, hostVeth, published, forwarders, rules);
        } catch (IOException | RuntimeException e) {
            BridgeRules.delete(rules, e);
            undo(leases, lease, hostVeth, forwarders, e);
            throw e;
        }
    }

    /**
     * The bridge's leases; the first use in a JVM sweeps those whose owners are gone (a
     * crashed JVM's containers), which allocation would otherwise take over only once the
     * subnet has no other free address.
     */
    private static AddressLeases leasesOf(NetworkPlan.Bridged plan) throws IOException {
        String key = plan.bridge() + " " + plan.subnet();
        AddressLeases known = LEASES_BY_BRIDGE.get(key);
        if (known != null) {
            return known;
        }
        synchronized (LEASES_BY_BRIDGE) {
            known = LEASES_BY_BRIDGE.get(key);
            if (known == null) {
                known = new AddressLeases(AddressLeases.directoryOf(LEASES, plan.bridge()), plan.subnet());
                known.sweep();
                LEASES_BY_BRIDGE.put(key, known);
            }
            return known;
        }
    }

    static String vethName(long pid) {
        return "hkv" + pid;
    }

    /**
     * Creates the pair; the host end's name is {@code hkv<pid>}, unique among running
     * containers. Returns the host end as the kernel echoes it (empty on a kernel that does
     * not), and makes it an isolated bridge port when asked.
     */
    private static Optional<Link> createVeth(BridgeHost.State bridge, long pid, boolean isolated)
            throws IOException {
        String name = vethName(pid);
        try (RouteNetlink host = RouteNetlink.open()) {
            Optional<Link> created;
            try {
                created = host.createVeth(pair(name, bridge, pid));
            } catch (NetlinkException e) {
                if (e.errno() == linux_h.EEXIST()) {
                    // A veth of an earlier process with this pid whose namespace still lives (an exec'd
                    // process kept it): gone with that namespace; until then, a name of its own.
                    name = vethName(pid) + "-" + Long.toHexString(System.nanoTime() & 0xfff);
                    created = host.createVeth(pair(name, bridge, pid));
                } else if ((e.errno() == linux_h.ENODEV() || e.errno() == linux_h.EINVAL())
                        && host.link(bridge.name()).map(l -> l.index() != bridge.index()).orElse(true)) {
                    // The master's index names no link (EINVAL) or the bridge is gone (ENODEV).
                    BridgeHost.forget(bridge.name());
                    throw new BridgeGone("bridge " + bridge.name() + " is gone (removed since this JVM made or"
                            + " found it as ifindex " + bridge.index() + ")", e);
                } else {
                    throw e;
                }
            }
            if (isolated) {
                int index = created.isPresent() ? created.get().index() : host.requireLink(name).index();
                host.execute(List.of(RouteRequests.setBridgePortIsolated(index, name, true)));
            }
            return created.isPresent() ? created : Optional.of(host.requireLink(name));
        }
    }

    private static VethPair pair(String name, BridgeHost.State bridge, long pid) {
        return VethPair.of(name, CONTAINER_INTERFACE).peerInNamespaceOf(pid).master(bridge.index()).mtu(bridge.mtu())
                .withUp();
    }

    /** The container's address on the bridge, such as {@code 172.29.0.2}. */
    public Ipv4Address address() {
        return lease.address();
    }

    /** The ports published, with the host port chosen for each that asked for 0. */
    public List<PortMapping> published() {
        return published;
    }

    /**
     * Stops forwarding and releases the address, once the container's processes are gone;
     * the veth goes with their network namespace (see the class comment).
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = new IOException("detaching from the bridge left something behind");
        BridgeRules.delete(rules, failure);
        undo(leases, lease, null, forwarders, failure);
        if (failure.getSuppressed().length > 0) {
            throw failure;
        }
    }

    private static void undo(AddressLeases leases, AddressLease lease, String hostVeth, List<AutoCloseable> forwarders,
                             Exception failure) {
        for (AutoCloseable f : forwarders) {
            try {
                f.close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }
        if (hostVeth != null) {
            try (RouteNetlink host = RouteNetlink.open()) {
                host.deleteLinkIfPresent(hostVeth);
            } catch (IOException | RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
        try {
            leases.release(lease);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /** The bridge this JVM knew was removed by someone else: {@link #attach} makes it again. */
    private static final class BridgeGone extends IOException {
        BridgeGone(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
