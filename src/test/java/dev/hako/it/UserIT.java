package dev.hako.it;

import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.Test;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The user a container's command runs as, resolved in the container's own /etc/passwd. */
@KernelTest
class UserIT {
    @Test
    void runsAsRootByDefault() throws Exception {
        assertEquals("0 0 /root\n", ok(builder().command("/bin/sh", "-c", "echo $(id -u) $(id -g) $HOME").run()));
    }

    @Test
    void runsAsANamedUserWithItsHome() throws Exception {
        assertEquals("65534 65534 /nonexistent\n",
                ok(builder().user("nobody").command("/bin/sh", "-c", "echo $(id -u) $(id -g) $HOME").run()));
    }

    @Test
    void runsAsNumericIdsAndCannotRegainRoot() throws Exception {
        String out = ok(builder().user("1234:5678").command("/bin/sh", "-c",
                "echo $(id -u) $(id -g) $(id -G); touch /root/x 2>/dev/null || echo denied").run());
        assertEquals("1234 5678 5678\ndenied\n", out);
    }

    @Test
    void anUnknownNameIsRefusedAtBuild() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder().user("nosuchuser").command("/bin/true").build());
        assertTrue(e.getMessage().contains("nosuchuser") && e.getMessage().contains("/etc/passwd"), e.getMessage());
    }
}
