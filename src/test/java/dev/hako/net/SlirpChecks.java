package dev.hako.net;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** What the tests read back from the kernel and /proc about a user-mode network. */
final class SlirpChecks {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SlirpChecks() {
    }

    /** {@code ADDRESS/PREFIX UP|DOWN} of the tap device inside, from {@code ip -j -4 addr}. */
    static String tapAddress(SlirpTestNamespace ns) throws IOException, InterruptedException {
        JsonNode links = JSON.readTree(ns.run("ip", "-j", "-4", "addr", "show", "dev", SlirpCommand.INTERFACE));
        JsonNode link = links.get(0);
        JsonNode info = link.get("addr_info").get(0);
        boolean up = false;
        for (JsonNode flag : link.get("flags")) {
            up |= flag.asText().equals("UP");
        }
        return info.get("local").asText() + "/" + info.get("prefixlen").asInt() + (up ? " UP" : " DOWN");
    }

    /** The default route's gateway inside, from {@code ip -j route}, or "none". */
    static String defaultGateway(SlirpTestNamespace ns) throws IOException, InterruptedException {
        for (JsonNode route : JSON.readTree(ns.run("ip", "-j", "-4", "route", "show"))) {
            if (route.get("dst").asText().equals("default")) {
                return route.get("gateway").asText() + " dev " + route.get("dev").asText();
            }
        }
        return "none";
    }

    /** Whether {@code pid} has exited: gone, or a zombie that whoever inherited it has not reaped. */
    static boolean exited(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return true;
        }
    }

    /** Waits (generously, as a guard only) for {@code pid} to exit; whether it did. */
    static boolean awaitExit(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!exited(pid)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    /** The API socket directories ({@code hako-slirp-*}) there now. */
    static List<Path> privateDirectories() throws IOException {
        try (Stream<Path> s = Files.list(SlirpNetwork.privateDirectoryParent())) {
            return s.filter(p -> p.getFileName().toString().startsWith("hako-slirp-")).sorted().toList();
        }
    }

    /** This JVM's child processes, as pids. */
    static List<Long> children() {
        return ProcessHandle.current().children().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
                .filter(pid -> !exited(pid)).sorted().toList();
    }
}
