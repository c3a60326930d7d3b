package dev.hako.netlink;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Published ports and IPv4 prefixes refuse bad input with a message naming it, before anything is sent. */
class PublishedPortTest {
    private static final PublishedPort.Protocol TCP = PublishedPort.Protocol.TCP;

    private static void refused(String expectedPart, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(expectedPart), e.getMessage());
    }

    @Test
    void portsOutOfRange() {
        refused("host port 0 is not 1..65535", () -> PublishedPort.of(TCP, 0, "172.29.0.2", 80));
        refused("host port 65536", () -> PublishedPort.of(TCP, 65536, "172.29.0.2", 80));
        refused("container port -1", () -> PublishedPort.of(TCP, 80, "172.29.0.2", -1));
        refused("container port 70000", () -> PublishedPort.of(TCP, 80, "172.29.0.2", 70000));
        refused("without a protocol", () -> PublishedPort.of(null, 80, "172.29.0.2", 80));
    }

    @Test
    void badAddresses() {
        for (String bad : new String[] {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "localhost",
                "1.2.3.4 ", " 1.2.3.4", "1..2.3", "0x7f.0.0.1", "1.2.3.4/32", "١.٢.٣.٤", "1.2.3.1000"}) {
            refused("is not an IPv4 address", () -> PublishedPort.of(TCP, 80, bad, 80));
        }
        refused("loopback", () -> PublishedPort.on(TCP, "127.0.0.1", 80, "172.29.0.2", 80));
        refused("loopback", () -> PublishedPort.on(TCP, "127.9.9.9", 80, "172.29.0.2", 80));
        refused("not a unicast address", () -> PublishedPort.on(TCP, "224.0.0.1", 80, "172.29.0.2", 80));
        refused("not a unicast address", () -> PublishedPort.on(TCP, "255.255.255.255", 80, "172.29.0.2", 80));
        for (String container : new String[] {"0.0.0.0", "127.0.0.1", "239.1.1.1", "255.255.255.255"}) {
            refused("is not a unicast address a container can hold", () -> PublishedPort.of(TCP, 80, container, 80));
        }
    }

    @Test
    void theWildcardHostAddressMeansEveryAddress() {
        assertEquals(Optional.empty(), PublishedPort.on(TCP, "0.0.0.0", 80, "172.29.0.2", 80).hostAddress());
        assertEquals("tcp *:80 -> 172.29.0.2:8080", PublishedPort.of(TCP, 80, "172.29.0.2", 8080).toString());
        assertEquals("udp 10.0.0.1:53 -> 172.29.0.2:53",
                PublishedPort.on(PublishedPort.Protocol.UDP, "10.0.0.1", 53, "172.29.0.2", 53).toString());
    }

    @Test
    void prefixes() {
        Ipv4Prefix p = Ipv4Prefix.parse("172.29.0.0/16");
        assertEquals("172.29.0.0/16", p.toString());
        assertTrue(p.contains(Ipv4Prefix.parseAddress("172.29.255.1")));
        assertEquals(false, p.contains(Ipv4Prefix.parseAddress("172.30.0.1")));
        assertEquals(java.util.List.of((byte) 255, (byte) 240, (byte) 0, (byte) 0),
                java.util.List.of(box(Ipv4Prefix.parse("172.16.0.0/12").maskBytes())));
        refused("has host bits set: the network is 172.29.0.0/16", () -> Ipv4Prefix.parse("172.29.0.1/16"));
        refused("not 1..32", () -> Ipv4Prefix.parse("10.0.0.0/33"));
        refused("not 1..32", () -> Ipv4Prefix.parse("0.0.0.0/0"));
        refused("not 1..32", () -> Ipv4Prefix.parse("10.0.0.0/"));
        refused("not 1..32", () -> Ipv4Prefix.parse("10.0.0.0/1x"));
        refused("not an IPv4 prefix", () -> Ipv4Prefix.parse("10.0.0.0"));
        refused("not an IPv4 address", () -> Ipv4Prefix.parse("10.0.0/8"));
        assertEquals(32, Ipv4Prefix.parse("10.1.2.3/32").length());
    }

    private static Byte[] box(byte[] b) {
        Byte[] out = new Byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i];
        }
        return out;
    }
}
