package dev.hako.spec;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hako.linux.Kernel;
import dev.hako.seccomp.Action;
import dev.hako.seccomp.Arch;
import dev.hako.seccomp.Operator;
import dev.hako.security.Capabilities;

import java.util.List;

/**
 * The runtime-spec's {@code features} document for hako ({@code runc features}): which
 * versions, hooks, mount options, namespaces, capabilities, cgroup managers and seccomp
 * names a config.json may use. What it says follows what {@code dev.hako.oci.SpecMapping}
 * maps, so that an engine that asks is not told more than hako does.
 */
public final class Features {
    /** The oldest runtime-spec version read. */
    public static final String OCI_VERSION_MIN = "1.0.0";
    /** The newest runtime-spec version read (1.2.x, any patch level). */
    public static final String OCI_VERSION_MAX = "1.2.0";

    /** The hooks config.json may name. */
    public static final List<String> HOOKS = List.of("prestart", "createRuntime", "createContainer", "startContainer",
            "poststart", "poststop");

    /**
     * The mount options the mapping to a container understands. Data options that
     * mount(2) passes to the filesystem (tmpfs's {@code size=} and {@code mode=}, devpts's
     * {@code newinstance}, {@code ptmxmode=}, {@code gid=}) are read too, but left out here as
     * features.md asks for Linux.
     */
    public static final List<String> MOUNT_OPTIONS = List.of("bind", "rbind", "ro", "rw", "nosuid", "suid", "nodev",
            "dev", "noexec", "exec", "private", "rprivate", "slave", "rslave", "shared", "rshared", "relatime",
            "strictatime");

    /** The namespace types a container can be given. */
    public static final List<String> NAMESPACES = List.of("cgroup", "ipc", "mount", "network", "pid", "user", "uts");

    private Features() {
    }

    /** The features document, indented JSON. */
    public static String json() {
        ObjectNode root = SpecJson.MAPPER.createObjectNode();
        root.put("ociVersionMin", OCI_VERSION_MIN);
        root.put("ociVersionMax", OCI_VERSION_MAX);
        strings(root.putArray("hooks"), HOOKS);
        strings(root.putArray("mountOptions"), MOUNT_OPTIONS);
        ObjectNode linux = root.putObject("linux");
        strings(linux.putArray("namespaces"), NAMESPACES);
        ArrayNode caps = linux.putArray("capabilities");
        for (int cap = 0; cap <= Kernel.lastCapability(); cap++) {
            String name = Capabilities.name(cap);
            if (!name.equals("CAP_" + cap)) { // a number the headers have no name for is not offered
                caps.add(name);
            }
        }
        ObjectNode cgroup = linux.putObject("cgroup");
        cgroup.put("v1", true);
        cgroup.put("v2", true);
        cgroup.put("systemd", false);
        cgroup.put("systemdUser", false);
        cgroup.put("rdma", false);
        ObjectNode seccomp = linux.putObject("seccomp");
        seccomp.put("enabled", true);
        ArrayNode actions = seccomp.putArray("actions");
        for (Action a : Action.values()) {
            actions.add(a.ociName());
        }
        actions.add("SCMP_ACT_KILL");
        ArrayNode operators = seccomp.putArray("operators");
        for (Operator o : Operator.values()) {
            operators.add(o.ociName());
        }
        ArrayNode archs = seccomp.putArray("archs");
        for (Arch a : Arch.values()) {
            if (a.generated()) {
                archs.add(a.ociName());
            }
        }
        linux.putObject("apparmor").put("enabled", false);
        linux.putObject("selinux").put("enabled", false);
        linux.putObject("intelRdt").put("enabled", false);
        linux.putObject("mountExtensions").putObject("idmap").put("enabled", true); // a bind's maps: idmapped()
        root.putObject("annotations").put("dev.hako.version", version());
        return SpecJson.write(root);
    }

    /** hako's version: the module's, else the jar's, else "development" (classes run from a build tree). */
    static String version() {
        var descriptor = Features.class.getModule().getDescriptor();
        if (descriptor != null && descriptor.rawVersion().isPresent()) {
            return descriptor.rawVersion().get();
        }
        String jar = Features.class.getPackage().getImplementationVersion();
        return jar != null ? jar : "development";
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }
}
