package dev.hako.net;

import dev.hako.linux.linux_h;
import dev.hako.netlink.Ipv4Prefix;
import dev.hako.netlink.Link;
import dev.hako.netlink.NfTables;
import dev.hako.netlink.NftChain;
import dev.hako.netlink.NftOwner;
import dev.hako.netlink.NftRule;
import dev.hako.netlink.NftRules;
import dev.hako.netlink.PublishedPort;
import dev.hako.netlink.Route;
import dev.hako.netlink.RouteNetlink;

import java.io.IOException;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A bridged container's rules in hako's own nftables table ({@link NfTables}): the DNAT
 * of its published ports for the host's own connections to its non-loopback addresses and,
 * on a bridge with outbound access (where the host forwards), for other hosts' connections
 * arriving by its uplinks, which keeps the client's address; everything else (127.0.0.1,
 * other hosts where the host does not forward) the forwarder in the JVM serves. With
 * outbound access, also its masquerading and forward filter. Every rule names the
 * container's first process (pid and start time), so the sweep that a JVM's first bridged
 * start with rules runs (and again at most once a minute) removes the rules of containers
 * that are gone, also those of a JVM that crashed.
 */
final class BridgeRules {
    private static final Path CONF = Path.of("/proc/sys/net/ipv4/conf");
    /** How often, at most, a start sweeps the rules of dead owners (a JVM may run for weeks). */
    private static final long SWEEP_INTERVAL_NANOS = 60_000_000_000L;
    private static NfTables host;
    private static long lastSweep;

    private BridgeRules() {
    }

    /** The host's table, opened once per JVM, and swept of dead owners' rules at most once a minute. */
    private static synchronized NfTables host() throws IOException {
        if (host == null) {
            host = NfTables.open();
            lastSweep = System.nanoTime() - SWEEP_INTERVAL_NANOS;
        }
        if (System.nanoTime() - lastSweep >= SWEEP_INTERVAL_NANOS) {
            host.sweep();
            lastSweep = System.nanoTime();
        }
        return host;
    }

    /**
     * Adds the rules of the container {@code pid} at {@code address}; on failure, removes the
     * ones added before the exception propagates.
     */
    static List<NftRule.Handle> add(NetworkPlan.Bridged plan, Ipv4Address address, List<PortMapping> published,
                                    long pid, String containerId) throws IOException {
        List<PublishedPort> dnat = new ArrayList<>();
        for (PortMapping m : published) {
            if (m.hostAddress() instanceof Inet4Address a && !a.isLoopbackAddress()) {
                PublishedPort.Protocol protocol = m.protocol() == Protocol.UDP ? PublishedPort.Protocol.UDP
                        : PublishedPort.Protocol.TCP;
                dnat.add(new PublishedPort(protocol, m.allAddresses() ? Optional.empty() : Optional.of(a), m.hostPort(),
                        address.toInetAddress(), m.containerPort()));
            }
        }
        if (dnat.isEmpty() && !plan.outbound()) {
            return List.of();
        }
        ProcessIdentity id = ProcessIdentity.of(pid).orElseThrow(() -> new IOException("container " + containerId
                + ": its first process " + pid + " is gone before its network rules could be added"));
        NftOwner owner = new NftOwner(containerId, pid, id.startTime());
        List<NfTables.NewRule> rules = new ArrayList<>();
        List<String> uplinks = List.of();
        if (plan.outbound()) {
            Ipv4Prefix self = Ipv4Prefix.parse(address + "/32");
            if (plan.uplinks().isEmpty()) {
                uplinks = defaultRouteInterfaces();
                rules.add(new NfTables.NewRule(NftChain.POSTROUTING, NftRules.masquerade(self, plan.bridge()),
                        "masquerade " + self + " not via " + plan.bridge()));
            } else {
                uplinks = plan.uplinks();
                requireInterfaces(uplinks);
                rules.addAll(NfTables.outboundVia(self, plan.bridge(), uplinks));
            }
        }
        for (PublishedPort p : dnat) {
            // Other hosts' connections are DNAT'd only where the host forwards (the uplinks of an
            // outbound bridge); elsewhere the forwarder in the JVM takes them, as it takes 127.0.0.1.
            rules.add(new NfTables.NewRule(NftChain.OUTPUT, NftRules.publishedPort(p), p + " from the host"));
            rules.addAll(NfTables.publishedPortVia(p, uplinks));
        }
        List<NftRule.Handle> handles = host().addRules(owner, rules); // one batch, one transaction
        try {
            if (plan.outbound()) {
                enableForwarding(plan.bridge(), uplinks);
            }
            return handles;
        } catch (IOException | RuntimeException e) {
            delete(handles, e);
            throw e;
        }
    }

    /** Deletes rules; a failure is added to {@code failure}. */
    static void delete(List<NftRule.Handle> handles, Exception failure) {
        if (handles.isEmpty()) {
            return;
        }
        try {
            host().deleteRules(handles);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /** The interfaces the host's IPv4 default routes leave by: where Docker's outbound traffic goes. */
    static List<String> defaultRouteInterfaces() throws IOException {
        try (RouteNetlink rt = RouteNetlink.open()) {
            List<Link> links = rt.links();
            Set<String> out = new LinkedHashSet<>();
            for (Route r : rt.routes(linux_h.AF_INET())) {
                if (r.isDefault() && r.table() == linux_h.RT_TABLE_MAIN()) {
                    links.stream().filter(l -> l.index() == r.outputIndex()).findFirst().ifPresent(l -> out.add(l.name()));
                }
            }
            if (out.isEmpty()) {
                throw new IOException("outbound(true): the host has no IPv4 default route to reach beyond it by;"
                        + " name the interfaces with outboundVia(...)");
            }
            return List.copyOf(out);
        }
    }

    private static void requireInterfaces(List<String> names) throws IOException {
        try (RouteNetlink rt = RouteNetlink.open()) {
            for (String n : names) {
                if (rt.link(n).isEmpty()) {
                    throw new IOException("outboundVia(\"" + n + "\"): the host has no interface " + n);
                }
            }
        }
    }

    /**
     * IPv4 forwarding on the bridge (it decides for what arrives from the containers) and on
     * the uplinks (it decides for their replies), and nowhere else; left on afterwards, as
     * Docker leaves it, since other containers may still use it.
     */
    private static void enableForwarding(String bridge, List<String> uplinks) throws IOException {
        List<String> all = new ArrayList<>(uplinks);
        all.addFirst(bridge);
        for (String i : all) {
            Path p = CONF.resolve(i).resolve("forwarding");
            if (!Files.readString(p, StandardCharsets.US_ASCII).strip().equals("1")) {
                Files.writeString(p, "1\n", StandardCharsets.US_ASCII);
            }
        }
    }
}
