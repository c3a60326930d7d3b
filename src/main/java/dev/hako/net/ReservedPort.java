package dev.hako.net;

import java.io.IOException;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.channels.Channel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;

/**
 * A published port's host side, bound: no other program can take the port while the
 * container has it, a port of 0 becomes the one the kernel chose, and the bound socket is
 * what a {@link TcpProxy} or {@link UdpProxy} serves on (so there is no moment between
 * reserving and serving when someone else could bind it). {@link #close()} frees the port.
 */
public final class ReservedPort implements AutoCloseable {
    private final PortMapping mapping;
    private final Channel channel;

    private ReservedPort(PortMapping mapping, Channel channel) {
        this.mapping = mapping;
        this.channel = channel;
    }

    /**
     * Binds the mapping's host address and port (a listening TCP socket, or a UDP socket).
     *
     * @throws IOException naming the port, the address and, when it can be found, the
     *     process holding it; or saying that a port below 1024 needs privilege
     */
    public static ReservedPort reserve(PortMapping mapping) throws IOException {
        ProtocolFamily family = mapping.hostAddress() instanceof Inet6Address ? StandardProtocolFamily.INET6
                : StandardProtocolFamily.INET;
        Channel channel = mapping.protocol() == Protocol.TCP ? ServerSocketChannel.open(family) : DatagramChannel.open(family);
        try {
            InetSocketAddress bound;
            if (channel instanceof ServerSocketChannel tcp) {
                tcp.bind(mapping.hostSocketAddress(), 0);
                bound = (InetSocketAddress) tcp.getLocalAddress();
            } else {
                DatagramChannel udp = (DatagramChannel) channel;
                udp.bind(mapping.hostSocketAddress());
                bound = (InetSocketAddress) udp.getLocalAddress();
            }
            return new ReservedPort(mapping.withHostPort(bound.getPort()), channel);
        } catch (BindException e) {
            channel.close();
            throw new IOException(explain(mapping, e), e);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static String explain(PortMapping mapping, BindException e) {
        String where = "host port " + mapping.hostPort() + "/" + mapping.protocol().text() + " on "
                + mapping.hostAddress().getHostAddress();
        String why = String.valueOf(e.getMessage());
        if (why.contains("Permission denied")) {
            return "cannot publish " + mapping + ": binding " + where + " needs CAP_NET_BIND_SERVICE (or root) below"
                    + " net.ipv4.ip_unprivileged_port_start; publish a higher host port";
        }
        if (why.contains("Cannot assign requested address")) {
            return "cannot publish " + mapping + ": " + mapping.hostAddress().getHostAddress()
                    + " is not an address of this host; publish on one of its addresses, or on all (leave the address out)";
        }
        return "cannot publish " + mapping + ": " + where + " is already in use"
                + PortUsers.describe(mapping.protocol(), mapping.hostPort()).map(p -> " by " + p).orElse("")
                + " (" + why + "); stop that program or publish another host port (0 for a random one)";
    }

    /** The mapping with the host port actually bound. */
    public PortMapping mapping() {
        return mapping;
    }

    /** The bound host port. */
    public int port() {
        return mapping.hostPort();
    }

    /** The bound host address and port. */
    public InetSocketAddress address() {
        return mapping.hostSocketAddress();
    }

    /** The listening socket of a TCP reservation. */
    ServerSocketChannel tcpChannel() {
        if (!(channel instanceof ServerSocketChannel tcp)) {
            throw new IllegalStateException(mapping + " is not a TCP port");
        }
        return tcp;
    }

    /** The socket of a UDP reservation. */
    DatagramChannel udpChannel() {
        if (!(channel instanceof DatagramChannel udp)) {
            throw new IllegalStateException(mapping + " is not a UDP port");
        }
        return udp;
    }

    /** Whether the port is still reserved. */
    public boolean isOpen() {
        return channel.isOpen();
    }

    /** Frees the port. */
    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "ReservedPort[" + mapping + (isOpen() ? "" : ", freed") + "]";
    }
}
