package dev.hako.net;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlirpCommandTest {
    private static final Path SLIRP = Path.of("/usr/bin/slirp4netns");
    private static final Path PASTA = Path.of("/usr/bin/pasta");

    @Test
    void slirp4netnsRunsSandboxedWithExitAndReadyOnItsStdio() {
        assertEquals(List.of("/usr/bin/slirp4netns", "--configure", "--mtu=65520", "--cidr=10.0.2.0/24",
                "--disable-host-loopback", "--enable-sandbox", "--enable-seccomp", "--exit-fd=0", "--ready-fd=1",
                "--api-socket=/run/x/api.sock", "4242", "tap0"),
                SlirpCommand.slirp4netns(SLIRP, 4242, SlirpOptions.defaults(), Path.of("/run/x/api.sock")));
    }

    @Test
    void slirp4netnsWithoutPortsHasNoApiSocketAndHostLoopbackIsAnOption() {
        List<String> cmd = SlirpCommand.slirp4netns(SLIRP, 7, SlirpOptions.defaults().withHostLoopback(true).withMtu(1500),
                null);
        assertFalse(cmd.contains("--disable-host-loopback"), cmd.toString());
        assertFalse(cmd.stream().anyMatch(a -> a.startsWith("--api-socket")), cmd.toString());
        assertTrue(cmd.contains("--mtu=1500"), cmd.toString());
    }

    @Test
    void pastaForwardsOnlyThePublishedPortsAndNothingFromTheNamespace() throws Exception {
        List<SlirpPort> ports = List.of(SlirpPort.tcp(8080, 80).onHost(InetAddress.getByName("127.0.0.1")),
                SlirpPort.tcp(8443, 443), SlirpPort.udp(5353, 53));
        assertEquals(List.of("/usr/bin/pasta", "--foreground", "--quiet", "--config-net", "--ipv4-only",
                "--ns-ifname", "tap0", "--address", "10.0.2.100", "--netmask", "24", "--gateway", "10.0.2.2",
                "--dns-forward", "10.0.2.3", "--mtu", "65520", "--no-map-gw",
                "--tcp-ports", "127.0.0.1/8080:80", "--tcp-ports", "8443:443", "--udp-ports", "5353:53",
                "--tcp-ns", "none", "--udp-ns", "none", "--pid", "/dev/stdout", "99"),
                SlirpCommand.pasta(PASTA, 99, SlirpOptions.defaults(), ports, false));
    }

    @Test
    void pastaWithoutPortsForwardsNoneAndAsRootStaysRoot() {
        List<String> cmd = SlirpCommand.pasta(PASTA, 5, SlirpOptions.defaults().withHostLoopback(true), List.of(), true);
        assertEquals(List.of("--runas", "0:0"), cmd.subList(3, 5));
        assertFalse(cmd.contains("--no-map-gw"), cmd.toString());
        int t = cmd.indexOf("--tcp-ports");
        int u = cmd.indexOf("--udp-ports");
        assertEquals("none", cmd.get(t + 1));
        assertEquals("none", cmd.get(u + 1));
    }

    @Test
    void aFreePortMustBeChosenBeforeTheCommandIsMade() {
        assertThrows(IllegalArgumentException.class,
                () -> SlirpCommand.pasta(PASTA, 5, SlirpOptions.defaults(), List.of(SlirpPort.tcp(0, 80)), false));
        assertThrows(IllegalArgumentException.class, () -> SlirpCommand.addHostForwardRequest(SlirpPort.udp(0, 53)));
    }

    @Test
    void theApiRequestNamesProtocolAddressesAndPorts() throws Exception {
        assertEquals("{\"execute\": \"add_hostfwd\", \"arguments\": {\"proto\": \"udp\", \"host_addr\": \"127.0.0.1\","
                + " \"host_port\": 5353, \"guest_addr\": \"10.0.2.100\", \"guest_port\": 53}}",
                SlirpCommand.addHostForwardRequest(SlirpPort.udp(5353, 53).onHost(InetAddress.getByName("127.0.0.1"))));
        assertTrue(SlirpCommand.addHostForwardRequest(SlirpPort.tcp(80, 8080)).contains("\"host_addr\": \"0.0.0.0\""));
    }
}
