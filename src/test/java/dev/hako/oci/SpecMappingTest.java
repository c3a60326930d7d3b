package dev.hako.oci;

import dev.hako.Container;
import dev.hako.Mount;
import dev.hako.Namespace;
import dev.hako.linux.Kernel;
import dev.hako.seccomp.Profile;
import dev.hako.spec.Features;
import dev.hako.spec.Linux;
import dev.hako.spec.MountSpec;
import dev.hako.spec.Process;
import dev.hako.spec.Spec;
import dev.hako.spec.SpecException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * config.json to a builder: what the built container's configuration says (read back
 * through {@link Container#toOciSpec()}), and the warnings for what was accepted but not
 * applied. Nothing is started: no root needed.
 */
class SpecMappingTest {
    @TempDir
    Path bundle;

    @BeforeEach
    void rootfs() throws Exception {
        Files.createDirectories(bundle.resolve("rootfs"));
    }

    private static Spec parse(String json) {
        return Spec.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    /** A spec with the standard mounts, mount and pid namespaces, and {@code extra} members. */
    private static String config(String processExtra, String linuxExtra, String topExtra) {
        return """
                {"ociVersion": "1.2.0", "root": {"path": "rootfs"},
                 "process": {"args": ["/bin/true"], "cwd": "/", "env": ["PATH=/bin", "HOME=/root", "HOSTNAME=box"]%s},
                 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
                            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]},
                            {"destination": "/dev/pts", "type": "devpts", "source": "devpts"},
                            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue"},
                            {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["ro"]},
                            {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup"}%s],
                 "linux": {"namespaces": [{"type": "mount"}, {"type": "pid"}, {"type": "uts"}]%s}%s}
                """.formatted(processExtra, "", linuxExtra, topExtra);
    }

    private static String withMounts(String mounts) {
        return """
                {"ociVersion": "1.2.0", "root": {"path": "rootfs"},
                 "process": {"args": ["/bin/true"], "cwd": "/", "env": ["PATH=/bin", "HOME=/root", "HOSTNAME=box"]},
                 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
                            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs"},
                            {"destination": "/dev/pts", "type": "devpts", "source": "devpts"},
                            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue"},
                            {"destination": "/sys", "type": "sysfs", "source": "sysfs"},
                            {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup"}, %s],
                 "linux": {"namespaces": [{"type": "mount"}, {"type": "pid"}]}}
                """.formatted(mounts);
    }

    private SpecMapping.Mapped map(String json) {
        return SpecMapping.toBuilder(parse(json), bundle);
    }

    private Spec builtBack(SpecMapping.Mapped mapped) {
        try (Container c = mapped.build("box")) {
            return c.toOciSpec();
        }
    }

    private static List<String> types(Spec spec) {
        return spec.linux().namespaces().stream().map(Linux.Namespace::type).sorted().toList();
    }

    @Test
    void runcDefaultSpec() {
        Spec example = Spec.example(false);
        SpecMapping.Mapped mapped = SpecMapping.toBuilder(example, bundle);
        Spec back = builtBack(mapped);
        Process p = back.process();
        assertEquals(List.of("sh"), p.args());
        assertEquals("/", p.cwd());
        assertEquals(true, p.terminal());
        assertTrue(p.env().containsAll(List.of("TERM=xterm",
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")), p.env().toString());
        assertEquals(Set.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"), Set.copyOf(p.capabilities().bounding()));
        assertEquals(List.of(new Process.Rlimit("RLIMIT_NOFILE", 1024L, 1024L)), p.rlimits());
        assertEquals(true, p.noNewPrivileges());
        assertEquals(bundle.resolve("rootfs").toString(), back.root().path());
        assertEquals(true, back.root().readonly());
        assertEquals("hako", back.hostname());
        assertEquals(example.linux().maskedPaths(), back.linux().maskedPaths());
        assertEquals(example.linux().readonlyPaths(), back.linux().readonlyPaths());
        List<String> expected = new java.util.ArrayList<>(List.of("cgroup", "ipc", "mount", "network", "pid", "uts"));
        if (Kernel.rootless()) {
            expected.add("user"); // a JVM without root always gives a container a user namespace
            expected.sort(null);
        }
        assertEquals(expected, types(back));
        Map<String, String> annotations = back.annotations() == null ? Map.of() : back.annotations();
        assertFalse(annotations.containsKey("dev.hako.seccomp"), "no linux.seccomp: unconfined");
        assertFalse(annotations.containsKey("dev.hako.etcFiles"), "an OCI runtime writes no /etc files");
        assertEquals(List.of("process.capabilities.ambient: CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE not in both"
                + " the inheritable and permitted sets, which the kernel requires: left out of the ambient set, as runc"
                + " does"), mapped.warnings());
    }

    @Test
    void podmanSpec() throws Exception {
        Path userdata = Files.createDirectories(bundle.resolve("userdata"));
        for (String f : List.of("hostname", "resolv.conf", "hosts", ".containerenv")) {
            Files.writeString(userdata.resolve(f), "x\n");
        }
        Files.createDirectories(userdata.resolve("shm"));
        String json = """
                {"ociVersion": "1.2.0",
                 "process": {"terminal": true, "consoleSize": {"height": 50, "width": 200},
                   "user": {"uid": 0, "gid": 0, "umask": 18, "additionalGids": [0, 10]},
                   "args": ["sh"], "env": ["PATH=/usr/bin:/bin", "TERM=xterm", "container=podman", "HOSTNAME=4f1c", "HOME=/root"],
                   "cwd": "/",
                   "capabilities": {"bounding": ["CAP_CHOWN", "CAP_KILL"], "effective": ["CAP_CHOWN", "CAP_KILL"],
                                    "permitted": ["CAP_CHOWN", "CAP_KILL"]},
                   "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 4096, "soft": 1024}],
                   "oomScoreAdj": 0},
                 "root": {"path": "rootfs"},
                 "hostname": "4f1c",
                 "mounts": [
                   {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
                   {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
                   {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
                   {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
                   {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
                   {"destination": "/etc/hostname", "type": "bind", "source": "userdata/hostname", "options": ["bind", "rprivate"]},
                   {"destination": "/etc/resolv.conf", "type": "bind", "source": "userdata/resolv.conf", "options": ["bind", "rprivate"]},
                   {"destination": "/etc/hosts", "type": "bind", "source": "userdata/hosts", "options": ["bind", "rprivate"]},
                   {"destination": "/dev/shm", "type": "bind", "source": "userdata/shm", "options": ["bind", "rprivate", "nosuid", "noexec", "nodev"]},
                   {"destination": "/run/.containerenv", "type": "bind", "source": "userdata/.containerenv", "options": ["bind", "rprivate"]},
                   {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["rprivate", "nosuid", "noexec", "nodev", "relatime", "ro"]}],
                 "annotations": {"io.container.manager": "libpod"},
                 "linux": {
                   "sysctl": {"net.ipv4.ping_group_range": "0 0"},
                   "resources": {"pids": {"limit": 2048}, "memory": {"limit": 134217728, "swap": 268435456}},
                   "cgroupsPath": "machine.slice:libpod:4f1c",
                   "namespaces": [{"type": "pid"}, {"type": "network", "path": "/run/netns/netns-5b9e"}, {"type": "ipc"},
                                  {"type": "uts"}, {"type": "mount"}, {"type": "cgroup"}],
                   "seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"],
                               "syscalls": [{"names": ["read", "write", "exit_group", "execve"], "action": "SCMP_ACT_ALLOW"}]},
                   "maskedPaths": ["/proc/kcore", "/sys/firmware"],
                   "readonlyPaths": ["/proc/sys"],
                   "mountLabel": "system_u:object_r:container_file_t:s0:c1,c2"}}
                """;
        SpecMapping.Mapped mapped = map(json);
        assertEquals(List.of("linux.mountLabel: not supported, ignored"), mapped.warnings());
        Spec back = builtBack(mapped);
        assertEquals(new Process.ConsoleSize(50L, 200L), back.process().consoleSize());
        assertTrue(back.process().env().contains("container=podman"));
        assertEquals(List.of(new Process.Rlimit("RLIMIT_NOFILE", 4096L, 1024L)), back.process().rlimits());
        assertEquals(false, back.process().noNewPrivileges(), "absent noNewPrivileges is false");
        List<MountSpec> binds = back.mounts().stream().filter(m -> "bind".equals(m.type())).toList();
        assertEquals(List.of("/etc/hostname", "/etc/resolv.conf", "/etc/hosts", "/dev/shm", "/run/.containerenv"),
                binds.stream().map(MountSpec::destination).toList());
        assertEquals(userdata.resolve("hostname").toString(), binds.getFirst().source());
        assertEquals(List.of("bind", "rw", "private"), binds.getFirst().options());
        assertEquals(List.of("bind", "rw", "private", "nosuid", "nodev", "noexec"), binds.get(3).options());
        assertEquals(134217728L, back.linux().resources().memory().limit());
        assertEquals(268435456L, back.linux().resources().memory().swap());
        assertEquals(2048L, back.linux().resources().pids().limit());
        assertEquals(List.of("/proc/kcore", "/sys/firmware"), back.linux().maskedPaths());
        assertTrue(back.annotations().get("dev.hako.seccomp").startsWith("seccomp filter for "),
                back.annotations().toString());
        assertEquals("4f1c", back.hostname());
        assertTrue(types(back).contains("network"));
    }

    @Test
    void containerdSpec() {
        SpecMapping.Mapped mapped = map("""
                {"ociVersion": "1.1.0", "root": {"path": "rootfs"},
                 "process": {"user": {"uid": 0, "gid": 0}, "args": ["/bin/sh", "-c", "echo hi"],
                   "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "cwd": "/",
                   "capabilities": {"bounding": ["CAP_CHOWN", "CAP_NET_RAW", "CAP_KILL"],
                                    "effective": ["CAP_CHOWN", "CAP_NET_RAW", "CAP_KILL"],
                                    "permitted": ["CAP_CHOWN", "CAP_NET_RAW", "CAP_KILL"]},
                   "noNewPrivileges": true},
                 "mounts": [
                   {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
                   {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
                   {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
                   {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
                   {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
                   {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
                   {"destination": "/run", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
                   {"destination": "/etc/resolv.conf", "type": "bind", "source": "/etc/resolv.conf", "options": ["rbind", "ro"]}],
                 "linux": {"resources": {"devices": [{"allow": false, "access": "rwm"}], "cpu": {"quota": 50000, "period": 100000,
                             "shares": 512}, "blockIO": {"weight": 300}},
                           "cgroupsPath": "/default/box",
                           "namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}],
                           "maskedPaths": ["/proc/kcore"], "readonlyPaths": ["/proc/sys"]}}
                """);
        assertEquals(List.of(
                "mounts: has no /sys/fs/cgroup; hako mounts them anyway"), mapped.warnings());
        Spec back = builtBack(mapped);
        assertEquals(List.of("/bin/sh", "-c", "echo hi"), back.process().args());
        MountSpec run = back.mounts().stream().filter(m -> m.destination().equals("/run")).findFirst().orElseThrow();
        assertEquals(new MountSpec("/run", "tmpfs", "tmpfs", List.of("nosuid", "nodev", "rw", "mode=755", "size=67108864")), run);
        MountSpec resolv = back.mounts().stream().filter(m -> m.destination().equals("/etc/resolv.conf")).findFirst().orElseThrow();
        assertEquals(List.of("rbind", "ro", "rprivate"), resolv.options());
        assertEquals(50000L, back.linux().resources().cpu().quota());
        assertEquals(100000L, back.linux().resources().cpu().period());
        assertEquals(512L, back.linux().resources().cpu().shares());
        assertEquals(300, back.linux().resources().blockIO().weight());
        assertFalse(types(back).contains("network"), "no network namespace: the host's");
        assertEquals("box", back.linux().cgroupsPath().substring(back.linux().cgroupsPath().lastIndexOf('/') + 1));
    }

    @Test
    void absentCapabilitiesAreNone() {
        Spec back = builtBack(map(config("", "", "")));
        assertEquals(List.of(), back.process().capabilities().bounding());
        assertEquals(List.of(), back.process().capabilities().effective());
    }

    @Test
    void aUserGetsTheBoundingSetInEverySet() {
        SpecMapping.Mapped mapped = map(config(", \"user\": {\"uid\": 1000, \"gid\": 1000}, \"capabilities\": {"
                + "\"bounding\": [\"CAP_NET_BIND_SERVICE\"], \"effective\": [\"CAP_NET_BIND_SERVICE\"],"
                + " \"permitted\": [\"CAP_NET_BIND_SERVICE\"], \"inheritable\": [\"CAP_NET_BIND_SERVICE\"],"
                + " \"ambient\": [\"CAP_NET_BIND_SERVICE\"]}", ",\"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000,"
                + " \"size\": 65536}], \"gidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]", "")
                .replace("{\"type\": \"uts\"}]", "{\"type\": \"uts\"}, {\"type\": \"user\"}]"));
        assertEquals(List.of(), mapped.warnings());
        Spec back = builtBack(mapped);
        assertEquals(1000L, back.process().user().uid());
        assertEquals(1000L, back.process().user().gid());
        assertEquals(List.of("CAP_NET_BIND_SERVICE"), back.process().capabilities().ambient());
        assertEquals(List.of(new dev.hako.spec.IdMap(0L, 100000L, 65536L)), back.linux().uidMappings());
    }

    @Test
    void hostDevicesPassThroughWithTheAccessTheRulesGive() {
        // /dev/kmsg (c 1:11) is on every Linux host; its rule allows read and write, not mknod.
        SpecMapping.Mapped mapped = map(config("", ", \"devices\": [{\"type\": \"c\", \"path\": \"/dev/kmsg\", \"major\": 1,"
                + " \"minor\": 11}, {\"type\": \"c\", \"path\": \"/dev/null\", \"major\": 1, \"minor\": 3}],"
                + " \"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
                + " {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 11, \"access\": \"rw\"},"
                + " {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"rwm\"},"
                + " {\"allow\": true, \"type\": \"b\", \"major\": 8, \"minor\": 0, \"access\": \"r\"}]}", ""));
        assertEquals(List.of("linux.resources.devices[3]: not applied: hako's device policy allows the standard devices and"
                + " those of linux.devices, nothing else"), mapped.warnings());
        Spec back = builtBack(mapped);
        assertEquals(List.of("/dev/kmsg"), back.linux().devices().stream().map(Linux.Device::path).toList(),
                "/dev/null is every container's already");
        Linux.Device kmsg = back.linux().devices().getFirst();
        assertEquals(List.of("c", "1", "11"), List.of(kmsg.type(), kmsg.major().toString(), kmsg.minor().toString()));
        if (!Kernel.rootless()) { // without root there is no cgroup, so no device policy: the node's own permissions
            assertTrue(back.linux().resources().devices().contains(
                    new dev.hako.spec.Resources.DeviceRule(true, "c", 1L, 11L, "rw")), back.linux().resources().devices().toString());
        }
    }

    @Test
    void bindOptions() throws Exception {
        Path data = Files.createDirectories(bundle.resolve("data"));
        SpecMapping.Mapped mapped = map(withMounts("""
                {"destination": "/a", "type": "bind", "source": "data", "options": ["rbind", "ro", "nosuid", "nodev", "noexec", "rslave"]},
                {"destination": "/b", "type": "none", "source": "%s", "options": ["bind", "rw", "noexec", "exec", "rshared", "noatime"]}
                """.formatted(data)));
        assertEquals(List.of("mounts[7].options[5]: \"noatime\" is not supported on a bind, ignored"), mapped.warnings());
        Spec back = builtBack(mapped);
        List<MountSpec> binds = back.mounts().stream().filter(m -> "bind".equals(m.type())).toList();
        assertEquals(new MountSpec("/a", "bind", data.toString(), List.of("rbind", "ro", "rslave", "nosuid", "nodev", "noexec")),
                binds.get(0));
        assertEquals(new MountSpec("/b", "bind", data.toString(), List.of("bind", "rw", "shared")), binds.get(1));
    }

    @Test
    void idmappedBindsMapThroughTheContainersNamespace() throws Exception {
        Files.createDirectories(bundle.resolve("data"));
        String maps = "[{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]";
        String other = "[{\"containerID\": 0, \"hostID\": 200000, \"size\": 65536}]";
        String userns = "\"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"user\"}], \"uidMappings\": " + maps
                + ", \"gidMappings\": " + maps + "}}";
        String same = withMounts("{\"destination\": \"/a\", \"type\": \"bind\", \"source\": \"data\", \"uidMappings\": " + maps
                + ", \"gidMappings\": " + maps + "}").replaceFirst("\"linux\": \\{.*}}\\s*$", userns);
        assertEquals(List.of(), map(same).warnings());
        String crun = withMounts("{\"destination\": \"/a\", \"type\": \"bind\", \"source\": \"data\", \"options\": [\"idmap\"]}")
                .replaceFirst("\"linux\": \\{.*}}\\s*$", userns);
        assertEquals(List.of(), map(crun).warnings());
        String differing = withMounts("{\"destination\": \"/a\", \"type\": \"bind\", \"source\": \"data\", \"uidMappings\": "
                + other + "}").replaceFirst("\"linux\": \\{.*}}\\s*$", userns);
        assertEquals(List.of("mounts[6].uidMappings: differ from the container's; hako idmaps a bind through the"
                + " container's own user namespace"), map(differing).warnings());
    }

    @Test
    void everyAdvertisedMountOptionIsUnderstood() throws Exception {
        Files.createDirectories(bundle.resolve("data"));
        for (String option : Features.MOUNT_OPTIONS) {
            String bind = "{\"destination\": \"/a\", \"type\": \"bind\", \"source\": \"data\", \"options\": [\"" + option + "\"]}";
            String dev = "{\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"" + option + "\"]}";
            List<String> onBind = map(withMounts(bind)).warnings();
            List<String> onDev = map(withMounts(dev).replace(
                    "{\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"},", "")).warnings();
            assertTrue(onBind.isEmpty() || onDev.isEmpty(), option + ": " + onBind + " " + onDev);
        }
    }

    @Test
    void tmpfsOptions() {
        SpecMapping.Mapped mapped = map(withMounts("""
                {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m", "mode=700", "ro", "noexec", "size=50%"]}
                """));
        assertEquals(List.of(
                "mounts[6].options[3]: \"noexec\" is not supported on a tmpfs (hako's are nosuid and nodev), ignored",
                "mounts[6].options[4]: \"size=50%\" (a share of RAM) is not supported, ignored: give bytes, like size=64m"),
                mapped.warnings());
        MountSpec scratch = builtBack(mapped).mounts().stream().filter(m -> m.destination().equals("/scratch"))
                .findFirst().orElseThrow();
        assertEquals(List.of("nosuid", "nodev", "ro", "mode=700", "size=1048576"), scratch.options());
    }

    @Test
    void seccompProfileIsCompiled() {
        Spec back = builtBack(map(config("", ", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
                + "[{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ERRNO\"}]}", "")));
        assertTrue(back.annotations().get("dev.hako.seccomp").startsWith("seccomp filter for "));
    }

    @Test
    void acceptedButIgnoredFieldsAreWarnings() {
        SpecMapping.Mapped mapped = map(config(", \"apparmorProfile\": \"docker-default\", \"selinuxLabel\": \"x\"",
                ", \"intelRdt\": {\"closID\": \"g\"}, \"personality\": {\"domain\": \"LINUX\"}, \"rootfsPropagation\": \"shared\","
                        + " \"resources\": {\"memory\": {\"swappiness\": 10, \"kernel\": 5}, \"hugepageLimits\": [{\"pageSize\": \"2MB\","
                        + " \"limit\": 0}], \"unified\": {\"memory.high\": \"1\"}}",
                ", \"domainname\": \"example.com\""));
        assertEquals(List.of(
                "process.apparmorProfile: not supported, ignored",
                "process.selinuxLabel: not supported, ignored",
                "linux.resources.memory.kernel: not supported, ignored",
                "linux.resources.memory.swappiness: not supported, ignored",
                "linux.resources.hugepageLimits: not supported, ignored",
                "linux.resources.unified: not supported, ignored",
                "linux.rootfsPropagation: \"shared\" is not supported (hako's mount tree is a slave of the host's), ignored",
                "linux.intelRdt: not supported, ignored",
                "linux.personality: not supported, ignored"), mapped.warnings());
    }

    // --- errors ---

    private void assertMappingError(String expected, String json) {
        SpecException e = assertThrows(SpecException.class, () -> map(json));
        assertEquals(expected, e.getMessage());
    }

    @Test
    void valuesTheBuilderRefusesNameTheirPath() {
        assertMappingError("mounts[6].source: bind mount source " + bundle.resolve("missing") + " does not exist",
                withMounts("{\"destination\": \"/a\", \"type\": \"bind\", \"source\": \"missing\"}"));
        assertMappingError("mounts[6].type: \"nfs\" at /mnt is not supported (bind and tmpfs mounts, and the standard proc,"
                + " sysfs, devpts, mqueue and cgroup mounts at their places)",
                withMounts("{\"destination\": \"/mnt\", \"type\": \"nfs\", \"source\": \"server:/x\"}"));
        assertMappingError("mounts[6].options[0]: \"mode=abc\" is not an octal mode, like mode=1777",
                withMounts("{\"destination\": \"/t\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"mode=abc\"]}"));
        assertMappingError("linux.namespaces: has no mount namespace; hako gives every container one (pivot_root would"
                + " change the host's root): add {\"type\": \"mount\"}",
                config("", "", "").replace("{\"type\": \"mount\"}, ", ""));
        assertMappingError("linux.uidMappings: is missing; a user namespace needs its uid mappings",
                config("", "", "").replace("{\"type\": \"uts\"}]", "{\"type\": \"uts\"}, {\"type\": \"user\"}]"));
        assertMappingError("linux.uidMappings: given, but linux.namespaces has no user namespace to map: add {\"type\": \"user\"}",
                config("", ", \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]", ""));
        assertMappingError("linux.devices[0]: the host has no c 10:999 at /dev/hako-no-such-device; hako gives a container"
                        + " the host's device nodes, so the host must have this one at the same path",
                config("", ", \"devices\": [{\"type\": \"c\", \"path\": \"/dev/hako-no-such-device\", \"major\": 10, \"minor\": 999}]", ""));
        assertMappingError("process: is missing (a container needs the command it runs)",
                "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"}, \"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}}");
        assertMappingError("root.path: rootfs " + bundle.resolve("elsewhere") + " does not exist: pass a directory that"
                        + " holds the container's root filesystem",
                config("", "", "").replace("\"path\": \"rootfs\"", "\"path\": \"elsewhere\""));
    }

    @Test
    void buildRefusalsNameTheirPath() {
        SpecMapping.Mapped small = map(config("", ", \"resources\": {\"memory\": {\"limit\": 1024}}", ""));
        SpecException e = assertThrows(SpecException.class, () -> small.build("box"));
        assertEquals("linux.resources.memory.limit: memoryLimit 1k (1024 bytes) is below the minimum of 6m (6291456 bytes):"
                + " a container needs at least that much to start", e.getMessage());
        SpecMapping.Mapped noUts = map(config("", "", ", \"hostname\": \"box\"").replace(", {\"type\": \"uts\"}", ""));
        e = assertThrows(SpecException.class, () -> noUts.build("box"));
        assertEquals("hostname: hostname 'box' needs the UTS namespace: add Namespace.UTS, or do not set a hostname",
                e.getMessage());
    }

    @Test
    void aBuiltContainerRoundTripsThroughItsSpec() throws Exception {
        Path data = Files.createDirectories(bundle.resolve("data"));
        try (Container original = Container.builder().rootfs(bundle.resolve("rootfs")).command("/bin/echo", "hi")
                .env("A", "1").workingDir("/tmp").hostname("orig").namespaces(Namespace.MOUNT, Namespace.PID,
                        Namespace.UTS, Namespace.IPC).mount(Mount.bind(data, "/data").readOnly().noExec())
                .mount(Mount.tmpfs("/scratch").size(1 << 20)).capDrop("ALL").capAdd("CHOWN", "KILL")
                .rlimit("NOFILE", 512, 1024).memoryLimit("64m").pidsLimit(100).cpus(0.5).ioWeight(200)
                .seccomp(Profile.unconfined()).etcFiles(false).build()) {
            Spec first = original.toOciSpec();
            first.validate();
            assertEquals(first, Spec.parse(first.toJson().getBytes(StandardCharsets.UTF_8)));
            SpecMapping.Mapped mapped = SpecMapping.toBuilder(first, bundle);
            Spec second = builtBack(mapped);
            assertEquals(first.process(), second.process());
            assertEquals(first.mounts(), second.mounts());
            assertEquals(first.root(), second.root());
            assertEquals(first.hostname(), second.hostname());
            assertEquals(types(first), types(second));
            assertEquals(first.linux().resources(), second.linux().resources());
            assertEquals(first.linux().maskedPaths(), second.linux().maskedPaths());
            // Nothing of what the builder made is lost but the cgroup path, which waits for cgroupPath(String).
            assertEquals(List.of(),
                    mapped.warnings());
        }
    }
}
