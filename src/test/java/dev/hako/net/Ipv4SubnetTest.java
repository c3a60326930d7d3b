package dev.hako.net;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Ipv4SubnetTest {

    private static String refused(String text) {
        return assertThrows(IllegalArgumentException.class, () -> Ipv4Subnet.parseBridgeNetwork(text)).getMessage();
    }

    @Test
    void parsesCidrAndComputesTheBridgeAddresses() {
        Ipv4Subnet s = Ipv4Subnet.parseBridgeNetwork("172.30.0.0/16");
        assertEquals("172.30.0.0/16", s.toString());
        assertEquals("172.30.0.1", s.gateway().toString());
        assertEquals("172.30.0.2", s.firstContainerAddress().toString());
        assertEquals("172.30.255.254", s.lastContainerAddress().toString());
        assertEquals("172.30.255.255", s.broadcast().toString());
        assertEquals(65536, s.size());
        assertEquals(65533, s.containerCapacity());
    }

    @Test
    void aSlash30HoldsOneContainer() {
        Ipv4Subnet s = Ipv4Subnet.parseBridgeNetwork("10.9.8.4/30");
        assertEquals("10.9.8.5", s.gateway().toString());
        assertEquals("10.9.8.6", s.firstContainerAddress().toString());
        assertEquals("10.9.8.6", s.lastContainerAddress().toString());
        assertEquals(1, s.containerCapacity());
    }

    @Test
    void badTextIsNamedWithWhatIsWrong() {
        assertEquals("\"10.0.0.300/24\": 300 is not an octet (0 to 255)", refused("10.0.0.300/24"));
        assertTrue(refused("10.0.0.1/24").contains("host bits set: the network is 10.0.0.0/24"), refused("10.0.0.1/24"));
        assertTrue(refused("10.0.0.0/33").contains("\"33\" is not a prefix length"));
        assertTrue(refused("10.0.0.0/").contains("is not a prefix length"));
        assertTrue(refused("10.0.0.0/-1").contains("is not a prefix length"));
        assertTrue(refused("10.0.0.0").contains("a.b.c.d/prefix"));
        assertTrue(refused("10.0.0/8").contains("four octets"));
        assertTrue(refused("10.0.0.0.0/8").contains("four octets"));
        assertTrue(refused("010.0.0.0/8").contains("leading zero"));
        assertTrue(refused("10..0.0/8").contains("an octet is empty"));
        assertTrue(refused("1a.0.0.0/8").contains("\"1a\" is not an octet"));
        assertTrue(refused("localhost/8").contains("four octets"));
        assertTrue(refused("99999999999.0.0.0/8").contains("not an IPv4 address"));
        assertTrue(refused("9999.0.0.0/8").contains("9999 is not an octet"));
        assertTrue(refused("\u0000.0.0.0/8").contains("\\x00"), "a NUL is shown escaped");
        assertTrue(refused("10.0.0.0/7").contains("/8 to /30"));
        assertTrue(refused("0.0.0.0/0").contains("the whole Internet"));
        assertTrue(refused("10.0.0.0/31").contains("no room for a gateway"));
        assertTrue(refused("10.0.0.0/32").contains("no room for a gateway"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Subnet.parse(null));
        String huge = "1".repeat(100_000);
        assertTrue(refused(huge).length() < 300, "a huge text is cut short in the message");
    }

    @Test
    void containsAndOverlaps() {
        Ipv4Subnet wide = Ipv4Subnet.parse("10.0.0.0/8");
        Ipv4Subnet narrow = Ipv4Subnet.parse("10.20.0.0/16");
        Ipv4Subnet other = Ipv4Subnet.parse("11.0.0.0/8");
        assertTrue(wide.overlaps(narrow));
        assertTrue(narrow.overlaps(wide));
        assertFalse(wide.overlaps(other));
        assertTrue(wide.contains(Ipv4Address.parse("10.255.255.255")));
        assertFalse(wide.contains(Ipv4Address.parse("11.0.0.0")));
        assertTrue(Ipv4Subnet.parse("0.0.0.0/0").overlaps(other));
        assertTrue(Ipv4Subnet.parse("255.255.255.255/32").contains(Ipv4Address.parse("255.255.255.255")));
        assertFalse(Ipv4Subnet.parse("192.168.1.0/24").overlaps(Ipv4Subnet.parse("192.168.2.0/24")));
    }

    @Test
    void addressesRoundTripAndOrderUnsigned() {
        assertEquals("255.255.255.255", Ipv4Address.parse("255.255.255.255").toString());
        assertEquals("0.0.0.0", Ipv4Address.parse("0.0.0.0").toString());
        assertTrue(Ipv4Address.parse("200.0.0.0").compareTo(Ipv4Address.parse("100.0.0.0")) > 0);
        assertEquals(Ipv4Address.parse("1.2.3.4"), Ipv4Address.of(Ipv4Address.parse("1.2.3.4").toInetAddress()));
        assertTrue(Ipv4Address.parse("127.0.0.53").isLoopback());
        assertEquals("10.0.1.0", Ipv4Address.parse("10.0.0.255").plus(1).toString());
    }
}
