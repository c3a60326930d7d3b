package dev.hako.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A published TCP port forwarded in user space, as Docker's {@code docker-proxy} does where
 * a netfilter DNAT rule cannot serve (traffic from the host itself to 127.0.0.1): each
 * connection accepted on the {@link ReservedPort} is joined to a connection to the
 * container's address and port, bytes copied both ways.
 *
 * <p>Each connection has two virtual threads, one per direction, each with one buffer of
 * {@value #BUFFER_SIZE} bytes: a side that does not read stops the other side's copying
 * (its writes block), so a slow peer costs a buffer, never an unbounded queue. An end of
 * stream is passed on as {@code shutdownOutput} (half-close) and the other direction goes on;
 * an error in either direction closes both sockets. A connection the container refuses, or
 * that does not connect within the connect timeout, closes the client's socket. Beyond
 * {@code maxConnections} at once, new clients are closed at once (a flood costs
 * descriptors only up to that bound).
 *
 * <p>{@link #close()} stops accepting, closes the listening socket and every connection,
 * and returns once every thread of the proxy has ended.
 */
public final class TcpProxy implements AutoCloseable {
    static final int BUFFER_SIZE = 32 * 1024;
    /** The bound on connections at once by default. */
    public static final int DEFAULT_MAX_CONNECTIONS = 4096;
    /** How long a connection to the container may take by default. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final ServerSocketChannel server;
    private final InetSocketAddress target;
    private final int maxConnections;
    private final int connectTimeoutMillis;
    private final Thread acceptor;
    private final Set<Connection> connections = new HashSet<>();
    private boolean closed;

    private TcpProxy(ReservedPort port, InetSocketAddress target, int maxConnections, Duration connectTimeout) {
        this.server = port.tcpChannel();
        this.target = Objects.requireNonNull(target, "target");
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections is at least 1, not " + maxConnections);
        }
        this.maxConnections = maxConnections;
        this.connectTimeoutMillis = (int) Math.clamp(connectTimeout.toMillis(), 1, Integer.MAX_VALUE);
        this.acceptor = Thread.ofVirtual().name("hako-tcp-proxy-" + port.port()).unstarted(this::acceptLoop);
    }

    /** Forwards {@code port} to {@code target} with the default bounds; the proxy owns the port from now on. */
    public static TcpProxy start(ReservedPort port, InetSocketAddress target) {
        return start(port, target, DEFAULT_MAX_CONNECTIONS, DEFAULT_CONNECT_TIMEOUT);
    }

    /** Forwards {@code port} to {@code target}; the proxy owns the port from now on and closes it. */
    public static TcpProxy start(ReservedPort port, InetSocketAddress target, int maxConnections, Duration connectTimeout) {
        TcpProxy proxy = new TcpProxy(port, target, maxConnections, connectTimeout);
        proxy.acceptor.start();
        return proxy;
    }

    /** Where the proxy listens. */
    public InetSocketAddress address() throws IOException {
        return (InetSocketAddress) server.getLocalAddress();
    }

    /** How many connections are open now. */
    public synchronized int connectionCount() {
        return connections.size();
    }

    private void acceptLoop() {
        while (true) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (!server.isOpen()) {
                    return; // closed
                }
                pause(); // e.g. EMFILE: not a busy loop while descriptors are short
                continue;
            }
            Connection c = new Connection(client);
            synchronized (this) {
                if (closed || connections.size() >= maxConnections) {
                    closeQuietly(client);
                    continue;
                }
                connections.add(c);
                c.outbound = Thread.ofVirtual().name("hako-tcp-proxy-conn").start(c::run);
            }
        }
    }

    /** One client and its connection to the container. */
    private final class Connection {
        final SocketChannel client;
        volatile SocketChannel upstream;
        Thread outbound;
        Thread inbound;

        Connection(SocketChannel client) {
            this.client = client;
        }

        void run() {
            try {
                SocketChannel up = SocketChannel.open(target.getAddress() instanceof java.net.Inet6Address
                        ? java.net.StandardProtocolFamily.INET6 : java.net.StandardProtocolFamily.INET);
                upstream = up;
                synchronized (TcpProxy.this) {
                    if (closed) {
                        return;
                    }
                }
                up.socket().connect(target, connectTimeoutMillis);
                Thread back = Thread.ofVirtual().name("hako-tcp-proxy-conn").unstarted(() -> copy(up, client));
                synchronized (TcpProxy.this) {
                    if (closed) {
                        return;
                    }
                    inbound = back;
                    back.start();
                }
                copy(client, up);
                back.join();
            } catch (IOException | InterruptedException refusedOrClosed) {
                // the container refused, or the proxy is closing: the client's side closes below
            } finally {
                closeBoth();
                synchronized (TcpProxy.this) {
                    connections.remove(this);
                }
            }
        }

        /** Copies until end of stream (passed on as shutdownOutput) or an error (which closes both sockets). */
        void copy(SocketChannel from, SocketChannel to) {
            ByteBuffer buffer = ByteBuffer.allocate(BUFFER_SIZE);
            try {
                while (from.read(buffer) >= 0) {
                    buffer.flip();
                    while (buffer.hasRemaining()) {
                        to.write(buffer);
                    }
                    buffer.clear();
                }
                to.shutdownOutput();
            } catch (IOException e) {
                closeBoth();
            }
        }

        void closeBoth() {
            closeQuietly(client);
            SocketChannel up = upstream;
            if (up != null) {
                closeQuietly(up);
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a socket releases its descriptor whatever close reports
        }
    }

    /** Stops accepting, closes every connection and the port, and waits for the proxy's threads to end. */
    @Override
    public void close() throws IOException {
        List<Thread> threads = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            for (Connection c : connections) {
                c.closeBoth();
                threads.add(c.outbound);
                if (c.inbound != null) {
                    threads.add(c.inbound);
                }
            }
        }
        IOException failure = null;
        try {
            server.close();
        } catch (ClosedChannelException alreadyClosed) {
            // the reservation was closed by its owner
        } catch (IOException e) {
            failure = e;
        }
        threads.add(acceptor);
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
        if (failure != null) {
            throw failure;
        }
    }
}
