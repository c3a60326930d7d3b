package dev.hako.netlink;

import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Real traffic through hako's rules, in a topology of network namespaces the test makes:
 * <pre>
 *   client (10.99.0.2) ==veth== host (10.99.0.1; bridge hkt-br0 172.29.0.1/16) ==veth== container (172.29.0.2)
 * </pre>
 * The host namespace forwards (its own ip_forward; the machine's is left as it was). A
 * published port takes the client's connection to the host's address, and the host's own
 * connection to its bridge address, to the container's server; masquerading gives the
 * container's connection to the client the host's address.
 */
@KernelTest
class NatTrafficIT {
    private static final int SERVER_PORT = 5000;
    private static final int HOST_PORT = 8080;
    private static final int ONE_ADDRESS_PORT = 8081;
    private static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");

    /** The three namespaces, linked and addressed. */
    private record Topology(ToolNamespace host, ToolNamespace container, ToolNamespace client) implements AutoCloseable {
        static Topology create() throws Exception {
            ToolNamespace host = ToolNamespace.create();
            ToolNamespace container = null;
            ToolNamespace client = null;
            try {
                container = ToolNamespace.create();
                client = ToolNamespace.create();
                Topology t = new Topology(host, container, client);
                t.wire();
                return t;
            } catch (Exception | Error e) {
                closeQuietly(client);
                closeQuietly(container);
                closeQuietly(host);
                throw e;
            }
        }

        private static void closeQuietly(ToolNamespace ns) {
            if (ns != null) {
                try {
                    ns.close();
                } catch (InterruptedException | AssertionError e) {
                    // the first failure is the one reported
                }
            }
        }

        private void wire() throws IOException, InterruptedException {
            Tools.ip(host, "link", "set", "lo", "up");
            Tools.ip(host, "link", "add", "hkt-br0", "type", "bridge");
            Tools.ip(host, "addr", "add", "172.29.0.1/16", "dev", "hkt-br0");
            Tools.ip(host, "link", "set", "hkt-br0", "up");
            Tools.ip(host, "link", "add", "hkt-hc0", "type", "veth", "peer", "name", "hkt-ch0");
            Tools.ip(host, "link", "set", "hkt-ch0", "netns", container.path());
            Tools.ip(host, "link", "set", "hkt-hc0", "master", "hkt-br0", "up");
            Tools.ip(container, "link", "set", "lo", "up");
            Tools.ip(container, "addr", "add", "172.29.0.2/16", "dev", "hkt-ch0");
            Tools.ip(container, "link", "set", "hkt-ch0", "up");
            Tools.ip(container, "route", "add", "default", "via", "172.29.0.1");
            Tools.ip(host, "link", "add", "hkt-hk0", "type", "veth", "peer", "name", "hkt-kh0");
            Tools.ip(host, "link", "set", "hkt-kh0", "netns", client.path());
            Tools.ip(host, "addr", "add", "10.99.0.1/24", "dev", "hkt-hk0");
            Tools.ip(host, "link", "set", "hkt-hk0", "up");
            Tools.ip(client, "link", "set", "lo", "up");
            Tools.ip(client, "addr", "add", "10.99.0.2/24", "dev", "hkt-kh0");
            Tools.ip(client, "link", "set", "hkt-kh0", "up");
            // the client can route to the containers' subnet, so that only masquerading decides what it sees
            Tools.ip(client, "route", "add", "172.29.0.0/16", "via", "10.99.0.1");
            // forwarding in the host namespace only: a process inside it writes its own sysctl
            Tools.run("", Tools.in(host, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"));
            assertEquals("1", Tools.run("", Tools.in(host, "cat", "/proc/sys/net/ipv4/ip_forward")).strip());
        }

        @Override
        public void close() throws InterruptedException {
            closeQuietly(client);
            closeQuietly(container);
            host.close();
        }
    }

    @Test
    void publishedPortsAndMasqueradingCarryRealConnections() throws Exception {
        String machineForwarding = Files.readString(IP_FORWARD);
        try (Topology net = Topology.create();
                LineServer container = LineServer.start(net.container(), "container", SERVER_PORT);
                LineServer client = LineServer.start(net.client(), "client", 7000);
                NfTables nft = NfTables.openIn(net.host().fd())) {
            NftOwner me = NftOwner.current("traffic");
            // before any rule: the client sees the container's own address, the host's port is closed
            assertEquals("client saw 172.29.0.2", LineServer.ask(net.container(), "10.99.0.2", 7000));
            assertThrows(ConnectException.class, () -> LineServer.ask(net.client(), "10.99.0.1", HOST_PORT));

            List<NftRule.Handle> port = nft.addPublishedPort(me,
                    PublishedPort.of(PublishedPort.Protocol.TCP, HOST_PORT, "172.29.0.2", SERVER_PORT));
            // from another host to the host's address: DNAT in prerouting, the client's address kept
            assertEquals("container saw 10.99.0.2", LineServer.ask(net.client(), "10.99.0.1", HOST_PORT));
            // from the host itself to its bridge address and to its other address: DNAT in output
            assertEquals("container saw 172.29.0.1", LineServer.ask(net.host(), "172.29.0.1", HOST_PORT));
            assertEquals("container saw 10.99.0.1", LineServer.ask(net.host(), "10.99.0.1", HOST_PORT));
            // loopback is not translated (hako's user-space proxy serves it)
            assertThrows(ConnectException.class, () -> LineServer.ask(net.host(), "127.0.0.1", HOST_PORT));

            // a port published on one address answers there only
            List<NftRule.Handle> one = nft.addPublishedPort(me,
                    PublishedPort.on(PublishedPort.Protocol.TCP, "10.99.0.1", ONE_ADDRESS_PORT, "172.29.0.2", SERVER_PORT));
            assertEquals("container saw 10.99.0.2", LineServer.ask(net.client(), "10.99.0.1", ONE_ADDRESS_PORT));
            assertThrows(ConnectException.class, () -> LineServer.ask(net.host(), "172.29.0.1", ONE_ADDRESS_PORT));

            // masquerading: the container's connection out reaches the client from the host's address
            NftRule.Handle masq = nft.addMasquerade(me, Ipv4Prefix.parse("172.29.0.0/16"), "hkt-br0");
            assertEquals("client saw 10.99.0.1", LineServer.ask(net.container(), "10.99.0.2", 7000));
            // but not what goes to the bridge: the published port still shows the client's own address
            assertEquals("container saw 10.99.0.2", LineServer.ask(net.client(), "10.99.0.1", HOST_PORT));

            // the rules deleted, the traffic is as before them
            nft.deleteRules(port);
            nft.deleteRules(one);
            nft.deleteRule(masq);
            assertThrows(ConnectException.class, () -> LineServer.ask(net.client(), "10.99.0.1", HOST_PORT));
            assertEquals("client saw 172.29.0.2", LineServer.ask(net.container(), "10.99.0.2", 7000));
            assertEquals(List.of(), nft.listRules());
        }
        assertEquals(machineForwarding, Files.readString(IP_FORWARD), "the machine's own ip_forward is untouched");
    }
}
