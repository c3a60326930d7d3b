package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerProcess;
import dev.hako.Namespace;
import dev.hako.Network;
import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Network.none(), host() and container(other) as the kernel shows them. */
@KernelTest
class NetworkModesIT {
    private static final String INTERFACES = "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort";

    @Test
    void noneIsANamespaceOfItsOwnWithOnlyLoopbackUp() throws Exception {
        String out = ok(builder().network(Network.none())
                .command("/bin/sh", "-c", "readlink /proc/self/ns/net; " + INTERFACES + "; ip -o link show lo").run());
        List<String> lines = out.lines().toList();
        assertNotEquals(hostNetNamespace(), lines.get(0));
        assertEquals("lo", lines.get(1), out);
        assertEquals(3, lines.size(), out);
        assertTrue(lines.get(2).contains("UP"), out);
    }

    @Test
    void hostSharesTheHostsNamespace() throws Exception {
        String out = ok(builder().network(Network.host())
                .command("/bin/sh", "-c", "readlink /proc/self/ns/net").run());
        assertEquals(hostNetNamespace(), out.strip());
    }

    @Test
    void containerJoinsTheOthersNamespaceAndReachesItsServerOnLoopback() throws Exception {
        try (Container a = builder().hostname("server-a")
                .command("httpd", "-f", "-p", "127.0.0.1:8080", "-h", "/etc").build()) {
            ContainerProcess server = a.start();
            String aNamespace = Files.readSymbolicLink(Path.of("/proc/" + server.pid() + "/ns/net")).toString();
            String script = "readlink /proc/self/ns/net; for i in $(seq 1 100); do"
                    + " wget -q -O - http://127.0.0.1:8080/hostname && exit 0; sleep 0.05; done; exit 1";
            String out = ok(builder().network(Network.container(a)).command("/bin/sh", "-c", script).run());
            assertEquals(List.of(aNamespace, "server-a"), out.lines().toList(),
                    "b is in a's network namespace and reaches a's server on 127.0.0.1");
            assertTrue(server.isAlive());
        }
    }

    @Test
    void joiningAContainerThatIsNotRunningIsRefusedClearly() throws Exception {
        try (Container a = builder().command("true").build()) {
            Container.Builder b = builder().network(Network.container(a)).command("true");
            try (Container notYet = b.build()) {
                String m = assertThrows(IllegalStateException.class, notYet::start).getMessage();
                assertTrue(m.contains("was not started") && m.contains(a.id()), m);
            }
            ContainerProcess p = a.start();
            p.waitFor();
            try (Container exited = b.build()) {
                String m = assertThrows(IllegalStateException.class, exited::start).getMessage();
                assertTrue(m.contains("has exited"), m);
            }
        }
    }

    @Test
    void anOwnNetworkWithoutTheNetworkNamespaceIsAContradiction() {
        Set<Namespace> noNet = Namespace.all();
        noNet.remove(Namespace.NETWORK);
        String m = assertThrows(IllegalArgumentException.class,
                () -> builder().namespaces(noNet).network(Network.none()).command("true").build()).getMessage();
        assertTrue(m.contains("leaves out NETWORK"), m);
    }

    private static String hostNetNamespace() throws Exception {
        return Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
    }
}
