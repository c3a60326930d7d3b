package dev.hako.cgroup;

import dev.hako.linux.StandardDevices;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Which devices a container's processes may open or create: every device not allowed here
 * is refused with EPERM, also to root. Applied as the same rules in one of two forms: on
 * the container's v2 directory as a {@link DeviceProgram} wherever a v2 hierarchy is
 * mounted (v2 and hybrid machines), else by cgroup v1's devices controller
 * ({@code devices.deny "a"}, then one {@code devices.allow} per rule).
 *
 * <p>Compiled once per configuration (the default list once per JVM); a start only
 * attaches the program, which {@link LoadedDevicePrograms} loads once.
 */
public final class DevicePolicy {
    /**
     * Docker's (runc's) default list: mknod of any character or block device (the node
     * itself is harmless while opening it is refused), and full access to null, zero,
     * full, random, urandom, tty, ptmx and the pty slaves /dev/pts/*.
     */
    public static final List<DeviceRule> DEFAULT_RULES = defaults();

    /** The policy of a container given no devices: compiled once, not at every build(). */
    private static final DevicePolicy DEFAULT = new DevicePolicy(DEFAULT_RULES);

    private final List<DeviceRule> rules;
    private final DeviceProgram program;

    private DevicePolicy(List<DeviceRule> rules) {
        this.rules = List.copyOf(new LinkedHashSet<>(rules));
        this.program = DeviceProgram.compile(this.rules);
    }

    /** Exactly {@code rules}, nothing else; duplicates count once. */
    public static DevicePolicy allowing(List<DeviceRule> rules) {
        return new DevicePolicy(rules);
    }

    /** {@link #DEFAULT_RULES} and then {@code extra}. */
    public static DevicePolicy defaultsAnd(List<DeviceRule> extra) {
        if (extra.isEmpty()) {
            return DEFAULT;
        }
        List<DeviceRule> all = new ArrayList<>(DEFAULT_RULES);
        all.addAll(extra);
        return new DevicePolicy(all);
    }

    private static List<DeviceRule> defaults() {
        List<DeviceRule> rules = new ArrayList<>();
        rules.add(DeviceRule.chars(DeviceRule.ANY, DeviceRule.ANY, "m"));
        rules.add(DeviceRule.block(DeviceRule.ANY, DeviceRule.ANY, "m"));
        for (StandardDevices.Node node : StandardDevices.NODES) {
            rules.add(DeviceRule.chars(node.major(), node.minor(), DeviceRule.ALL_ACCESS));
        }
        rules.add(DeviceRule.chars(StandardDevices.PTMX.major(), StandardDevices.PTMX.minor(), DeviceRule.ALL_ACCESS));
        rules.add(DeviceRule.chars(StandardDevices.PTY_SLAVE_MAJOR, DeviceRule.ANY, DeviceRule.ALL_ACCESS));
        return List.copyOf(rules);
    }

    /** The rules, in the order they are written and tested. */
    public List<DeviceRule> rules() {
        return rules;
    }

    /** The rules as a cgroup v2 device program. */
    public DeviceProgram program() {
        return program;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DevicePolicy p && rules.equals(p.rules);
    }

    @Override
    public int hashCode() {
        return rules.hashCode();
    }

    @Override
    public String toString() {
        return "device policy " + rules + " (" + program.count() + " eBPF instructions on cgroup v2)";
    }
}
