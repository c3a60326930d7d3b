package dev.hako.oci;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where in config.json an option refused by {@code Container.Builder.build()} came from:
 * the builder names its options (its messages start with or mention them), and each came
 * from one JSON path in {@link SpecMapping}.
 */
final class BuildErrors {
    /** The builder's words, as its messages start, and the path each came from; first match wins. */
    private static final Map<String, String> PATHS = paths();

    private BuildErrors() {
    }

    static String pathOf(String message) {
        String text = message == null ? "" : message;
        for (Map.Entry<String, String> e : PATHS.entrySet()) {
            if (text.startsWith(e.getKey())) {
                return e.getValue();
            }
        }
        return "config.json";
    }

    private static Map<String, String> paths() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("memoryLimit", "linux.resources.memory.limit");
        m.put("memorySwapLimit", "linux.resources.memory.swap");
        m.put("memoryReservation", "linux.resources.memory.reservation");
        m.put("cpus", "linux.resources.cpu.quota");
        m.put("cpuPeriod", "linux.resources.cpu.period");
        m.put("cpuShares", "linux.resources.cpu.shares");
        m.put("cpusetCpus", "linux.resources.cpu.cpus");
        m.put("cpusetMems", "linux.resources.cpu.mems");
        m.put("pidsLimit", "linux.resources.pids.limit");
        m.put("ioWeight", "linux.resources.blockIO.weight");
        m.put("hostname", "hostname");
        m.put("working directory", "process.cwd");
        m.put("command", "process.args");
        m.put("no command", "process.args");
        m.put("user", "process.user");
        m.put("group", "process.user");
        m.put("capAdd", "process.capabilities.bounding");
        m.put("rlimit", "process.rlimits");
        m.put("seccomp", "linux.seccomp");
        m.put("device", "linux.devices");
        m.put("uidMap", "linux.uidMappings");
        m.put("gidMap", "linux.gidMappings");
        m.put("namespaces", "linux.namespaces");
        m.put("mount", "mounts");
        m.put("terminal", "process.terminal");
        m.put("environment", "process.env");
        return m;
    }
}
