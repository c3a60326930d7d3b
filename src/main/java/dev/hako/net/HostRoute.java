package dev.hako.net;

/**
 * A destination the host already reaches through a device: a route's prefix, or an address
 * on an interface with its prefix length (host bits may be set, as in {@code 10.0.0.5/24}).
 * The netlink layer lists them; here they are plain values so the conflict check is a pure
 * function.
 *
 * @param prefix the route's destination or the interface's address
 * @param prefixLength 0 to 32
 * @param device the interface the route goes through or the address sits on
 */
public record HostRoute(Ipv4Address prefix, int prefixLength, String device) {

    /** Checks the values. */
    public HostRoute {
        if (prefix == null || device == null) {
            throw new IllegalArgumentException("a host route needs a prefix and a device (" + prefix + ", " + device + ")");
        }
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException(prefix + "/" + prefixLength + " on " + device + ": the prefix length is 0 to 32");
        }
    }

    /** The subnet the route or address covers. */
    public Ipv4Subnet subnet() {
        return new Ipv4Subnet(new Ipv4Address(prefix.bits() & Ipv4Subnet.mask(prefixLength)), prefixLength);
    }

    /** Whether this is a default route (0.0.0.0/0), which overlaps every subnet and so conflicts with none. */
    public boolean isDefault() {
        return prefixLength == 0;
    }

    @Override
    public String toString() {
        return prefix + "/" + prefixLength + " on " + device;
    }
}
