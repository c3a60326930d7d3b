package dev.hako.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hako.cgroup.CgroupLimits;

import java.io.IOException;

/**
 * {@code runc update}'s resources ({@code linux.resources} of the spec, as JSON) as the
 * limits they set: memory limit, reservation and swap; cpu shares, quota and period, cpus
 * and mems; pids; block I/O weight. A value that is not a number, or out of the kernel's
 * range, fails naming its JSON path; the rest of the spec's resources are refused, not
 * silently dropped.
 */
final class ResourceUpdate {
    private ResourceUpdate() {
    }

    static CgroupLimits parse(String json) throws IOException {
        JsonNode r;
        try {
            r = StateDirectory.JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new OciException("update: the resources are not valid JSON: " + e.getOriginalMessage());
        }
        if (r == null || !r.isObject()) {
            throw new OciException("update: the resources must be a JSON object (linux.resources of the spec)");
        }
        CgroupLimits.Builder b = CgroupLimits.builder();
        JsonNode memory = r.path("memory");
        long limit = number(memory, "limit", "memory.limit");
        if (limit > 0) {
            b.memoryLimit(limit);
        }
        long reservation = number(memory, "reservation", "memory.reservation");
        if (reservation > 0) {
            b.memoryReservation(reservation);
        }
        long swap = number(memory, "swap", "memory.swap");
        if (swap != 0) {
            b.memorySwap(swap);
        }
        JsonNode cpu = r.path("cpu");
        long shares = number(cpu, "shares", "cpu.shares");
        if (shares > 0) {
            b.cpuShares((int) Math.min(shares, Integer.MAX_VALUE));
        }
        long quota = number(cpu, "quota", "cpu.quota");
        long period = number(cpu, "period", "cpu.period");
        if (quota > 0) {
            b.cpuQuota(quota, period > 0 ? period : CgroupLimits.DEFAULT_CPU_PERIOD);
        }
        if (cpu.hasNonNull("cpus") && !cpu.get("cpus").asText().isEmpty()) {
            b.cpusetCpus(cpu.get("cpus").asText());
        }
        if (cpu.hasNonNull("mems") && !cpu.get("mems").asText().isEmpty()) {
            b.cpusetMems(cpu.get("mems").asText());
        }
        long pids = number(r.path("pids"), "limit", "pids.limit");
        if (pids > 0) {
            b.pidsLimit(pids);
        }
        long weight = number(r.path("blockIO"), "weight", "blockIO.weight");
        if (weight > 0) {
            b.ioWeight((int) weight);
        }
        CgroupLimits limits;
        try {
            limits = b.build();
            limits.validate();
        } catch (IllegalArgumentException e) {
            throw new OciException("update: " + e.getMessage(), e);
        }
        return limits;
    }

    /** The number at {@code field}, 0 when absent or null. */
    private static long number(JsonNode parent, String field, String path) throws OciException {
        JsonNode v = parent.get(field);
        if (v == null || v.isNull()) {
            return 0;
        }
        if (!v.isIntegralNumber()) {
            throw new OciException("update: " + path + ": " + v + " is not a whole number");
        }
        return v.asLong();
    }
}
