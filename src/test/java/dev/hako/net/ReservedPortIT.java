package dev.hako.net;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.DatagramChannel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reserving host ports on loopback (no root needed): a chosen port comes back, a taken one is refused by name. */
@Timeout(60)
class ReservedPortIT {

    @Test
    void portZeroGetsTheKernelsChoiceAndHoldsIt() throws Exception {
        try (ReservedPort tcp = ReservedPort.reserve(PortMapping.parse("127.0.0.1::80"))) {
            assertNotEquals(0, tcp.port());
            assertEquals("127.0.0.1:" + tcp.port() + ":80/tcp", tcp.mapping().toString());
            try (Socket s = new Socket("127.0.0.1", tcp.port())) {
                assertTrue(s.isConnected(), "the reserved port listens");
            }
            tcp.close();
            assertFalse(tcp.isOpen());
            try (ServerSocket again = new ServerSocket()) {
                again.bind(new InetSocketAddress("127.0.0.1", tcp.port()));
            }
        }
        try (ReservedPort udp = ReservedPort.reserve(PortMapping.parse("127.0.0.1::53/udp"))) {
            assertNotEquals(0, udp.port());
            try (DatagramChannel other = DatagramChannel.open()) {
                assertThrows(java.net.BindException.class, () -> other.bind(new InetSocketAddress("127.0.0.1", udp.port())));
            }
        }
    }

    @Test
    void aTakenTcpPortIsRefusedNamingThePortTheAddressAndTheProcess() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            PortMapping mapping = PortMapping.parse("127.0.0.1:" + taken.getLocalPort() + ":80");
            IOException e = assertThrows(IOException.class, () -> ReservedPort.reserve(mapping));
            assertTrue(e.getMessage().contains("host port " + taken.getLocalPort() + "/tcp on 127.0.0.1 is already in use"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("by pid " + ProcessHandle.current().pid() + " (java)"), e.getMessage());
            // and on all addresses, where the loopback listener is in the way too
            IOException all = assertThrows(IOException.class,
                    () -> ReservedPort.reserve(PortMapping.tcp(taken.getLocalPort(), 80)));
            assertTrue(all.getMessage().contains("on 0.0.0.0 is already in use"), all.getMessage());
        }
    }

    @Test
    void aTakenUdpPortIsRefusedToo() throws Exception {
        try (DatagramChannel taken = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            int port = ((InetSocketAddress) taken.getLocalAddress()).getPort();
            IOException e = assertThrows(IOException.class,
                    () -> ReservedPort.reserve(PortMapping.parse("127.0.0.1:" + port + ":53/udp")));
            assertTrue(e.getMessage().contains("host port " + port + "/udp on 127.0.0.1 is already in use by pid "
                    + ProcessHandle.current().pid()), e.getMessage());
        }
    }

    @Test
    void anAddressTheHostDoesNotHaveIsNamed() {
        IOException e = assertThrows(IOException.class, () -> ReservedPort.reserve(PortMapping.parse("192.0.2.1::80")));
        assertTrue(e.getMessage().contains("192.0.2.1 is not an address of this host"), e.getMessage());
    }

    @Test
    void ipv6LoopbackWorksWhenTheHostHasIt() throws Exception {
        try (ReservedPort v6 = ReservedPort.reserve(PortMapping.parse("[::1]::80"))) {
            assertNotEquals(0, v6.port());
            assertTrue(v6.address().getAddress() instanceof java.net.Inet6Address);
        }
    }
}
