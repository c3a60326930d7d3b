package dev.hako.net;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Servers on 127.0.0.1 that stand in for a container behind a proxy. */
final class EchoServers {
    private EchoServers() {
    }

    /** What a connection does with its socket. */
    interface Handler {
        void handle(SocketChannel connection) throws IOException;
    }

    /** A TCP server whose connections each run {@code handler} on a virtual thread. */
    static final class Tcp implements AutoCloseable {
        final ServerSocketChannel server;
        final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
        private final Thread acceptor;

        Tcp(Handler handler) throws IOException {
            server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            acceptor = Thread.ofVirtual().start(() -> {
                while (true) {
                    SocketChannel c;
                    try {
                        c = server.accept();
                    } catch (IOException e) {
                        return;
                    }
                    open.add(c);
                    Thread.ofVirtual().start(() -> {
                        try (c) {
                            handler.handle(c);
                        } catch (IOException ignored) {
                            // the client went away
                        } finally {
                            open.remove(c);
                        }
                    });
                }
            });
        }

        /** Echoes until end of stream, then half-closes. */
        static Tcp echo() throws IOException {
            return new Tcp(c -> {
                ByteBuffer b = ByteBuffer.allocate(16 * 1024);
                while (c.read(b) >= 0) {
                    b.flip();
                    while (b.hasRemaining()) {
                        c.write(b);
                    }
                    b.clear();
                }
                c.shutdownOutput();
            });
        }

        InetSocketAddress address() throws IOException {
            return (InetSocketAddress) server.getLocalAddress();
        }

        @Override
        public void close() throws Exception {
            server.close();
            acceptor.join();
            for (SocketChannel c : open) {
                c.close();
            }
        }
    }

    /** A UDP server that answers each datagram with "echo:" and the datagram, and records who sent. */
    static final class Udp implements AutoCloseable {
        final DatagramSocket socket;
        final Set<SocketAddress> senders = ConcurrentHashMap.newKeySet();
        private final Thread thread;

        Udp() throws IOException {
            socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            thread = Thread.ofVirtual().start(() -> {
                byte[] buf = new byte[65535];
                while (true) {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    try {
                        socket.receive(p);
                        senders.add(p.getSocketAddress());
                        byte[] reply = new byte[p.getLength() + 5];
                        System.arraycopy("echo:".getBytes(), 0, reply, 0, 5);
                        System.arraycopy(buf, 0, reply, 5, p.getLength());
                        socket.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
                    } catch (IOException e) {
                        if (socket.isClosed()) {
                            return;
                        }
                    }
                }
            });
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        @Override
        public void close() throws InterruptedException {
            socket.close();
            thread.join();
        }
    }
}
