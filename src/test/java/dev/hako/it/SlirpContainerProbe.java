package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerProcess;
import dev.hako.cli.MinimalRootfs;
import dev.hako.linux.Kernel;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs in a child JVM as an unprivileged user ({@link RootlessNetworkIT}): a container that
 * publishes port 80 (so, without root, on Network.slirp() by default) serves its /etc;
 * prints {@code key=value} lines, keeps it running until a line arrives on stdin, then
 * closes it.
 */
public final class SlirpContainerProbe {
    private SlirpContainerProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("hako-slirp-probe-");
        try {
            Path rootfs = MinimalRootfs.build(dir.resolve("rootfs"));
            System.out.println("rootless=" + Kernel.rootless());
            try (Container c = Container.builder().rootfs(rootfs).hostname("slirp-web").publish("0:80")
                    .command("httpd", "-f", "-p", "80", "-h", "/etc").build()) {
                ContainerProcess p = c.start();
                System.out.println("port=" + p.hostPort(80));
                System.out.println("address=" + p.ipAddress().map(a -> a.getHostAddress()).orElse("none"));
                ContainerProcess exec = c.exec("/bin/sh", "-c", "ip -o -4 addr show tap0; cat /etc/resolv.conf");
                System.out.println("inside=" + new String(exec.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                        .replace("\n", "|"));
                exec.waitFor();
                System.out.flush();
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            }
            System.out.println("closed=true");
        } finally {
            MinimalRootfs.delete(dir);
        }
        System.exit(0);
    }
}
