package dev.hako.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 address as its 32 bits, parsed strictly from dotted-quad text: four decimal
 * octets, no leading zeros (which some C parsers read as octal), no shorthand forms like
 * {@code 10.1} and no host names, so that parsing never asks a resolver.
 *
 * @param bits the address, most significant octet first
 */
public record Ipv4Address(int bits) implements Comparable<Ipv4Address> {

    /** Parses {@code a.b.c.d}; the exception names the text and what is wrong with it. */
    public static Ipv4Address parse(String text) {
        return parse(text, text);
    }

    /** Parses {@code text}, which is part of {@code whole} (a CIDR, a port mapping), naming {@code whole} in errors. */
    static Ipv4Address parse(String text, String whole) {
        if (text == null) {
            throw new IllegalArgumentException("an IPv4 address is missing (null)");
        }
        if (text.length() > 15) {
            throw new IllegalArgumentException(Texts.quote(whole) + ": " + Texts.quote(text)
                    + " is not an IPv4 address (too long for a.b.c.d)");
        }
        String[] octets = text.split("\\.", -1);
        if (octets.length != 4) {
            throw new IllegalArgumentException(Texts.quote(whole) + ": an IPv4 address has four octets (a.b.c.d), "
                    + Texts.quote(text) + " has " + octets.length);
        }
        int bits = 0;
        for (String octet : octets) {
            bits = (bits << 8) | octet(whole, octet);
        }
        return new Ipv4Address(bits);
    }

    private static int octet(String whole, String octet) {
        if (octet.isEmpty()) {
            throw new IllegalArgumentException(Texts.quote(whole) + ": an octet is empty");
        }
        for (int i = 0; i < octet.length(); i++) {
            char c = octet.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException(Texts.quote(whole) + ": " + Texts.quote(octet) + " is not an octet (0 to 255)");
            }
        }
        if (octet.length() > 1 && octet.charAt(0) == '0') {
            throw new IllegalArgumentException(Texts.quote(whole) + ": " + octet
                    + " has a leading zero, which some parsers read as octal: write it without");
        }
        int value = octet.length() > 3 ? Integer.MAX_VALUE : Integer.parseInt(octet);
        if (value > 255) {
            throw new IllegalArgumentException(Texts.quote(whole) + ": " + octet + " is not an octet (0 to 255)");
        }
        return value;
    }

    /** The JDK's IPv4 address as one of these. */
    public static Ipv4Address of(InetAddress address) {
        if (!(address instanceof Inet4Address)) {
            throw new IllegalArgumentException(address + " is not an IPv4 address");
        }
        byte[] b = address.getAddress();
        return new Ipv4Address((b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff));
    }

    /** The address {@code offset} further on (wrapping at 2^32, which callers keep inside a subnet). */
    public Ipv4Address plus(long offset) {
        return new Ipv4Address((int) (Integer.toUnsignedLong(bits) + offset));
    }

    /** The address as an unsigned number, for arithmetic and ordering. */
    public long unsigned() {
        return Integer.toUnsignedLong(bits);
    }

    /** Whether this is in 127.0.0.0/8, which every network namespace has for itself. */
    public boolean isLoopback() {
        return (bits >>> 24) == 127;
    }

    /** The JDK's form, made without any lookup. */
    public Inet4Address toInetAddress() {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {(byte) (bits >>> 24), (byte) (bits >>> 16),
                    (byte) (bits >>> 8), (byte) bits});
        } catch (UnknownHostException e) {
            throw new AssertionError("four bytes are always an address", e);
        }
    }

    @Override
    public int compareTo(Ipv4Address other) {
        return Integer.compareUnsigned(bits, other.bits);
    }

    /** Dotted-quad text. */
    @Override
    public String toString() {
        return (bits >>> 24) + "." + ((bits >>> 16) & 0xff) + "." + ((bits >>> 8) & 0xff) + "." + (bits & 0xff);
    }
}
