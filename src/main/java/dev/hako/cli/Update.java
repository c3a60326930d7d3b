package dev.hako.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * runc's {@code update}: new resource limits for a running container, either a
 * {@code linux.resources} JSON document ({@code --resources FILE}, {@code -} for stdin) or
 * flags that this class turns into one. With {@code --resources} the other flags are
 * ignored, as in runc.
 */
final class Update {

    /** A resources document is a few hundred bytes; this bounds what a hostile file costs. */
    static final int RESOURCES_LIMIT = 1 << 20;

    private Update() {
    }

    static final List<Flag> FLAGS = List.of(
            Flag.string("resources", "path to the file containing the resources to update or '-' to read from the"
                    + " standard input", "r"),
            Flag.integer("blkio-weight", "specifies per cgroup weight, range is from 10 to 1000"),
            Flag.string("cpu-period", "CPU CFS period to be used for hardcapping (in usecs). 0 to use system default"),
            Flag.string("cpu-quota", "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period"),
            Flag.string("cpu-burst", "CPU CFS hardcap burst limit (in usecs). Allowed accumulated cpu time"),
            Flag.string("cpu-share", "CPU shares (relative weight vs. other containers)", "cpu-shares"),
            Flag.string("cpu-rt-period", "CPU realtime period to be used for hardcapping (in usecs)"),
            Flag.string("cpu-rt-runtime", "CPU realtime hardcap limit (in usecs)"),
            Flag.string("cpu-idle", "set cgroup SCHED_IDLE or not, 0: default behavior, 1: SCHED_IDLE"),
            Flag.string("cpuset-cpus", "CPU(s) to use"),
            Flag.string("cpuset-mems", "memory node(s) to use"),
            Flag.string("kernel-memory", "ignored, as in runc"),
            Flag.string("kernel-memory-tcp", "ignored, as in runc"),
            Flag.string("memory", "memory limit (in bytes, or with a unit: 512m, 1g)"),
            Flag.string("memory-reservation", "memory reservation or soft_limit (in bytes)"),
            Flag.string("memory-swap", "total memory usage (memory + swap); set '-1' to enable unlimited swap"),
            Flag.integer("pids-limit", "maximum number of pids allowed in the container"),
            Flag.string("l3-cache-schema", "refused: hako has no Intel RDT"),
            Flag.string("mem-bw-schema", "refused: hako has no Intel RDT"));

    static Command command() {
        return Command.of("update", "<container-id>", "update container resource constraints", 1, FLAGS, inv -> {
            inv.runtime().update(inv.id(), resourcesJson(inv));
            return 0;
        });
    }

