package dev.hako.net;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A published UDP port forwarded in user space: each client (address and port) that sends
 * to the {@link ReservedPort} gets an association, a socket of its own connected to the
 * container's address and port, so that the container's replies come back to the client
 * that asked, from the published port. An association idle (no datagram either way) for
 * the idle timeout is closed; beyond {@code maxAssociations} at once, datagrams of new
 * clients are dropped (UDP makes no promise, and a flood of forged sources costs no more
 * than that bound).
 *
 * <p>A datagram is copied whole (up to 65535 bytes) with one buffer per direction and
 * association; datagrams the container's side cannot take (nothing listens: ICMP port
 * unreachable) are dropped, as the network would. {@link #close()} closes the port and
 * every association and returns once every thread of the proxy has ended.
 */
public final class UdpProxy implements AutoCloseable {
    private static final int MAX_DATAGRAM = 65535;
    /** How long an association lives without traffic by default (Docker's proxy uses 90 s). */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(90);
    /** The bound on associations at once by default. */
    public static final int DEFAULT_MAX_ASSOCIATIONS = 1024;

    private final DatagramChannel host;
    private final InetSocketAddress target;
    private final long idleNanos;
    private final int maxAssociations;
    private final Thread receiver;
    private final Map<SocketAddress, Association> associations = new HashMap<>();
    private boolean closed;

    private UdpProxy(ReservedPort port, InetSocketAddress target, Duration idleTimeout, int maxAssociations) {
        this.host = port.udpChannel();
        this.target = Objects.requireNonNull(target, "target");
        if (idleTimeout.isNegative() || idleTimeout.isZero() || maxAssociations < 1) {
            throw new IllegalArgumentException("the idle timeout is positive and maxAssociations at least 1 ("
                    + idleTimeout + ", " + maxAssociations + ")");
        }
        this.idleNanos = idleTimeout.toNanos();
        this.maxAssociations = maxAssociations;
        this.receiver = Thread.ofVirtual().name("hako-udp-proxy-" + port.port()).unstarted(this::receiveLoop);
    }

    /** Forwards {@code port} to {@code target} with the default timeout and bound; the proxy owns the port from now on. */
    public static UdpProxy start(ReservedPort port, InetSocketAddress target) {
        return start(port, target, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_ASSOCIATIONS);
    }

    /** Forwards {@code port} to {@code target}; the proxy owns the port from now on and closes it. */
    public static UdpProxy start(ReservedPort port, InetSocketAddress target, Duration idleTimeout, int maxAssociations) {
        UdpProxy proxy = new UdpProxy(port, target, idleTimeout, maxAssociations);
        proxy.receiver.start();
        return proxy;
    }

    /** Where the proxy listens. */
    public InetSocketAddress address() throws IOException {
        return (InetSocketAddress) host.getLocalAddress();
    }

    /** How many clients have an association now. */
    public synchronized int associationCount() {
        return associations.size();
    }

    private void receiveLoop() {
        ByteBuffer buffer = ByteBuffer.allocate(MAX_DATAGRAM);
        while (true) {
            SocketAddress client;
            buffer.clear();
            try {
                client = host.receive(buffer);
            } catch (IOException e) {
                if (!host.isOpen()) {
                    return;
                }
                continue;
            }
            Association a = associationOf(client);
            if (a != null) {
                a.forward(buffer.array(), buffer.position());
            }
        }
    }

    /** The client's association, made if there is room; null when the proxy is closed or full. */
    private synchronized Association associationOf(SocketAddress client) {
        Association a = associations.get(client);
        if (a != null && a.socket.isClosed()) {
            associations.remove(client); // it went idle a moment ago: the client is back, so make a new one
            a = null;
        }
        if (a != null || closed || associations.size() >= maxAssociations) {
            return a;
        }
        try {
            DatagramSocket socket = new DatagramSocket(null);
            try {
                socket.bind(null);
                socket.connect(target);
                socket.setSoTimeout((int) Math.clamp(Duration.ofNanos(idleNanos).toMillis(), 1, Integer.MAX_VALUE));
            } catch (IOException | RuntimeException e) {
                socket.close();
                throw e;
            }
            a = new Association(client, socket);
            associations.put(client, a);
            a.thread = Thread.ofVirtual().name("hako-udp-proxy-assoc").start(a::replies);
            return a;
        } catch (IOException e) {
            return null; // e.g. EMFILE: this datagram is dropped
        }
    }

    /** One client's socket toward the container. */
    private final class Association {
        final SocketAddress client;
        final DatagramSocket socket;
        volatile long lastActive = System.nanoTime();
        Thread thread;

        Association(SocketAddress client, DatagramSocket socket) {
            this.client = client;
            this.socket = socket;
        }

        void forward(byte[] data, int length) {
            lastActive = System.nanoTime();
            try {
                socket.send(new DatagramPacket(data, length));
            } catch (IOException e) {
                // nothing listens in the container (port unreachable), or it is closing: dropped
            }
        }

        /** Sends the container's datagrams back to the client until idle or closed. */
        void replies() {
            byte[] data = new byte[MAX_DATAGRAM];
            DatagramPacket packet = new DatagramPacket(data, data.length);
            try {
                while (!socket.isClosed()) {
                    try {
                        packet.setLength(data.length);
                        socket.receive(packet);
                    } catch (SocketTimeoutException quiet) {
                        if (System.nanoTime() - lastActive >= idleNanos) {
                            return;
                        }
                        continue;
                    } catch (java.net.PortUnreachableException unreachable) {
                        continue; // an earlier datagram found nobody listening
                    }
                    lastActive = System.nanoTime();
                    host.send(ByteBuffer.wrap(data, 0, packet.getLength()), client);
                }
            } catch (IOException closing) {
                // closed by close(), or the host socket is gone
            } finally {
                socket.close();
                synchronized (UdpProxy.this) {
                    associations.remove(client, this);
                }
            }
        }
    }

    /** Closes the port and every association, and waits for the proxy's threads to end. */
    @Override
    public void close() throws IOException {
        List<Thread> threads = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            for (Association a : associations.values()) {
                a.socket.close();
                threads.add(a.thread);
            }
        }
        host.close();
        threads.add(receiver);
        boolean interrupted = false;
        for (Thread t : threads) {
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
