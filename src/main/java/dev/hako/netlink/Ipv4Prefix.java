package dev.hako.netlink;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 network, such as {@code 172.29.0.0/16}: an address whose bits beyond the prefix
 * length are zero. Parsed strictly from dotted quads, never through a name lookup.
 */
public record Ipv4Prefix(Inet4Address network, int length) {

    public Ipv4Prefix {
        if (network == null) {
            throw new IllegalArgumentException("prefix without an address");
        }
        if (length < 1 || length > 32) {
            throw new IllegalArgumentException("prefix length " + length + " of " + network.getHostAddress()
                    + " is not 1..32");
        }
        int bits = toInt(network);
        if ((bits & ~mask(length)) != 0) {
            throw new IllegalArgumentException(network.getHostAddress() + "/" + length
                    + " has host bits set: the network is " + fromInt(bits & mask(length)).getHostAddress() + "/" + length);
        }
    }

    /** Parses {@code A.B.C.D/LEN}. */
    public static Ipv4Prefix parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 prefix such as 172.29.0.0/16");
        }
        String len = text.substring(slash + 1);
        if (!len.matches("[0-9]{1,2}")) {
            throw new IllegalArgumentException("'" + text + "': prefix length '" + len + "' is not 1..32");
        }
        return new Ipv4Prefix(parseAddress(text.substring(0, slash)), Integer.parseInt(len));
    }

    /** Parses a dotted-quad IPv4 address ({@code 172.29.0.2}): four decimal numbers 0..255, nothing else. */
    public static Inet4Address parseAddress(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address such as 172.29.0.2");
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            if (!parts[i].matches("0|[1-9][0-9]{0,2}") || Integer.parseInt(parts[i]) > 255) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address: '" + parts[i]
                        + "' is not a number 0..255 without leading zeros");
            }
            bytes[i] = (byte) Integer.parseInt(parts[i]);
        }
        return fromBytes(bytes);
    }

    /** Whether {@code address} lies inside this network. */
    public boolean contains(Inet4Address address) {
        return (toInt(address) & mask(length)) == toInt(network);
    }

    /** The network's address bytes, in network order. */
    public byte[] networkBytes() {
        return network.getAddress();
    }

    /** The netmask's bytes, in network order ({@code 255.255.0.0} for /16). */
    public byte[] maskBytes() {
        int m = mask(length);
        return new byte[] {(byte) (m >>> 24), (byte) (m >>> 16), (byte) (m >>> 8), (byte) m};
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + length;
    }

    static int mask(int length) {
        return length == 0 ? 0 : -1 << (32 - length);
    }

    static int toInt(Inet4Address a) {
        byte[] b = a.getAddress();
        return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | b[3] & 0xFF;
    }

    private static Inet4Address fromInt(int v) {
        return fromBytes(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
    }

    private static Inet4Address fromBytes(byte[] bytes) {
        try {
            return (Inet4Address) InetAddress.getByAddress(bytes); // four bytes: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
