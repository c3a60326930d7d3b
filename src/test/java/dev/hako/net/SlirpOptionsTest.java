package dev.hako.net;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlirpOptionsTest {

    @Test
    void theDefaultsKeepTheHostLoopbackClosed() {
        SlirpOptions o = SlirpOptions.defaults();
        assertFalse(o.allowHostLoopback());
        assertNull(o.helper());
        assertEquals(List.of(), o.ports());
        assertEquals(65520, o.mtu());
        assertEquals(Duration.ofSeconds(10), o.readyTimeout());
    }

    @Test
    void badValuesAreRefusedNamingThem() throws Exception {
        assertMessage("host port 65536", () -> SlirpPort.tcp(65536, 80));
        assertMessage("host port -1", () -> SlirpPort.tcp(-1, 80));
        assertMessage("container port 0", () -> SlirpPort.udp(53, 0));
        assertMessage("IPv4 host address", () -> SlirpPort.tcp(1, 80).onHost(InetAddress.getByName("::1")));
        assertMessage("host port 8080/tcp is published twice", () -> SlirpOptions.defaults()
                .publish(SlirpPort.tcp(8080, 80)).publish(SlirpPort.tcp(8080, 81).onHost(InetAddress.getByName("127.0.0.1"))));
        assertMessage("MTU 1279", () -> SlirpOptions.defaults().withMtu(1279));
        assertMessage("MTU 65521", () -> SlirpOptions.defaults().withMtu(65521));
        assertMessage("ready timeout", () -> SlirpOptions.defaults().withReadyTimeout(Duration.ZERO));
        SlirpOptions many = SlirpOptions.defaults();
        for (int i = 0; i < SlirpOptions.MAX_PORTS; i++) {
            many = many.publish(SlirpPort.tcp(0, 80));
        }
        SlirpOptions full = many;
        assertMessage("at most 256", () -> full.publish(SlirpPort.tcp(0, 80)));
    }

    @Test
    void freePortsMayRepeatAndTheSamePortMayServeBothProtocols() {
        SlirpOptions o = SlirpOptions.defaults().publish(SlirpPort.tcp(0, 80)).publish(SlirpPort.tcp(0, 81))
                .publish(SlirpPort.tcp(53, 53)).publish(SlirpPort.udp(53, 53));
        assertEquals(4, o.ports().size());
        assertEquals("udp 0.0.0.0:53 -> 53", o.ports().get(3).toString());
        assertEquals("tcp 0.0.0.0:(free) -> 80", o.ports().get(0).toString());
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable bad) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bad);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }

    @Test
    void startRefusesImpossiblePidsBeforeLookingForAHelper() {
        assertMessage("not pid 0 and pidfd 3", () -> SlirpNetwork.start(0, 3, SlirpOptions.defaults()));
        assertMessage("not pid 42 and pidfd -1", () -> SlirpNetwork.start(42, -1, SlirpOptions.defaults()));
    }
}
