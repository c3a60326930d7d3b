package dev.hako.netlink;

import dev.hako.linux.linux_h;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * The rtnetlink requests hako sends, as values: build them, then send one alone or several
 * pipelined ({@link RouteNetlink#execute}). Each carries a description that names what it
 * does, for errors. Links are named by their name where the kernel allows (set, delete) and
 * by index where it needs one (addresses, a route's device). Layouts of
 * {@code struct ifinfomsg}, {@code ifaddrmsg} and {@code rtmsg} come from the bindings.
 */
public final class RouteRequests {
    private static final int IFINFOMSG = linux_h.HAKO_IFINFOMSG_SIZE();

    private RouteRequests() {
    }

    /** A dump of every link. */
    public static NetlinkRequest dumpLinks() {
        return MessageBuilder.dump(linux_h.RTM_GETLINK(), IFINFOMSG).build("RTM_GETLINK (dump)");
    }

    /** One link by name; the kernel answers ENODEV when there is none. */
    public static NetlinkRequest getLink(String name) {
        MessageBuilder m = MessageBuilder.request(linux_h.RTM_GETLINK(), 0, IFINFOMSG);
        m.attrString(linux_h.IFLA_IFNAME(), InterfaceName.validate(name));
        return m.build("RTM_GETLINK " + name);
    }

    /** A bridge; {@code mtu} 0 for the default. */
    public static NetlinkRequest newBridge(String name, int mtu, boolean up) {
        InterfaceName.validate(name);
        MessageBuilder m = newLink(up, 0);
        m.attrString(linux_h.IFLA_IFNAME(), name);
        if (mtu > 0) {
            m.attrU32(linux_h.IFLA_MTU(), mtu);
        }
        int info = m.beginNested(linux_h.IFLA_LINKINFO());
        m.attrString(linux_h.IFLA_INFO_KIND(), "bridge");
        m.endNested(info);
        return m.build("RTM_NEWLINK " + name + " (bridge" + (mtu > 0 ? ", mtu " + mtu : "") + ")");
    }

    /**
     * A veth pair in one request: the peer (with its own {@code ifinfomsg}, name, MTU and
     * {@code IFLA_NET_NS_FD}) inside {@code IFLA_INFO_DATA/VETH_INFO_PEER}, the local end
     * enslaved with {@code IFLA_MASTER} and brought up with {@code IFF_UP} in its header.
     * With {@code NLM_F_ECHO}, kernels that honour it for links (6.x) answer with the new
     * local end, whose {@code IFLA_LINK} is the peer's index in its namespace.
     */
    public static NetlinkRequest newVeth(VethPair pair) {
        MessageBuilder m = newLink(pair.up(), linux_h.NLM_F_ECHO());
        m.attrString(linux_h.IFLA_IFNAME(), pair.name());
        if (pair.mtu() > 0) {
            m.attrU32(linux_h.IFLA_MTU(), pair.mtu());
        }
        if (pair.masterIndex() > 0) {
            m.attrU32(linux_h.IFLA_MASTER(), pair.masterIndex());
        }
        int info = m.beginNested(linux_h.IFLA_LINKINFO());
        m.attrString(linux_h.IFLA_INFO_KIND(), "veth");
        int data = m.beginNested(linux_h.IFLA_INFO_DATA());
        int peer = m.beginNested(linux_h.VETH_INFO_PEER());
        m.struct(ifinfomsg(0, false));
        m.attrString(linux_h.IFLA_IFNAME(), pair.peerName());
        if (pair.mtu() > 0) {
            m.attrU32(linux_h.IFLA_MTU(), pair.mtu());
        }
        if (pair.peerNetnsPid() > 0) {
            m.attrU32(linux_h.IFLA_NET_NS_PID(), (int) pair.peerNetnsPid());
        }
        if (pair.peerNetnsFd() >= 0) {
            m.attrU32(linux_h.IFLA_NET_NS_FD(), pair.peerNetnsFd());
        }
        m.endNested(peer);
        m.endNested(data);
        m.endNested(info);
        return m.build("RTM_NEWLINK " + pair.name() + " (veth, peer " + pair.peerName()
                + (pair.peerNetnsFd() >= 0 ? " in netns fd " + pair.peerNetnsFd() : "")
                + (pair.peerNetnsPid() > 0 ? " in the netns of pid " + pair.peerNetnsPid() : "")
                + (pair.masterIndex() > 0 ? ", master " + pair.masterIndex() : "")
                + (pair.mtu() > 0 ? ", mtu " + pair.mtu() : "") + ")");
    }

    /** Brings the link named {@code name} up or down. */
    public static NetlinkRequest setUp(String name, boolean up) {
        MessageBuilder m = setLink(name, up ? linux_h.IFF_UP() : 0, linux_h.IFF_UP());
        return m.build("RTM_SETLINK " + name + (up ? " up" : " down"));
    }

    /** Brings the link of index {@code index} up or down ({@code name} only describes it). */
    public static NetlinkRequest setUp(int index, String name, boolean up) {
        MessageBuilder m = MessageBuilder.request(linux_h.RTM_SETLINK(), 0, IFINFOMSG);
        m.headerU32(linux_h.HAKO_IFI_INDEX(), index);
        m.headerU32(linux_h.HAKO_IFI_FLAGS(), up ? linux_h.IFF_UP() : 0);
        m.headerU32(linux_h.HAKO_IFI_CHANGE(), linux_h.IFF_UP());
        return m.build("RTM_SETLINK " + name + " (index " + index + ")" + (up ? " up" : " down"));
    }

    /**
     * Makes the bridge port of index {@code index} isolated or not ({@code IFLA_BRPORT_ISOLATED}
     * in a nested {@code IFLA_PROTINFO} of an {@code AF_BRIDGE} RTM_SETLINK): isolated ports
     * forward to the bridge's other ports and the bridge itself, never to each other.
     */
    public static NetlinkRequest setBridgePortIsolated(int index, String name, boolean isolated) {
        MessageBuilder m = MessageBuilder.request(linux_h.RTM_SETLINK(), 0, IFINFOMSG);
        m.headerU8(linux_h.HAKO_IFI_FAMILY(), linux_h.AF_BRIDGE());
        m.headerU32(linux_h.HAKO_IFI_INDEX(), index);
        int protinfo = m.beginNested(linux_h.IFLA_PROTINFO() | linux_h.NLA_F_NESTED());
        m.attrU8(linux_h.IFLA_BRPORT_ISOLATED(), isolated ? 1 : 0);
        m.endNested(protinfo);
        return m.build("RTM_SETLINK " + name + " (bridge port, index " + index + ") isolated " + isolated);
    }

    /** Sets the MTU of the link named {@code name}. */
    public static NetlinkRequest setMtu(String name, int mtu) {
        if (mtu <= 0) {
            throw new IllegalArgumentException(name + ": MTU " + mtu + " is not positive");
        }
        MessageBuilder m = setLink(name, 0, 0);
        m.attrU32(linux_h.IFLA_MTU(), mtu);
        return m.build("RTM_SETLINK " + name + " mtu " + mtu);
    }

    /** Enslaves the link named {@code name} to the bridge of ifindex {@code masterIndex}; 0 releases it. */
    public static NetlinkRequest setMaster(String name, int masterIndex) {
        if (masterIndex < 0) {
            throw new IllegalArgumentException(name + ": master index " + masterIndex + " (0 releases it)");
        }
        MessageBuilder m = setLink(name, 0, 0);
        m.attrU32(linux_h.IFLA_MASTER(), masterIndex);
        return m.build("RTM_SETLINK " + name + (masterIndex == 0 ? " nomaster" : " master " + masterIndex));
    }

    /** Deletes the link named {@code name} (a veth takes its peer with it). */
    public static NetlinkRequest deleteLink(String name) {
        MessageBuilder m = MessageBuilder.request(linux_h.RTM_DELLINK(), 0, IFINFOMSG);
        m.attrString(linux_h.IFLA_IFNAME(), InterfaceName.validate(name));
        return m.build("RTM_DELLINK " + name);
    }

    /**
     * Adds {@code address/prefixLength} to the link of ifindex {@code index} ({@code name}
     * only describes it). IPv6 addresses skip duplicate address detection
     * ({@code IFA_F_NODAD}): hako allocates them, and the detection would hold them back for
     * a second or more.
     */
    public static NetlinkRequest newAddress(int index, String name, InetAddress address, int prefixLength) {
        boolean v4 = address instanceof Inet4Address;
        int max = v4 ? 32 : 128;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException(name + ": prefix length " + prefixLength + " is not 0.." + max);
        }
        if (index <= 0) {
            throw new IllegalArgumentException(name + ": ifindex " + index + " is not positive");
        }
        MessageBuilder m = MessageBuilder.request(linux_h.RTM_NEWADDR(), linux_h.NLM_F_CREATE() | linux_h.NLM_F_EXCL(),
                linux_h.HAKO_IFADDRMSG_SIZE());
        m.headerU8(linux_h.HAKO_IFA_FAMILY(), v4 ? linux_h.AF_INET() : linux_h.AF_INET6());
        m.headerU8(linux_h.HAKO_IFA_PREFIXLEN(), prefixLength);
        m.headerU8(linux_h.HAKO_IFA_FLAGS(), v4 ? 0 : linux_h.IFA_F_NODAD());
        m.headerU8(linux_h.HAKO_IFA_SCOPE(), linux_h.RT_SCOPE_UNIVERSE());
        m.headerU32(linux_h.HAKO_IFA_INDEX(), index);
        m.attr(linux_h.IFA_LOCAL(), address.getAddress());
        m.attr(linux_h.IFA_ADDRESS(), address.getAddress());
        return m.build("RTM_NEWADDR " + address.getHostAddress() + "/" + prefixLength + " dev " + name);
    }

    /** A dump of the addresses of {@code family} ({@code AF_INET}, {@code AF_INET6} or {@code AF_UNSPEC} for both). */
    public static NetlinkRequest dumpAddresses(int family) {
        MessageBuilder m = MessageBuilder.dump(linux_h.RTM_GETADDR(), linux_h.HAKO_IFADDRMSG_SIZE());
        m.headerU8(linux_h.HAKO_IFA_FAMILY(), family);
        return m.build("RTM_GETADDR (dump)");
    }

    /** Adds {@code route} ({@code NLM_F_EXCL}: an equal route already there is EEXIST). */
    public static NetlinkRequest newRoute(Route route) {
        MessageBuilder m = MessageBuilder.request(linux_h.RTM_NEWROUTE(), linux_h.NLM_F_CREATE() | linux_h.NLM_F_EXCL(),
                linux_h.HAKO_RTMSG_SIZE());
        m.headerU8(linux_h.HAKO_RTM_FAMILY(), route.ipv6() ? linux_h.AF_INET6() : linux_h.AF_INET());
        m.headerU8(linux_h.HAKO_RTM_DST_LEN(), route.prefixLength());
        m.headerU8(linux_h.HAKO_RTM_TABLE(), route.table() < 256 ? route.table() : 0);
        m.headerU8(linux_h.HAKO_RTM_PROTOCOL(), route.protocol());
        m.headerU8(linux_h.HAKO_RTM_SCOPE(), route.scope());
        m.headerU8(linux_h.HAKO_RTM_TYPE(), route.type());
        if (route.table() >= 256) {
            m.attrU32(linux_h.RTA_TABLE(), route.table());
        }
        route.destination().ifPresent(d -> m.attr(linux_h.RTA_DST(), d.getAddress()));
        route.gateway().ifPresent(g -> m.attr(linux_h.RTA_GATEWAY(), g.getAddress()));
        if (route.outputIndex() > 0) {
            m.attrU32(linux_h.RTA_OIF(), route.outputIndex());
        }
        return m.build("RTM_NEWROUTE " + route.describe());
    }

    /** A dump of the routes of {@code family}, every table. */
    public static NetlinkRequest dumpRoutes(int family) {
        MessageBuilder m = MessageBuilder.dump(linux_h.RTM_GETROUTE(), linux_h.HAKO_RTMSG_SIZE());
        m.headerU8(linux_h.HAKO_RTM_FAMILY(), family);
        return m.build("RTM_GETROUTE (dump)");
    }

    private static MessageBuilder newLink(boolean up, int flags) {
        MessageBuilder m = MessageBuilder.request(linux_h.RTM_NEWLINK(),
                linux_h.NLM_F_CREATE() | linux_h.NLM_F_EXCL() | flags, IFINFOMSG);
        m.header(ifinfomsg(0, up));
        return m;
    }

    private static MessageBuilder setLink(String name, int flags, int change) {
        MessageBuilder m = MessageBuilder.request(linux_h.RTM_SETLINK(), 0, IFINFOMSG);
        m.headerU32(linux_h.HAKO_IFI_FLAGS(), flags);
        m.headerU32(linux_h.HAKO_IFI_CHANGE(), change);
        m.attrString(linux_h.IFLA_IFNAME(), InterfaceName.validate(name));
        return m;
    }

    /** A {@code struct ifinfomsg} of AF_UNSPEC for ifindex {@code index}, with IFF_UP set or not (and changed if set). */
    static byte[] ifinfomsg(int index, boolean up) {
        byte[] header = new byte[IFINFOMSG];
        header[linux_h.HAKO_IFI_FAMILY()] = (byte) linux_h.AF_UNSPEC();
        Bytes.putU32(header, linux_h.HAKO_IFI_INDEX(), index);
        if (up) {
            Bytes.putU32(header, linux_h.HAKO_IFI_FLAGS(), linux_h.IFF_UP());
            Bytes.putU32(header, linux_h.HAKO_IFI_CHANGE(), linux_h.IFF_UP());
        }
        return header;
    }
}
