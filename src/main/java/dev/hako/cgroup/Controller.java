package dev.hako.cgroup;

import java.util.Optional;

/**
 * The cgroup controllers hako uses, with their names on cgroup v1 and v2.
 *
 * <p>Three of them have no v2 controller of their own, because cgroup v2 moved what they do
 * into its core, present in every non-root cgroup: CPU time accounting ({@code cpu.stat}
 * {@code usage_usec}, v1's cpuacct) and freezing ({@code cgroup.freeze}, v1's freezer); a
 * third, devices, became a BPF program attached to the cgroup.
 */
public enum Controller {
    MEMORY("memory", "memory"),
    CPU("cpu", "cpu"),
    CPUACCT("cpuacct", null),
    CPUSET("cpuset", "cpuset"),
    PIDS("pids", "pids"),
    BLKIO("blkio", "io"),
    FREEZER("freezer", null),
    /**
     * Which devices may be opened or made. On v2 not a controller but a device program
     * attached to the cgroup, which every v2 cgroup can have: part of the core, like freezing.
     */
    DEVICES("devices", null);

    private final String v1Name;
    private final String v2Name;

    Controller(String v1Name, String v2Name) {
        this.v1Name = v1Name;
        this.v2Name = v2Name;
    }

    /** The name in /proc/cgroups and in a v1 hierarchy's mount options, like {@code blkio}. */
    public String v1Name() {
        return v1Name;
    }

    /**
     * The name in a v2 {@code cgroup.controllers}, like {@code io}; empty for the two that
     * are part of the v2 core.
     */
    public Optional<String> v2Name() {
        return Optional.ofNullable(v2Name);
    }

    /** Whether cgroup v2 does this in its core, with no controller to enable. */
    public boolean coreOnV2() {
        return v2Name == null;
    }
}
