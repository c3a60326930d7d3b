package dev.hako.net;

import org.junit.jupiter.api.Test;

import java.net.Inet6Address;
import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PortMappingTest {

    private static String refused(String text) {
        return assertThrows(IllegalArgumentException.class, () -> PortMapping.parse(text)).getMessage();
    }

    @Test
    void parsesDockersForms() {
        assertEquals("0.0.0.0:8080:80/tcp", PortMapping.parse("8080:80").toString());
        assertEquals("0.0.0.0:0:80/tcp", PortMapping.parse("80").toString());
        assertEquals("0.0.0.0:0:80/tcp", PortMapping.parse("0:80").toString());
        assertEquals("127.0.0.1:8080:80/tcp", PortMapping.parse("127.0.0.1:8080:80").toString());
        assertEquals("127.0.0.1:0:80/tcp", PortMapping.parse("127.0.0.1::80").toString());
        assertEquals("0.0.0.0:8080:80/udp", PortMapping.parse("8080:80/udp").toString());
        assertEquals("0.0.0.0:53:53/tcp", PortMapping.parse("53:53/tcp").toString());
        PortMapping v6 = PortMapping.parse("[::1]:8080:80");
        assertTrue(v6.hostAddress() instanceof Inet6Address);
        assertTrue(v6.hostAddress().isLoopbackAddress());
        assertEquals("[0:0:0:0:0:0:0:1]:8080:80/tcp", v6.toString());
        assertEquals("[0:0:0:0:0:0:0:1]:0:53/udp", PortMapping.parse("[::1]::53/udp").toString());
        assertTrue(PortMapping.parse("[::]:80:80").allAddresses());
        assertTrue(PortMapping.parse("80").allAddresses());
    }

    @Test
    void theTypedFormsEqualTheParsedOnes() throws Exception {
        assertEquals(PortMapping.parse("8080:80"), PortMapping.tcp(8080, 80));
        assertEquals(PortMapping.parse("9000:53/udp"), PortMapping.udp(9000, 53));
        assertEquals(PortMapping.parse("127.0.0.1:1:2"),
                new PortMapping(Protocol.TCP, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 1, 2));
        assertThrows(IllegalArgumentException.class, () -> PortMapping.tcp(65536, 80));
        assertThrows(IllegalArgumentException.class, () -> PortMapping.tcp(80, 0));
        assertThrows(IllegalArgumentException.class, () -> PortMapping.tcp(-1, 80));
        assertThrows(NullPointerException.class, () -> new PortMapping(null, InetAddress.getLoopbackAddress(), 1, 1));
    }

    @Test
    void outOfRangePortsAreNamed() {
        assertTrue(refused("65536:80").contains("the host port \"65536\" is not a port (0 to 65535"), refused("65536:80"));
        assertTrue(refused("8080:0").contains("the container port \"0\" is not a port (1 to 65535)"));
        assertTrue(refused("8080:65536").contains("container port"));
        assertTrue(refused("8080:99999999999999").contains("is not a port"));
        assertTrue(refused("8080:").contains("container port \"\""));
        assertTrue(refused(":80").contains("host port \"\""), "an empty host port needs an address before it");
        assertTrue(refused("http:80").contains("host port \"http\""));
        assertTrue(refused("080:80").contains("is not a port"));
        assertTrue(refused("+80:80").contains("is not a port"));
        assertTrue(refused("8000-8010:80").contains("port ranges"));
    }

    @Test
    void badProtocolsAreNamed() {
        assertTrue(refused("80/sctp").contains("sctp ports are not supported"));
        assertTrue(refused("80/icmp").contains("\"icmp\" is not a protocol"));
        assertTrue(refused("80/TCP").contains("is not a protocol"));
        assertTrue(refused("80/").contains("\"\" is not a protocol"));
        assertTrue(refused("80/tcp/udp").contains("is not a port"));
    }

    @Test
    void badAddressesAreNamedAndNeverResolved() {
        assertTrue(refused("localhost:8080:80").contains("four octets"), "a host name is no address (no lookup)");
        assertTrue(refused("example.com:8080:80").contains("four octets"));
        assertTrue(refused("127.0.0.256:8080:80").contains("256 is not an octet"));
        assertTrue(refused(":8080:80").contains("host address is empty"));
        assertTrue(refused("::1:8080:80").contains("goes in brackets"));
        assertTrue(refused("[::1]8080:80").contains("[address]:hostPort:containerPort"));
        assertTrue(refused("[::1:8080:80").contains("[address]:hostPort:containerPort"));
        assertTrue(refused("[fe80::1%eth0]:8080:80").contains("zones like %eth0"));
        assertTrue(refused("[example.com]:8080:80").contains("is not an IPv6 address"));
        assertTrue(refused("[1:2:3:4:5:6:7:8:9]:8080:80").contains("is not an IPv6 address"));
        assertTrue(refused("[::ffff:127.0.0.1]:8080:80").contains("write it without brackets"));
        assertTrue(refused("[::1]:80").contains("hostPort:containerPort"));
        assertTrue(refused("").contains("missing"));
        assertTrue(refused("1:".repeat(100)).contains("too long"));
        assertTrue(refused("\u0000:80").contains("\\x00"));
    }
}
