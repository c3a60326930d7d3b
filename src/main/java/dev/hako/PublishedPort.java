package dev.hako;

import java.net.InetSocketAddress;

/**
 * A container port published on the host, as {@code docker port} lists it.
 *
 * @param protocol      {@code "tcp"} or {@code "udp"}
 * @param host          the host address and port it is reached at (the wildcard address
 *                      when published on every address); the port is the one chosen when
 *                      0 was asked for
 * @param containerPort the port inside the container
 */
public record PublishedPort(String protocol, InetSocketAddress host, int containerPort) {
    @Override
    public String toString() {
        return containerPort + "/" + protocol + " -> " + host.getAddress().getHostAddress() + ":" + host.getPort();
    }
}
