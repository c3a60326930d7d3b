package dev.hako;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What build() refuses of network(...), publish(...) and dns(...), before anything is made; no root needed. */
class NetworkRulesTest {
    @TempDir
    Path rootfs;

    private Container.Builder builder() {
        return Container.builder().rootfs(rootfs).command("true");
    }

    private static void refused(Container.Builder b, String... parts) {
        String m = assertThrows(IllegalArgumentException.class, b::build).getMessage();
        for (String p : parts) {
            assertTrue(m.contains(p), "'" + p + "' not in: " + m);
        }
    }

    @Test
    void publishingNeedsANetworkTheHostCanForwardTo() {
        refused(builder().network(Network.none()).publish("8080:80"), "publish(8080:80)", "Network.bridge()",
                "Network.none()");
        refused(builder().network(Network.host()).publish("8080:80"), "the container's ports are the host's");
    }

    @Test
    void badPortsAreNamed() {
        refused(builder().publish("99999:80"), "publish(\"99999:80\")", "99999");
        refused(builder().publish("80/sctp"), "sctp");
        refused(builder().publish("8080:80", "8080:81"), "both want host port 8080");
    }

    @Test
    void dnsServersAreAddressesAndNeedANetworkOfTheirOwn() {
        refused(builder().dns("dns.example"), "dns(dns.example)", "not an IP address");
        refused(builder().dns("1.2.3"), "not an IP address");
        refused(builder().network(Network.host()).dns("192.0.2.53"), "dns(...)", "Network.host()");
    }

    @Test
    void bridgeOptionsAreChecked() {
        refused(builder().network(Network.bridge().named("a/b")), "named(\"a/b\")");
        refused(builder().network(Network.bridge().named("this-name-is-too-long")), "this-name-is-too-long");
        refused(builder().network(Network.bridge().subnet("10.1.2.3/24")), "subnet(\"10.1.2.3/24\")");
        refused(builder().network(Network.bridge().subnet("10.0.0.0/31")), "10.0.0.0/31");
        refused(builder().network(Network.bridge().named("hkx0").outboundVia("hkx0")), "names the bridge itself");
        assertThrows(IllegalArgumentException.class, () -> Network.bridge().outboundVia());
    }

    @Test
    void anOwnNetworkNeedsTheNetworkNamespace() {
        Set<Namespace> noNet = Namespace.all();
        noNet.remove(Namespace.NETWORK);
        refused(builder().namespaces(noNet).network(Network.bridge()), "leaves out NETWORK");
    }
}
