package dev.hako.netlink;

import dev.hako.linux.linux_h;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * An IPv4 or IPv6 address of an interface, as an {@code RTM_NEWADDR} message describes it.
 *
 * @param index the ifindex of its interface
 * @param address the address ({@code IFA_LOCAL}, or {@code IFA_ADDRESS} where there is no local one)
 * @param prefixLength the length of its network's prefix
 * @param scope its {@code RT_SCOPE_*}
 * @param label its {@code IFA_LABEL} (IPv4 only)
 */
public record Address(int index, InetAddress address, int prefixLength, int scope, Optional<String> label) {

    static Address parse(NetlinkMessage m) throws MalformedMessageException {
        m.requireHeader(linux_h.HAKO_IFADDRMSG_SIZE(), "RTM_NEWADDR");
        Attributes a = m.attributes(linux_h.HAKO_IFADDRMSG_SIZE());
        Optional<Attribute> local = a.get(linux_h.IFA_LOCAL());
        Attribute address = (local.isPresent() ? local : a.get(linux_h.IFA_ADDRESS())).orElseThrow(() ->
                new MalformedMessageException("RTM_NEWADDR message without IFA_LOCAL or IFA_ADDRESS"));
        return new Address(m.u32(linux_h.HAKO_IFA_INDEX()), inet(address, "IFA_ADDRESS"),
                m.u8(linux_h.HAKO_IFA_PREFIXLEN()), m.u8(linux_h.HAKO_IFA_SCOPE()), a.string(linux_h.IFA_LABEL()));
    }

    /** An address attribute's payload: 4 bytes (IPv4) or 16 (IPv6). */
    static InetAddress inet(Attribute attribute, String what) throws MalformedMessageException {
        if (attribute.length() != 4 && attribute.length() != 16) {
            throw new MalformedMessageException(what + " of " + attribute.length() + " bytes, neither IPv4 (4) nor IPv6 (16)");
        }
        try {
            return InetAddress.getByAddress(attribute.bytes());
        } catch (UnknownHostException e) {
            throw new MalformedMessageException(what + ": " + e.getMessage());
        }
    }
}
