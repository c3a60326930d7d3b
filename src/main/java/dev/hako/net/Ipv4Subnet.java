package dev.hako.net;

/**
 * An IPv4 subnet, {@code 172.30.0.0/16}: a network address with no host bits set and a
 * prefix length. For a bridge network ({@link #parseBridgeNetwork}) the first host address
 * is the gateway (the bridge's own address), and containers get the hosts after it.
 *
 * @param network the network address (its host bits are zero)
 * @param prefixLength 0 to 32
 */
public record Ipv4Subnet(Ipv4Address network, int prefixLength) {
    /** The shortest prefix hako accepts for a bridge: a /8 already holds 16 million hosts. */
    public static final int SHORTEST_BRIDGE_PREFIX = 8;
    /** The longest: a /30 holds a gateway and one container; a /31 or /32 has no room for both. */
    public static final int LONGEST_BRIDGE_PREFIX = 30;

    /** Checks the invariants: a prefix length of 0 to 32 and no host bits in the network address. */
    public Ipv4Subnet {
        if (network == null) {
            throw new IllegalArgumentException("a subnet needs a network address (null)");
        }
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException(network + "/" + prefixLength + ": the prefix length is 0 to 32");
        }
        if ((network.bits() & ~mask(prefixLength)) != 0) {
            throw new IllegalArgumentException(network + "/" + prefixLength + " has host bits set: the network is "
                    + new Ipv4Address(network.bits() & mask(prefixLength)) + "/" + prefixLength);
        }
    }

    /** Parses CIDR text ({@code 10.88.0.0/16}); the exception names the text and what is wrong with it. */
    public static Ipv4Subnet parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("a subnet is missing (null): write it as a.b.c.d/prefix");
        }
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException(Texts.quote(text) + ": a subnet is written a.b.c.d/prefix, like 172.30.0.0/16");
        }
        Ipv4Address address = Ipv4Address.parse(text.substring(0, slash), text);
        String prefix = text.substring(slash + 1);
        if (prefix.isEmpty() || prefix.length() > 2 || !prefix.chars().allMatch(c -> c >= '0' && c <= '9')
                || Integer.parseInt(prefix) > 32) {
            throw new IllegalArgumentException(Texts.quote(text) + ": " + Texts.quote(prefix)
                    + " is not a prefix length (0 to 32)");
        }
        int length = Integer.parseInt(prefix);
        if ((address.bits() & ~mask(length)) != 0) {
            throw new IllegalArgumentException(Texts.quote(text) + " has host bits set: the network is "
                    + new Ipv4Address(address.bits() & mask(length)) + "/" + length
                    + " (write that, or a prefix that fits the address)");
        }
        return new Ipv4Subnet(address, length);
    }

    /** Parses a bridge network's subnet: CIDR text whose prefix is /8 to /30. */
    public static Ipv4Subnet parseBridgeNetwork(String text) {
        return parse(text).requireBridgeSized();
    }

    /** This subnet, if its prefix is /8 to /30; otherwise an exception saying why not. */
    public Ipv4Subnet requireBridgeSized() {
        if (prefixLength < SHORTEST_BRIDGE_PREFIX) {
            throw new IllegalArgumentException(this + ": a bridge network's prefix is /" + SHORTEST_BRIDGE_PREFIX
                    + " to /" + LONGEST_BRIDGE_PREFIX + "; /" + prefixLength + " would cover "
                    + (prefixLength == 0 ? "the whole Internet" : "more than 16 million addresses"));
        }
        if (prefixLength > LONGEST_BRIDGE_PREFIX) {
            throw new IllegalArgumentException(this + ": a bridge network's prefix is /" + SHORTEST_BRIDGE_PREFIX
                    + " to /" + LONGEST_BRIDGE_PREFIX + "; a /" + prefixLength
                    + " has no room for a gateway and a container besides its network and broadcast addresses");
        }
        return this;
    }

    /** The netmask of a prefix length, as bits. */
    static int mask(int prefixLength) {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    /** The number of addresses, network and broadcast included. */
    public long size() {
        return 1L << (32 - prefixLength);
    }

    /** The broadcast address: all host bits set. */
    public Ipv4Address broadcast() {
        return new Ipv4Address(network.bits() | ~mask(prefixLength));
    }

    /** The gateway of a bridge network: its first host address, which the bridge itself holds. */
    public Ipv4Address gateway() {
        return network.plus(1);
    }

    /** The first address a container may get: the one after the gateway. */
    public Ipv4Address firstContainerAddress() {
        return network.plus(2);
    }

    /** The last address a container may get: the one before the broadcast address. */
    public Ipv4Address lastContainerAddress() {
        return network.plus(size() - 2);
    }

    /** How many containers fit: every address but the network, the gateway and the broadcast address. */
    public long containerCapacity() {
        return Math.max(0, size() - 3);
    }

    /** Whether {@code address} is in this subnet. */
    public boolean contains(Ipv4Address address) {
        return (address.bits() & mask(prefixLength)) == network.bits();
    }

    /** Whether the two subnets share any address (then one contains the other). */
    public boolean overlaps(Ipv4Subnet other) {
        int shorter = Math.min(prefixLength, other.prefixLength);
        return ((network.bits() ^ other.network.bits()) & mask(shorter)) == 0;
    }

    /** CIDR text. */
    @Override
    public String toString() {
        return network + "/" + prefixLength;
    }
}
