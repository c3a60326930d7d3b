package dev.hako.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Optional;

/**
 * One published port of a user-mode network: connections (TCP) or datagrams (UDP) that
 * reach {@code hostPort} on the host are forwarded to {@code containerPort} inside the
 * network namespace.
 *
 * <p>The host address is IPv4 (slirp4netns forwards only IPv4, and hako uses both helpers
 * the same way); without one, the port is bound on every host address, as {@code podman -p}
 * does. Host port 0 asks for a free port, which {@link SlirpNetwork#hostPort(SlirpPort)}
 * reports once the helper runs.
 *
 * @param protocol      TCP or UDP
 * @param hostAddress   the host address to bind, or null for all (0.0.0.0)
 * @param hostPort      1 to 65535, or 0 for a free one
 * @param containerPort 1 to 65535
 */
public record SlirpPort(Protocol protocol, Inet4Address hostAddress, int hostPort, int containerPort) {

    public SlirpPort {
        if (protocol == null) {
            throw new IllegalArgumentException("a published port needs a protocol (TCP or UDP)");
        }
        if (hostPort < 0 || hostPort > 65535) {
            throw new IllegalArgumentException("host port " + hostPort + " is not 0 (a free one) or 1 to 65535");
        }
        if (containerPort < 1 || containerPort > 65535) {
            throw new IllegalArgumentException("container port " + containerPort + " is not 1 to 65535");
        }
    }

    /** TCP from {@code hostPort} (0: a free one) on every host address to {@code containerPort}. */
    public static SlirpPort tcp(int hostPort, int containerPort) {
        return new SlirpPort(Protocol.TCP, null, hostPort, containerPort);
    }

    /** UDP from {@code hostPort} (0: a free one) on every host address to {@code containerPort}. */
    public static SlirpPort udp(int hostPort, int containerPort) {
        return new SlirpPort(Protocol.UDP, null, hostPort, containerPort);
    }

    /**
     * The same port bound on one host address only, say 127.0.0.1 so that only this host can
     * connect.
     *
     * @throws IllegalArgumentException for an IPv6 address
     */
    public SlirpPort onHost(InetAddress address) {
        if (!(address instanceof Inet4Address v4)) {
            throw new IllegalArgumentException("published ports take an IPv4 host address (slirp4netns forwards IPv4"
                    + " only), not " + address);
        }
        return new SlirpPort(protocol, v4, hostPort, containerPort);
    }

    /** The same port with a concrete host port, once a free one was chosen. */
    SlirpPort withHostPort(int port) {
        return new SlirpPort(protocol, hostAddress, port, containerPort);
    }

    /** The host address, if one was given. */
    public Optional<Inet4Address> host() {
        return Optional.ofNullable(hostAddress);
    }

    /** The host address as text: the given one, or 0.0.0.0 for all. */
    String hostText() {
        return hostAddress == null ? "0.0.0.0" : hostAddress.getHostAddress();
    }

    @Override
    public String toString() {
        return protocol.text() + " " + hostText() + ":" + (hostPort == 0 ? "(free)" : hostPort) + " -> "
                + containerPort;
    }
}
