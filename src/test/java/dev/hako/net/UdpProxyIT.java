package dev.hako.net;

import dev.hako.testing.JvmResources;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The UDP proxy on loopback (no root needed): a Java UDP server on 127.0.0.1 stands in for the container. */
@Timeout(120)
class UdpProxyIT {

    private static UdpProxy proxyTo(InetSocketAddress target, Duration idle, int max) throws IOException {
        return UdpProxy.start(ReservedPort.reserve(PortMapping.parse("127.0.0.1::" + target.getPort() + "/udp")), target,
                idle, max);
    }

    private static DatagramSocket client() throws IOException {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        s.setSoTimeout(30_000); // only a guard against a hang
        return s;
    }

    private static byte[] ask(DatagramSocket client, UdpProxy proxy, byte[] request) throws IOException {
        client.send(new DatagramPacket(request, request.length, proxy.address()));
        byte[] buf = new byte[65535];
        DatagramPacket reply = new DatagramPacket(buf, buf.length);
        client.receive(reply);
        assertEquals(proxy.address(), reply.getSocketAddress(), "the reply comes from the published port");
        return Arrays.copyOf(buf, reply.getLength());
    }

    private static String ask(DatagramSocket client, UdpProxy proxy, String request) throws IOException {
        return new String(ask(client, proxy, request.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    @BeforeAll
    static void warmUp() throws Exception {
        try (EchoServers.Udp server = new EchoServers.Udp();
             UdpProxy proxy = proxyTo(server.address(), Duration.ofSeconds(30), 8); DatagramSocket c = client()) {
            ask(c, proxy, "warm");
        }
    }

    @Test
    void requestsAndRepliesGoEachToTheirOwnClient() throws Exception {
        try (EchoServers.Udp server = new EchoServers.Udp();
             UdpProxy proxy = proxyTo(server.address(), Duration.ofSeconds(30), 8);
             DatagramSocket a = client(); DatagramSocket b = client()) {
            assertEquals("echo:from a", ask(a, proxy, "from a"));
            assertEquals("echo:from b", ask(b, proxy, "from b"));
            assertEquals("echo:a again", ask(a, proxy, "a again"));
            assertEquals(2, proxy.associationCount());
            assertEquals(2, server.senders.size(), "one association (source port) per client");
        }
    }

    @Test
    void aLargeDatagramRoundTripsWhole() throws Exception {
        byte[] data = new byte[60_000];
        new Random(3).nextBytes(data);
        try (EchoServers.Udp server = new EchoServers.Udp();
             UdpProxy proxy = proxyTo(server.address(), Duration.ofSeconds(30), 8); DatagramSocket c = client()) {
            byte[] back = ask(c, proxy, data);
            assertArrayEquals("echo:".getBytes(), Arrays.copyOf(back, 5));
            assertArrayEquals(data, Arrays.copyOfRange(back, 5, back.length));
        }
    }

    @Test
    void anIdleAssociationIsClosedAndANewOneServesTheClientAfter() throws Exception {
        try (EchoServers.Udp server = new EchoServers.Udp();
             UdpProxy proxy = proxyTo(server.address(), Duration.ofMillis(200), 8); DatagramSocket c = client()) {
            assertEquals("echo:1", ask(c, proxy, "1"));
            assertEquals(1, proxy.associationCount());
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (proxy.associationCount() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, proxy.associationCount(), "idle for the timeout: closed");
            assertEquals("echo:2", ask(c, proxy, "2"));
            assertEquals(2, server.senders.size(), "the second association is a new socket");
        }
    }

    @Test
    void beyondTheBoundNewClientsAreDropped() throws Exception {
        try (EchoServers.Udp server = new EchoServers.Udp();
             UdpProxy proxy = proxyTo(server.address(), Duration.ofSeconds(30), 1);
             DatagramSocket a = client(); DatagramSocket b = client()) {
            assertEquals("echo:a", ask(a, proxy, "a"));
            b.send(new DatagramPacket(new byte[] {'b'}, 1, proxy.address()));
            // The proxy handles datagrams in the order they arrive: once a's next answer is back, b's was dropped.
            assertEquals("echo:a2", ask(a, proxy, "a2"));
            assertEquals(1, proxy.associationCount());
            assertEquals(1, server.senders.size());
        }
    }

    @Test
    void closeEndsEveryAssociationAndLeavesNothingBehind() throws Exception {
        JvmResources before = JvmResources.snapshot();
        EchoServers.Udp server = new EchoServers.Udp();
        UdpProxy proxy = proxyTo(server.address(), Duration.ofSeconds(30), 64);
        DatagramSocket[] clients = new DatagramSocket[20];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = client();
            assertEquals("echo:" + i, ask(clients[i], proxy, Integer.toString(i)));
        }
        assertEquals(clients.length, proxy.associationCount());
        proxy.close();
        assertEquals(0, proxy.associationCount());
        for (DatagramSocket c : clients) {
            c.close();
        }
        server.close();
        JvmResources.assertNoLeakSince(before);
    }
}
