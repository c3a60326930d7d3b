package dev.hako.netlink;

import dev.hako.linux.linux_h;

import java.net.Inet4Address;
import java.util.Optional;

/**
 * A port of the host forwarded to a container: what {@code docker run -p
 * [HOSTADDR:]HOSTPORT:CONTAINERPORT/PROTO} asks for. Checked when made, so a bad port or
 * address is refused before anything reaches the kernel.
 *
 * @param protocol TCP or UDP
 * @param hostAddress the one host address to publish on, or empty for every non-loopback
 *     address of the host; a loopback address is refused (hako serves those from a
 *     user-space proxy: DNAT from loopback would need {@code route_localnet})
 * @param hostPort 1..65535
 * @param containerAddress the container's address: not loopback, multicast, the
 *     wildcard or the broadcast address
 * @param containerPort 1..65535
 */
public record PublishedPort(Protocol protocol, Optional<Inet4Address> hostAddress, int hostPort,
        Inet4Address containerAddress, int containerPort) {

    /** The transport protocol of a published port. */
    public enum Protocol {
        TCP, UDP;

        /** The IP protocol number ({@code IPPROTO_TCP}, {@code IPPROTO_UDP}). */
        public int number() {
            return this == TCP ? linux_h.IPPROTO_TCP() : linux_h.IPPROTO_UDP();
        }
    }

    public PublishedPort {
        if (protocol == null) {
            throw new IllegalArgumentException("published port without a protocol (TCP or UDP)");
        }
        checkPort("host", hostPort);
        checkPort("container", containerPort);
        if (hostAddress == null) {
            hostAddress = Optional.empty();
        }
        if (hostAddress.isPresent()) {
            Inet4Address a = hostAddress.get();
            if (a.isAnyLocalAddress()) {
                hostAddress = Optional.empty(); // 0.0.0.0 means every address, as for docker -p
            } else if (a.isLoopbackAddress()) {
                throw new IllegalArgumentException("host address " + a.getHostAddress() + " of port " + hostPort
                        + " is a loopback address: those are served by hako's user-space proxy, not by DNAT");
            } else if (a.isMulticastAddress() || Ipv4Prefix.toInt(a) == -1) {
                throw new IllegalArgumentException("host address " + a.getHostAddress() + " of port " + hostPort
                        + " is not a unicast address");
            }
        }
        if (containerAddress == null) {
            throw new IllegalArgumentException("published port " + hostPort + " without a container address");
        }
        if (containerAddress.isAnyLocalAddress() || containerAddress.isLoopbackAddress()
                || containerAddress.isMulticastAddress() || Ipv4Prefix.toInt(containerAddress) == -1) {
            throw new IllegalArgumentException("container address " + containerAddress.getHostAddress() + " of port "
                    + hostPort + " is not a unicast address a container can hold");
        }
    }

    /** A port on every non-loopback host address. */
    public static PublishedPort of(Protocol protocol, int hostPort, String containerAddress, int containerPort) {
        return new PublishedPort(protocol, Optional.empty(), hostPort, Ipv4Prefix.parseAddress(containerAddress),
                containerPort);
    }

    /** A port on one host address. */
    public static PublishedPort on(Protocol protocol, String hostAddress, int hostPort, String containerAddress,
            int containerPort) {
        return new PublishedPort(protocol, Optional.of(Ipv4Prefix.parseAddress(hostAddress)), hostPort,
                Ipv4Prefix.parseAddress(containerAddress), containerPort);
    }

    private static void checkPort(String which, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(which + " port " + port + " is not 1..65535");
        }
    }

    @Override
    public String toString() {
        return protocol.name().toLowerCase(java.util.Locale.ROOT) + " "
                + hostAddress.map(Inet4Address::getHostAddress).orElse("*") + ":" + hostPort + " -> "
                + containerAddress.getHostAddress() + ":" + containerPort;
    }
}