    static String resourcesJson(Invocation inv) throws IOException, UsageException {
        ParsedArgs a = inv.args();
        String from = a.string("resources");
        if (from != null && !from.isEmpty()) {
            return readResources(from.equals("-") ? inv.io().in() : Files.newInputStream(inv.path("resources")), from);
        }
        if (a.isSet("l3-cache-schema")) {
            throw new UsageException("Intel RDT/CAT: l3 cache schema is not enabled");
        }
        if (a.isSet("mem-bw-schema")) {
            throw new UsageException("Intel RDT/MBA: memory bandwidth schema is not enabled");
        }
        if (a.isSet("kernel-memory") || a.isSet("kernel-memory-tcp")) {
            inv.log().warn("Kernel memory settings are ignored and will be removed");
        }
        Map<String, String> memory = new LinkedHashMap<>();
        for (String[] m : new String[][]{{"memory", "limit"}, {"memory-reservation", "reservation"},
                {"memory-swap", "swap"}}) {
            String v = a.string(m[0]);
            if (v != null && !v.isEmpty()) {
                memory.put(m[1], Long.toString(size(m[0], v)));
            }
        }
        if ("-1".equals(memory.get("limit")) && !memory.containsKey("swap")) {
            // runc's fix-up: no swap limit without a memory limit
            memory.put("swap", "0");
        }
        Map<String, String> cpu = new LinkedHashMap<>();
        unsigned(a, "cpu-share", "shares", cpu);
        signed(a, "cpu-quota", "quota", cpu);
        unsigned(a, "cpu-burst", "burst", cpu);
        unsigned(a, "cpu-period", "period", cpu);
        signed(a, "cpu-rt-runtime", "realtimeRuntime", cpu);
        unsigned(a, "cpu-rt-period", "realtimePeriod", cpu);
        for (String[] s : new String[][]{{"cpuset-cpus", "cpus"}, {"cpuset-mems", "mems"}}) {
            String v = a.string(s[0]);
            if (v != null && !v.isEmpty()) {
                cpu.put(s[1], Json.string(v));
            }
        }
        signed(a, "cpu-idle", "idle", cpu);
        if (cpu.containsKey("idle") && !cpu.containsKey("shares")) {
            cpu.put("shares", "0");
        }
        List<String> sections = new ArrayList<>();
        section(sections, "memory", memory);
        section(sections, "cpu", cpu);
        long weight = a.integer("blkio-weight", 0);
        if (weight != 0) {
            if (weight < 0 || weight > 65535) {
                throw new UsageException("invalid value for blkio-weight: " + weight);
            }
            sections.add("\"blockIO\":{\"weight\":" + weight + "}");
        }
        if (a.isSet("pids-limit")) {
            sections.add("\"pids\":{\"limit\":" + a.integer("pids-limit", 0) + "}");
        }
        return "{" + String.join(",", sections) + "}";
    }

    private static String readResources(InputStream in, String from) throws IOException {
        byte[] bytes;
        try (in) {
            bytes = in.readNBytes(RESOURCES_LIMIT + 1);
        }
        if (bytes.length > RESOURCES_LIMIT) {
            throw new BadResources("--resources " + from + ": larger than " + RESOURCES_LIMIT
                    + " bytes; a linux.resources document is a few hundred");
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        String problem = ResourcesDocument.problem(text);
        if (problem != null) {
            throw new BadResources("--resources " + from + ": " + problem);
        }
        return text;
    }

    /** A bad --resources document: an IOException, so the command fails with exit 1 and the message. */
    private static final class BadResources extends IOException {
        BadResources(String message) {
            super(message);
        }
    }

    private static long size(String flag, String v) throws UsageException {
        if (v.equals("-1")) {
            return -1;
        }
        try {
            return GoSyntax.ramInBytes(v);
        } catch (IllegalArgumentException e) {
            throw new UsageException("invalid value for " + flag + ": " + e.getMessage());
        }
    }

    private static void unsigned(ParsedArgs a, String flag, String key, Map<String, String> into)
            throws UsageException {
        String v = a.string(flag);
        if (v == null || v.isEmpty()) {
            return;
        }
        try {
            into.put(key, Long.toUnsignedString(Long.parseUnsignedLong(v)));
        } catch (NumberFormatException e) {
            throw new UsageException("invalid value for " + flag + ": strconv.ParseUint: parsing "
                    + GoSyntax.quote(v) + ": invalid syntax");
        }
    }

    private static void signed(ParsedArgs a, String flag, String key, Map<String, String> into)
            throws UsageException {
        String v = a.string(flag);
        if (v == null || v.isEmpty()) {
            return;
        }
        try {
            into.put(key, Long.toString(Long.parseLong(v)));
        } catch (NumberFormatException e) {
            throw new UsageException("invalid value for " + flag + ": strconv.ParseInt: parsing "
                    + GoSyntax.quote(v) + ": invalid syntax");
        }
    }

    private static void section(List<String> sections, String name, Map<String, String> fields) {
        if (fields.isEmpty()) {
            return;
        }
        List<String> parts = new ArrayList<>();
        fields.forEach((k, v) -> parts.add("\"" + k + "\":" + v));
        sections.add("\"" + name + "\":{" + String.join(",", parts) + "}");
    }
}
