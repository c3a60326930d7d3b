package dev.hako.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An OCI runtime config for runc and crun doing what a hako container with all namespaces
 * does: /bin/true as root on the same rootfs, with pid, network, ipc, uts, mount and cgroup
 * namespaces, /proc, /dev (tmpfs, pts, shm, mqueue) and a read-only /sys. No resource
 * section: crun would load an eBPF device filter for it, which needs an RLIMIT_MEMLOCK
 * these machines cannot raise, and hako sets no device rules either.
 */
final class OciBundle {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OciBundle() {
    }

    static String configJson() {
        ObjectNode c = JSON.createObjectNode();
        c.put("ociVersion", "1.0.2");
        ObjectNode process = c.putObject("process");
        process.put("terminal", false);
        process.putObject("user").put("uid", 0).put("gid", 0);
        process.putArray("args").add("/bin/true");
        process.putArray("env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        process.put("cwd", "/");
        c.putObject("root").put("path", "rootfs").put("readonly", false);
        c.put("hostname", "bench");
        ArrayNode mounts = c.putArray("mounts");
        mount(mounts, "/proc", "proc", "proc", "nosuid", "noexec", "nodev");
        mount(mounts, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
        mount(mounts, "/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
        mount(mounts, "/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k");
        mount(mounts, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
        mount(mounts, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro");
        ObjectNode linux = c.putObject("linux");
        ArrayNode ns = linux.putArray("namespaces");
        for (String type : new String[] {"pid", "network", "ipc", "uts", "mount", "cgroup"}) {
            ns.addObject().put("type", type);
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(c);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void mount(ArrayNode mounts, String destination, String type, String source, String... options) {
        ObjectNode m = mounts.addObject();
        m.put("destination", destination);
        m.put("type", type);
        m.put("source", source);
        ArrayNode o = m.putArray("options");
        for (String option : options) {
            o.add(option);
        }
    }
}
