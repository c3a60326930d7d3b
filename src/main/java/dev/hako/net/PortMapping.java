package dev.hako.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A published port: traffic to {@code hostAddress:hostPort} on the host goes to
 * {@code containerPort} of the container. Parsed from Docker's {@code -p} syntax
 * ({@link #parse}) or made directly; a host port of 0 means one the kernel picks when the
 * port is reserved ({@link ReservedPort}).
 *
 * @param protocol tcp or udp
 * @param hostAddress the host address to listen on; a wildcard (0.0.0.0 or ::) means all of that family
 * @param hostPort 0 to 65535, 0 for a random one
 * @param containerPort 1 to 65535
 */
public record PortMapping(Protocol protocol, InetAddress hostAddress, int hostPort, int containerPort) {
    private static final InetAddress ALL_IPV4 = Ipv4Address.parse("0.0.0.0").toInetAddress();

    /** Checks the values. */
    public PortMapping {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(hostAddress, "hostAddress (0.0.0.0 for all)");
        if (hostPort < 0 || hostPort > 65535) {
            throw new IllegalArgumentException("host port " + hostPort + " is not a port: 1 to 65535, or 0 for a random one");
        }
        if (containerPort < 1 || containerPort > 65535) {
            throw new IllegalArgumentException("container port " + containerPort + " is not a port: 1 to 65535");
        }
    }

    /** {@code hostPort:containerPort/tcp} on every IPv4 address of the host. */
    public static PortMapping tcp(int hostPort, int containerPort) {
        return new PortMapping(Protocol.TCP, ALL_IPV4, hostPort, containerPort);
    }

    /** {@code hostPort:containerPort/udp} on every IPv4 address of the host. */
    public static PortMapping udp(int hostPort, int containerPort) {
        return new PortMapping(Protocol.UDP, ALL_IPV4, hostPort, containerPort);
    }

    /**
     * Parses Docker's {@code [address:][hostPort:]containerPort[/protocol]}: {@code 80},
     * {@code 8080:80}, {@code 0:80}, {@code 127.0.0.1:8080:80}, {@code 127.0.0.1::80},
     * {@code 8080:80/udp}, {@code [::1]:8080:80}. No ranges, no host names (parsing
     * never asks a resolver); the exception names the text and the part that is wrong.
     */
    public static PortMapping parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("a published port is missing: write it like 8080:80 or 127.0.0.1:8080:80/udp");
        }
        if (text.length() > 80) {
            throw new IllegalArgumentException(Texts.quote(text) + " is too long for a published port");
        }
        String rest = text;
        Protocol protocol = Protocol.TCP;
        int slash = rest.lastIndexOf('/');
        if (slash >= 0) {
            protocol = Protocol.parse(rest.substring(slash + 1), text);
            rest = rest.substring(0, slash);
        }
        InetAddress address = ALL_IPV4;
        boolean addressGiven = false;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0 || close + 1 >= rest.length() || rest.charAt(close + 1) != ':') {
                throw new IllegalArgumentException(Texts.quote(text) + ": an IPv6 address is written [address]:hostPort:containerPort");
            }
            address = ipv6(rest.substring(1, close), text);
            addressGiven = true;
            rest = rest.substring(close + 2);
        }
        String[] parts = rest.split(":", -1);
        if (addressGiven && parts.length != 2) {
            throw new IllegalArgumentException(Texts.quote(text) + ": after [address] come hostPort:containerPort");
        }
        String hostPort = null;
        String containerPort;
        switch (parts.length) {
            case 1 -> containerPort = parts[0];
            case 2 -> {
                hostPort = parts[0];
                containerPort = parts[1];
            }
            case 3 -> {
                address = ipv4(parts[0], text);
                addressGiven = true;
                hostPort = parts[1];
                containerPort = parts[2];
            }
            default -> throw new IllegalArgumentException(Texts.quote(text)
                    + ": too many ':' for address:hostPort:containerPort (an IPv6 address goes in brackets: [::1]:8080:80)");
        }
        int host = 0;
        if (hostPort != null && !(hostPort.isEmpty() && addressGiven)) {
            host = port(hostPort, "host port", text, 0);
        }
        return new PortMapping(protocol, address, host, port(containerPort, "container port", text, 1));
    }

    private static int port(String text, String what, String whole, int lowest) {
        if (text.contains("-")) {
            throw new IllegalArgumentException(Texts.quote(whole) + ": port ranges (" + Texts.quote(text)
                    + ") are not supported; publish each port on its own");
        }
        boolean digits = !text.isEmpty() && text.length() <= 5 && text.chars().allMatch(c -> c >= '0' && c <= '9')
                && !(text.length() > 1 && text.charAt(0) == '0');
        int value = digits ? Integer.parseInt(text) : -1;
        if (value < lowest || value > 65535) {
            throw new IllegalArgumentException(Texts.quote(whole) + ": the " + what + " " + Texts.quote(text)
                    + " is not a port (" + lowest + " to 65535" + (lowest == 0 ? ", 0 for a random one" : "") + ")");
        }
        return value;
    }

    private static InetAddress ipv4(String text, String whole) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException(Texts.quote(whole) + ": the host address is empty (leave it out for all addresses)");
        }
        return Ipv4Address.parse(text, whole).toInetAddress();
    }

    private static Inet6Address ipv6(String text, String whole) {
        // Only hex digits, ':' and '.' (an embedded IPv4 part): no zone (%eth0), nothing a resolver would be asked about.
        if (text.isEmpty() || !text.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
            throw new IllegalArgumentException(Texts.quote(whole) + ": " + Texts.quote(text)
                    + " is not an IPv6 address (zones like %eth0 are not supported)");
        }
        InetAddress address;
        try {
            address = InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(Texts.quote(whole) + ": " + Texts.quote(text) + " is not an IPv6 address");
        }
        if (!(address instanceof Inet6Address v6)) {
            throw new IllegalArgumentException(Texts.quote(whole) + ": " + text
                    + " is an IPv4 address in IPv6 form: write it without brackets");
        }
        return v6;
    }

    /** Whether the mapping listens on every address of its family. */
    public boolean allAddresses() {
        return hostAddress.isAnyLocalAddress();
    }

    /** Where the host listens. */
    public InetSocketAddress hostSocketAddress() {
        return new InetSocketAddress(hostAddress, hostPort);
    }

    /** This mapping with another host port (the one the kernel chose for 0). */
    public PortMapping withHostPort(int port) {
        return new PortMapping(protocol, hostAddress, port, containerPort);
    }

    /** Docker's form: {@code 127.0.0.1:8080:80/tcp}, {@code [::1]:8080:80/udp}. */
    @Override
    public String toString() {
        String address = hostAddress instanceof Inet4Address ? hostAddress.getHostAddress() + ":"
                : "[" + hostAddress.getHostAddress() + "]:";
        return address + hostPort + ":" + containerPort + "/" + protocol.text();
    }
}
