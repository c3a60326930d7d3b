package dev.hako.netlink;

import dev.hako.linux.linux_h;

import java.util.Optional;

/**
 * A network interface as an {@code RTM_NEWLINK} message describes it.
 *
 * @param index its ifindex in its namespace
 * @param name its name
 * @param kind its {@code IFLA_INFO_KIND} (such as {@code bridge} or {@code veth}), empty for
 *     devices without one (loopback, physical devices)
 * @param type its hardware type ({@code ifi_type}, an {@code ARPHRD_*} value)
 * @param flags its {@code IFF_*} flags
 * @param mtu its MTU
 * @param masterIndex the ifindex of the bridge (or bond) it is enslaved to, 0 for none
 * @param linkIndex {@code IFLA_LINK}: for a veth, its peer's ifindex (in the peer's
 *     namespace when {@code linkNetnsId} is not -1), 0 when there is none
 * @param linkNetnsId {@code IFLA_LINK_NETNSID}: the id, in this namespace, of the namespace
 *     the peer is in, or -1 when the peer is in this one (or there is no peer)
 */
public record Link(int index, String name, Optional<String> kind, int type, int flags, int mtu, int masterIndex,
        int linkIndex, int linkNetnsId) {

    /** Whether it is administratively up ({@code IFF_UP}). */
    public boolean isUp() {
        return (flags & linux_h.IFF_UP()) != 0;
    }

    /** Whether it is a loopback device ({@code IFF_LOOPBACK}). */
    public boolean isLoopback() {
        return (flags & linux_h.IFF_LOOPBACK()) != 0;
    }

    static Link parse(NetlinkMessage m) throws MalformedMessageException {
        m.requireHeader(linux_h.HAKO_IFINFOMSG_SIZE(), "RTM_NEWLINK");
        Attributes a = m.attributes(linux_h.HAKO_IFINFOMSG_SIZE());
        String name = a.string(linux_h.IFLA_IFNAME()).orElseThrow(() -> new MalformedMessageException(
                "RTM_NEWLINK message without IFLA_IFNAME"));
        Optional<String> kind = Optional.empty();
        Optional<Attributes> info = a.nested(linux_h.IFLA_LINKINFO());
        if (info.isPresent()) {
            kind = info.get().string(linux_h.IFLA_INFO_KIND());
        }
        return new Link(m.u32(linux_h.HAKO_IFI_INDEX()), name, kind, m.u16(linux_h.HAKO_IFI_TYPE()),
                m.u32(linux_h.HAKO_IFI_FLAGS()), a.u32(linux_h.IFLA_MTU(), 0), a.u32(linux_h.IFLA_MASTER(), 0),
                a.u32(linux_h.IFLA_LINK(), 0), a.u32(linux_h.IFLA_LINK_NETNSID(), -1));
    }
}
