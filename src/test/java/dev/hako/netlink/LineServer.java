package dev.hako.netlink;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * A TCP server inside a test's network namespace that answers every connection with one
 * line, {@code NAME saw ADDRESS}: the source address it saw, which is what NAT changes.
 * The listening socket is made inside the namespace and served from an ordinary thread.
 */
final class LineServer implements AutoCloseable {
    private final String name;
    private final ServerSocketChannel channel;
    private final Thread thread;

    private LineServer(String name, ServerSocketChannel channel) {
        this.name = name;
        this.channel = channel;
        this.thread = Thread.ofPlatform().name("hkt-line-server-" + name).start(this::serve);
    }

    /** Listens on {@code 0.0.0.0:port} in the namespace {@code ns}. */
    static LineServer start(ToolNamespace ns, String name, int port) throws IOException {
        ServerSocketChannel channel = NetworkNamespace.callIn(ns.fd(), () -> {
            ServerSocketChannel c = ServerSocketChannel.open();
            try {
                c.bind(new InetSocketAddress("0.0.0.0", port));
                return c;
            } catch (IOException | RuntimeException e) {
                c.close();
                throw e;
            }
        });
        return new LineServer(name, channel);
    }

    private void serve() {
        while (true) {
            try (SocketChannel client = channel.accept()) {
                String seen = ((InetSocketAddress) client.getRemoteAddress()).getAddress().getHostAddress();
                client.write(ByteBuffer.wrap((name + " saw " + seen + "\n").getBytes(StandardCharsets.UTF_8)));
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                // a client that went away: serve the next one
            }
        }
    }

    /**
     * Connects from the namespace {@code ns} to {@code address:port} and returns the line
     * the server answered (connect and read guarded by a generous timeout against hangs).
     */
    static String ask(ToolNamespace ns, String address, int port) throws IOException {
        return NetworkNamespace.callIn(ns.fd(), () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(address, port), 20_000);
                s.setSoTimeout(20_000);
                InputStream in = s.getInputStream();
                OutputStream unused = s.getOutputStream();
                return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            }
        });
    }

    @Override
    public void close() throws IOException, InterruptedException {
        channel.close();
        thread.join();
    }
}
