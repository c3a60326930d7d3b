package dev.hako.net;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SubnetConflictsTest {
    private static HostRoute route(String cidr, String device) {
        int slash = cidr.indexOf('/');
        return new HostRoute(Ipv4Address.parse(cidr.substring(0, slash)), Integer.parseInt(cidr.substring(slash + 1)), device);
    }

    private static final List<HostRoute> HOST = List.of(
            route("0.0.0.0/0", "eth0"), // default route
            route("10.0.2.15/24", "eth0"), // an address with host bits, as `ip addr` lists it
            route("172.17.0.0/16", "docker0"),
            route("127.0.0.1/8", "lo"));

    @Test
    void aFreeSubnetPasses() {
        assertDoesNotThrow(() -> SubnetConflicts.requireNoConflict(Ipv4Subnet.parse("172.30.0.0/16"), HOST, "hako0"));
        assertEquals(List.of(), SubnetConflicts.conflicts(Ipv4Subnet.parse("10.0.3.0/24"), HOST, "hako0"));
    }

    @Test
    void theDefaultRouteIsNoConflict() {
        assertEquals(List.of(), SubnetConflicts.conflicts(Ipv4Subnet.parse("192.168.0.0/16"), HOST, "hako0"));
    }

    @Test
    void anOverlapNamesTheRouteTheDeviceAndAFreeSubnet() {
        String message = assertThrows(IllegalArgumentException.class,
                () -> SubnetConflicts.requireNoConflict(Ipv4Subnet.parse("172.16.0.0/12"), HOST, "hako0")).getMessage();
        assertTrue(message.contains("172.17.0.0/16 on docker0"), message);
        assertTrue(message.contains("for example 172.18.0.0/16, which is free"), message);
        assertTrue(message.contains("172.16.0.0/12 of bridge hako0"), message);
    }

    @Test
    void anAddressOnAnInterfaceConflictsByItsPrefix() {
        List<HostRoute> found = SubnetConflicts.conflicts(Ipv4Subnet.parse("10.0.0.0/16"), HOST, "hako0");
        assertEquals(List.of(route("10.0.2.15/24", "eth0")), found);
        assertEquals("10.0.2.0/24", found.get(0).subnet().toString());
        assertEquals(1, SubnetConflicts.conflicts(Ipv4Subnet.parse("10.0.2.128/25"), HOST, "hako0").size(),
                "a narrower subnet inside the host's is a conflict too");
    }

    @Test
    void theBridgesOwnRouteIsNoConflict() {
        List<HostRoute> host = List.of(route("172.30.0.0/16", "hako0"));
        assertEquals(List.of(), SubnetConflicts.conflicts(Ipv4Subnet.parse("172.30.0.0/16"), host, "hako0"));
        assertEquals(1, SubnetConflicts.conflicts(Ipv4Subnet.parse("172.30.0.0/16"), host, "hako1").size());
    }

    @Test
    void withEverySuggestionTakenTheMessageNamesThePrivateRanges() {
        List<HostRoute> host = List.of(route("172.16.0.0/12", "vpn0"), route("192.168.0.0/16", "wlan0"));
        String message = assertThrows(IllegalArgumentException.class,
                () -> SubnetConflicts.requireNoConflict(Ipv4Subnet.parse("172.20.0.0/16"), host, "hako0")).getMessage();
        assertTrue(message.contains("in a private range"), message);
        assertTrue(message.contains("172.16.0.0/12 on vpn0"), message);
    }
}
