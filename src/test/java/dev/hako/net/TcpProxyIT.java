package dev.hako.net;

import dev.hako.testing.JvmResources;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TCP proxy on loopback (no root needed): a Java server on 127.0.0.1 stands in for the
 * container, the proxy listens on 127.0.0.1:0.
 */
@Timeout(180)
class TcpProxyIT {

    private static TcpProxy proxyTo(InetSocketAddress target) throws IOException {
        return TcpProxy.start(ReservedPort.reserve(PortMapping.parse("127.0.0.1::" + target.getPort())), target);
    }

    private static SocketChannel connect(TcpProxy proxy) throws IOException {
        return SocketChannel.open(proxy.address());
    }

    private static byte[] readAll(SocketChannel c) throws IOException {
        return c.socket().getInputStream().readAllBytes();
    }

    /** Sends {@code data} while reading the echo on another thread (both directions at once), half-closing after. */
    private static byte[] roundTrip(TcpProxy proxy, byte[] data) throws Exception {
        try (SocketChannel c = connect(proxy)) {
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    ByteBuffer b = ByteBuffer.wrap(data);
                    while (b.hasRemaining()) {
                        c.write(b);
                    }
                    c.shutdownOutput();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            byte[] back = readAll(c);
            writer.join();
            return back;
        }
    }

    @BeforeAll
    static void warmUp() throws Exception {
        // The JDK starts its poller threads and their descriptors at the first blocking
        // socket call of a virtual thread; leak checks start after that.
        try (EchoServers.Tcp echo = EchoServers.Tcp.echo(); TcpProxy proxy = proxyTo(echo.address())) {
            roundTrip(proxy, "warm".getBytes());
        }
    }

    @Test
    void aLargeTransferRoundTripsByteForByte() throws Exception {
        byte[] data = new byte[64 * 1024 * 1024];
        new Random(1).nextBytes(data);
        try (EchoServers.Tcp echo = EchoServers.Tcp.echo(); TcpProxy proxy = proxyTo(echo.address())) {
            byte[] back = roundTrip(proxy, data);
            assertEquals(data.length, back.length);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            assertArrayEquals(sha.digest(data), MessageDigest.getInstance("SHA-256").digest(back));
        }
    }

    @Test
    void aHalfCloseIsPassedOnAndTheOtherDirectionGoesOn() throws Exception {
        // The server reads to end of stream, then answers: only a passed-on shutdownOutput lets it answer.
        try (EchoServers.Tcp server = new EchoServers.Tcp(c -> {
            byte[] got = c.socket().getInputStream().readAllBytes();
            c.write(ByteBuffer.wrap(("got " + got.length + " bytes: " + new String(got, StandardCharsets.UTF_8))
                    .getBytes(StandardCharsets.UTF_8)));
        }); TcpProxy proxy = proxyTo(server.address()); SocketChannel c = connect(proxy)) {
            c.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)));
            c.shutdownOutput();
            assertEquals("got 5 bytes: hello", new String(readAll(c), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aConnectionTheContainerRefusesClosesTheClientsSide() throws Exception {
        InetSocketAddress nobody;
        try (ServerSocketChannel s = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            nobody = (InetSocketAddress) s.getLocalAddress();
        } // closed: connections to it are refused
        try (TcpProxy proxy = proxyTo(nobody); SocketChannel c = connect(proxy)) {
            int n;
            try {
                n = c.read(ByteBuffer.allocate(1));
            } catch (IOException reset) {
                n = -1;
            }
            assertEquals(-1, n, "the client sees its connection end");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (proxy.connectionCount() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(0, proxy.connectionCount(), "nothing is kept of the refused connection");
        }
    }

    @Test
    void aHundredClientsAtOnceEachGetTheirOwnBytesBack() throws Exception {
        int clients = 100;
        try (EchoServers.Tcp echo = EchoServers.Tcp.echo(); TcpProxy proxy = proxyTo(echo.address());
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int n = i;
                results.add(pool.submit(() -> {
                    byte[] data = new byte[100_000 + n];
                    new Random(n).nextBytes(data);
                    start.await();
                    return java.util.Arrays.equals(data, roundTrip(proxy, data));
                }));
            }
            start.countDown();
            int ok = 0;
            for (Future<Boolean> r : results) {
                ok += r.get() ? 1 : 0;
            }
            assertEquals(clients, ok);
        }
    }

    @Test
    void aTargetThatDoesNotReadStopsTheClientWithoutUnboundedBuffering() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (EchoServers.Tcp stuck = new EchoServers.Tcp(c -> {
            try {
                release.await(); // never reads until the end of the test
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }); TcpProxy proxy = proxyTo(stuck.address()); SocketChannel c = connect(proxy)) {
            c.configureBlocking(false);
            ByteBuffer chunk = ByteBuffer.allocate(1024 * 1024);
            long written = 0;
            long limit = 512L * 1024 * 1024;
            int idle = 0;
            while (written < limit && idle < 40) {
                chunk.clear();
                int n = c.write(chunk);
                written += n;
                if (n == 0) {
                    idle++;
                    Thread.sleep(25);
                } else {
                    idle = 0;
                }
            }
            // Kernel buffers on loopback (send and autotuned receive buffers of both connections) hold tens of
            // MiB; a proxy queueing without bound would take all 512 MiB.
            assertTrue(written < 160L * 1024 * 1024, "the client could write " + written + " bytes into a target that reads nothing");
            release.countDown();
        }
    }

    @Test
    void closeWhileTransfersRunEndsThemAndLeavesNothingBehind() throws Exception {
        JvmResources before = JvmResources.snapshot();
        EchoServers.Tcp echo = EchoServers.Tcp.echo();
        TcpProxy proxy = proxyTo(echo.address());
        int clients = 10;
        CountDownLatch flowing = new CountDownLatch(clients);
        List<Thread> threads = new ArrayList<>();
        List<SocketChannel> sockets = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            SocketChannel c = connect(proxy);
            sockets.add(c);
            // A writer and a reader per client, each going on until the proxy ends the connection.
            threads.add(Thread.ofVirtual().start(() -> {
                ByteBuffer out = ByteBuffer.allocate(8192);
                try {
                    while (true) {
                        out.clear();
                        c.write(out);
                    }
                } catch (IOException ended) {
                    // reset or closed by the closing proxy
                }
            }));
            threads.add(Thread.ofVirtual().start(() -> {
                ByteBuffer in = ByteBuffer.allocate(8192);
                boolean counted = false;
                try {
                    while (c.read(in.clear()) >= 0) {
                        if (!counted) {
                            flowing.countDown();
                            counted = true;
                        }
                    }
                } catch (IOException ended) {
                    // reset by the closing proxy
                } finally {
                    if (!counted) {
                        flowing.countDown();
                    }
                }
            }));
        }
        flowing.await();
        assertEquals(clients, proxy.connectionCount());
        InetSocketAddress published = proxy.address();
        proxy.close();
        for (Thread t : threads) {
            t.join(); // each client saw its connection end
        }
        assertEquals(0, proxy.connectionCount());
        for (SocketChannel c : sockets) {
            c.close();
        }
        echo.close();
        JvmResources.assertNoLeakSince(before);
        org.junit.jupiter.api.Assertions.assertThrows(java.net.ConnectException.class, () -> SocketChannel.open(published).close(),
                "the published port no longer listens");
    }
}
