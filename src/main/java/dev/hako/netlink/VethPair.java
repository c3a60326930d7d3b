package dev.hako.netlink;

/**
 * A veth pair to create in one {@code RTM_NEWLINK}: the end in the requesting socket's
 * namespace and its peer, which the kernel can create directly in another namespace under
 * its final name (such as {@code eth0} in a container's). Start with {@link #of} and add
 * what the pair needs; every name is checked by {@link InterfaceName#validate}.
 *
 * @param name the end in the socket's namespace
 * @param peerName the peer's name, in its namespace
 * @param peerNetnsFd a descriptor of the namespace to create the peer in, -1 for the socket's own
 * @param peerNetnsPid a process whose network namespace to create the peer in, -1 for none
 *     (only for a process that cannot be reaped meanwhile: a child of the caller's that waits)
 * @param masterIndex the ifindex of a bridge to enslave {@code name} to, 0 for none
 * @param mtu the MTU of both ends, 0 for the kernel's default
 * @param up whether {@code name} is brought up at once. The peer cannot be: the kernel
 *     configures it before it links the two ends, and a veth without its peer refuses to
 *     open (ENOTCONN), so the peer is brought up by a later request in its namespace
 */
public record VethPair(String name, String peerName, int peerNetnsFd, long peerNetnsPid, int masterIndex, int mtu,
        boolean up) {

    public VethPair {
        InterfaceName.validate(name);
        InterfaceName.validate(peerName);
        if (peerNetnsFd < -1) {
            throw new IllegalArgumentException("veth " + name + ": peer namespace fd " + peerNetnsFd + " (-1 for none)");
        }
        if (peerNetnsPid < -1 || peerNetnsPid == 0 || peerNetnsPid > Integer.MAX_VALUE
                || peerNetnsPid > 0 && peerNetnsFd >= 0) {
            throw new IllegalArgumentException("veth " + name + ": peer namespace pid " + peerNetnsPid
                    + " (-1 for none; not with a namespace fd)");
        }
        if (masterIndex < 0) {
            throw new IllegalArgumentException("veth " + name + ": master index " + masterIndex + " (0 for none)");
        }
        if (mtu < 0) {
            throw new IllegalArgumentException("veth " + name + ": MTU " + mtu + " (0 for the default)");
        }
    }

    /** A pair {@code name} and {@code peerName} in the socket's namespace, both down, default MTU. */
    public static VethPair of(String name, String peerName) {
        return new VethPair(name, peerName, -1, -1, 0, 0, false);
    }

    /** The peer made in the namespace {@code netnsFd} names (the descriptor stays the caller's). */
    public VethPair peerIn(int netnsFd) {
        return new VethPair(name, peerName, netnsFd, peerNetnsPid, masterIndex, mtu, up);
    }

    /**
     * The peer made in the network namespace of process {@code pid}: no descriptor to open,
     * for a child of the caller's whose pid cannot be reused while it waits unreaped.
     */
    public VethPair peerInNamespaceOf(long pid) {
        return new VethPair(name, peerName, peerNetnsFd, pid, masterIndex, mtu, up);
    }

    /** {@code name} enslaved to the bridge of ifindex {@code bridgeIndex}. */
    public VethPair master(int bridgeIndex) {
        return new VethPair(name, peerName, peerNetnsFd, peerNetnsPid, bridgeIndex, mtu, up);
    }

    /** Both ends with this MTU. */
    public VethPair mtu(int bytes) {
        return new VethPair(name, peerName, peerNetnsFd, peerNetnsPid, masterIndex, bytes, up);
    }

    /** {@code name} brought up in the same request. */
    public VethPair withUp() {
        return new VethPair(name, peerName, peerNetnsFd, peerNetnsPid, masterIndex, mtu, true);
    }
}
