package dev.hako.cgroup;

import dev.hako.Container;
import dev.hako.ContainerProcess;
import dev.hako.cli.MinimalRootfs;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs as a plain user in a delegated cgroup ({@link RootlessCgroupsIT}): once told to go
 * on stdin (the test has moved this JVM into the delegated tree by then), starts a container
 * through the public API and prints {@code key=value} lines: the container's cgroup as its
 * process sees it and as the host does, its stats, a pause and a resume, and killAll.
 */
public final class DelegatedContainerProbe {
    private DelegatedContainerProbe() {
    }

    public static void main(String[] args) throws Exception {
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        Path dir = Files.createTempDirectory("hako-delegated-");
        try {
            Path rootfs = MinimalRootfs.build(dir.resolve("rootfs"));
            try (Container c = Container.builder().rootfs(rootfs)
                    .command("/bin/sh", "-c", "sleep 60 & sleep 60 & grep ^0:: /proc/self/cgroup; echo started; wait").build()) {
                ContainerProcess p = c.start();
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                put("inside", out.readLine());
                out.readLine();
                String host = Files.readString(Path.of("/proc", Long.toString(p.pid()), "cgroup")).lines()
                        .filter(l -> l.startsWith("0::")).findFirst().orElseThrow();
                put("hostCgroup", host);
                Path cgroup = Path.of(CgroupLayout.detect().unifiedMount().orElseThrow() + host.substring(3));
                put("stats", c.stats().toString()); // what the delegated controllers can tell
                c.pause();
                put("paused", events(cgroup));
                c.resume();
                put("resumed", events(cgroup));
                c.killAll();
                put("status", p.awaitStatus().toString());
            }
        } finally {
            MinimalRootfs.delete(dir);
        }
        System.exit(0);
    }

    /** The frozen line of the cgroup's cgroup.events, as the kernel reports it. */
    private static String events(Path cgroup) throws java.io.IOException {
        return Files.readString(cgroup.resolve("cgroup.events")).lines().filter(l -> l.startsWith("frozen "))
                .findFirst().orElse("no frozen line");
    }

    private static void put(String key, String value) {
        System.out.println(key + "=" + value);
        System.out.flush();
    }
}
