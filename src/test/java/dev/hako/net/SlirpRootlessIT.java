package dev.hako.net;

import dev.hako.testing.KernelTest;
import dev.hako.testing.TestUser;
import dev.hako.testing.UserTun;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both helpers as a plain user, the case they exist for: a child JVM runs as a throwaway
 * user ({@link TestUser}), makes a user namespace owning a network namespace ({@code unshare
 * --user --map-root-user --net}), attaches the helper, and talks TCP and UDP through the
 * published ports to servers inside ({@link SlirpProbe}).
 *
 * <p>Both helpers open {@code /dev/net/tun} as the user. Debian's udev makes it 0666; on a
 * machine without udev (this VM: 0600, root's) the child JVM runs in a mount namespace of
 * its own where a 0666 node of the same device is bound over it, so the host's /dev is
 * left as it is.
 */
@KernelTest
class SlirpRootlessIT {
    private static TestUser user;

    @BeforeAll
    static void makeUser() throws Exception {
        user = TestUser.create();
    }

    @AfterAll
    static void removeUser() throws Exception {
        if (user != null) {
            user.close();
        }
    }

    @ParameterizedTest
    @EnumSource(SlirpHelper.class)
    void aPlainUsersNamespaceGetsANetworkWithPublishedPorts(SlirpHelper helper) throws Exception {
        TestUser.Result r = runWithTun("rootless", helper.name());
        assertEquals(0, r.exitCode(), r.describe());
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : r.stdout().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                out.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        System.out.println(helper + " as " + user.name() + ": " + out);
        assertEquals(Long.toString(user.uid()), out.get("uid"), r.describe());
        assertNotEquals("0", out.get("uid"));
        assertEquals("10.0.2.100/24 UP", out.get("tap"), r.describe());
        assertEquals("10.0.2.2 dev tap0", out.get("gateway"), r.describe());
        assertEquals("true", out.get("hostPortNonZero"), r.describe());
        assertEquals("echo:ping", out.get("tcpReply"), r.describe());
        assertTrue(out.get("tcpServerSaw").startsWith("got:ping"), r.describe());
        assertTrue(out.get("udpServerSaw").startsWith("got:ping"), r.describe());
        assertEquals("true", out.get("helperExited"), r.describe());
        assertEquals("true", out.get("childrenAsBefore"), r.describe());
        assertEquals("true", out.get("directoriesAsBefore"), r.describe());
    }

    /** The probe as the test user, with a /dev/net/tun the user may open (see the class comment). */
    private static TestUser.Result runWithTun(String... args) throws Exception {
        try (UserTun tun = UserTun.wrap(user.javaCommand(SlirpProbe.class, List.of(args), Map.of()))) {
            return TestUser.waitFor(new ProcessBuilder(tun.command()).directory(user.home().toFile()).start(),
                    TestUser.DEFAULT_TIMEOUT);
        }
    }
}
