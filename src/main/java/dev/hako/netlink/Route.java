package dev.hako.netlink;

import dev.hako.linux.linux_h;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Optional;

/**
 * A route: what {@code RTM_NEWROUTE} adds or a dump lists. Made for adding with
 * {@link #defaultVia} or {@link #toPrefix}; the other fields then take the values
 * {@code ip route add} gives them (the main table, {@code RTPROT_BOOT}, unicast).
 *
 * @param destination the destination network, empty for a default route
 * @param prefixLength the destination's prefix length (0 for a default route)
 * @param gateway the next hop, empty for a route to a directly attached network
 * @param outputIndex the ifindex of the device it goes out of, 0 for whichever the kernel picks
 * @param table the routing table ({@code RT_TABLE_MAIN} for most)
 * @param protocol who added it ({@code RTPROT_KERNEL}, {@code RTPROT_BOOT}, ...)
 * @param scope its {@code RT_SCOPE_*}
 * @param type its {@code RTN_*} type
 * @param ipv6 whether it is an IPv6 route
 */
public record Route(Optional<InetAddress> destination, int prefixLength, Optional<InetAddress> gateway, int outputIndex,
        int table, int protocol, int scope, int type, boolean ipv6) {

    public Route {
        int max = ipv6 ? 128 : 32;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is not 0.." + max);
        }
        for (Optional<InetAddress> a : java.util.List.of(destination, gateway)) {
            if (a.isPresent() && (a.get() instanceof Inet4Address) == ipv6) {
                throw new IllegalArgumentException("route mixes IPv4 and IPv6: " + a.get().getHostAddress());
            }
        }
    }

    /** The default route through {@code gateway}, out of device {@code outputIndex} (0: the kernel finds it). */
    public static Route defaultVia(InetAddress gateway, int outputIndex) {
        return new Route(Optional.empty(), 0, Optional.of(gateway), outputIndex, linux_h.RT_TABLE_MAIN(),
                linux_h.RTPROT_BOOT(), linux_h.RT_SCOPE_UNIVERSE(), linux_h.RTN_UNICAST(),
                !(gateway instanceof Inet4Address));
    }

    /** A route to the network {@code destination/prefixLength} directly on device {@code outputIndex} (scope link). */
    public static Route toPrefix(InetAddress destination, int prefixLength, int outputIndex) {
        if (outputIndex <= 0) {
            throw new IllegalArgumentException("a route to " + destination.getHostAddress() + "/" + prefixLength
                    + " on a device needs the device's index, not " + outputIndex);
        }
        return new Route(Optional.of(destination), prefixLength, Optional.empty(), outputIndex, linux_h.RT_TABLE_MAIN(),
                linux_h.RTPROT_BOOT(), linux_h.RT_SCOPE_LINK(), linux_h.RTN_UNICAST(),
                !(destination instanceof Inet4Address));
    }

    /** Whether it is a default route (no destination). */
    public boolean isDefault() {
        return destination.isEmpty();
    }

    /** {@code default via 10.0.0.1 dev 3} or {@code 10.0.0.0/24 dev 3}, as in errors. */
    public String describe() {
        return destination.map(d -> d.getHostAddress() + "/" + prefixLength).orElse("default")
                + gateway.map(g -> " via " + g.getHostAddress()).orElse("")
                + (outputIndex > 0 ? " dev " + outputIndex : "");
    }

    static Route parse(NetlinkMessage m) throws MalformedMessageException {
        m.requireHeader(linux_h.HAKO_RTMSG_SIZE(), "RTM_NEWROUTE");
        Attributes a = m.attributes(linux_h.HAKO_RTMSG_SIZE());
        Optional<InetAddress> destination = Optional.empty();
        Optional<Attribute> dst = a.get(linux_h.RTA_DST());
        if (dst.isPresent()) {
            destination = Optional.of(Address.inet(dst.get(), "RTA_DST"));
        }
        Optional<InetAddress> gateway = Optional.empty();
        Optional<Attribute> gw = a.get(linux_h.RTA_GATEWAY());
        if (gw.isPresent()) {
            gateway = Optional.of(Address.inet(gw.get(), "RTA_GATEWAY"));
        }
        boolean ipv6 = m.u8(linux_h.HAKO_RTM_FAMILY()) == linux_h.AF_INET6();
        int prefix = m.u8(linux_h.HAKO_RTM_DST_LEN());
        if (prefix > (ipv6 ? 128 : 32)) {
            throw new MalformedMessageException("RTM_NEWROUTE with a destination prefix of " + prefix + " bits");
        }
        if ((destination.isPresent() && (destination.get() instanceof Inet4Address) == ipv6)
                || (gateway.isPresent() && (gateway.get() instanceof Inet4Address) == ipv6)) {
            throw new MalformedMessageException("RTM_NEWROUTE whose addresses do not match its family");
        }
        return new Route(destination, prefix, gateway, a.u32(linux_h.RTA_OIF(), 0),
                a.u32(linux_h.RTA_TABLE(), m.u8(linux_h.HAKO_RTM_TABLE())), m.u8(linux_h.HAKO_RTM_PROTOCOL()),
                m.u8(linux_h.HAKO_RTM_SCOPE()), m.u8(linux_h.HAKO_RTM_TYPE()), ipv6);
    }
}
