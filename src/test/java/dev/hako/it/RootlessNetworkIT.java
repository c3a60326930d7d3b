package dev.hako.it;

import dev.hako.testing.HostnameFetch;
import dev.hako.testing.KernelTest;
import dev.hako.testing.TestUser;
import dev.hako.testing.UserTun;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A plain user's container with a published port, on user-mode networking (slirp4netns,
 * started and stopped by hako), answers this JVM's HTTP request on 127.0.0.1; its helper is
 * gone after close.
 */
@KernelTest
class RootlessNetworkIT {

    @Test
    void aRootlessContainerPublishesAPortThroughSlirp() throws Exception {
        try (TestUser user = TestUser.create();
             UserTun tun = UserTun.wrap(user.javaCommand(SlirpContainerProbe.class, java.util.List.of(), Map.of()))) {
            Process probe = new ProcessBuilder(tun.command()).directory(user.home().toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(probe.getInputStream(), StandardCharsets.UTF_8));
            Map<String, String> facts = new LinkedHashMap<>();
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("inside=")) {
                String[] kv = line.split("=", 2);
                facts.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
            assertTrue(line != null, "the probe ended early: " + facts);
            facts.put("inside", line.substring("inside=".length()));
            assertEquals("true", facts.get("rootless"), facts.toString());
            assertEquals("10.0.2.100", facts.get("address"), facts.toString());
            assertTrue(facts.get("inside").contains("inet 10.0.2.100/24"), facts.toString());
            assertTrue(facts.get("inside").contains("nameserver 10.0.2.3"), facts.toString());
            int port = Integer.parseInt(facts.get("port"));
            assertEquals("slirp-web", HostnameFetch.fromLoopback(port), "the container answers on the published port");

            OutputStream in = probe.getOutputStream();
            in.write('\n');
            in.flush();
            assertEquals("closed=true", out.readLine());
            assertTrue(probe.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, probe.exitValue());
            Process left = new ProcessBuilder("pgrep", "-u", Long.toString(user.uid()), "slirp4netns").start();
            assertEquals(1, left.waitFor(), "no slirp4netns of the user is left");
        }
    }
}
