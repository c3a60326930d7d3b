package dev.hako.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hako.linux.Kernel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** config.json read, checked and written back: real engines' shapes, every error, hostile files. */
class SpecTest {
    @TempDir
    Path bundle;

    private static Spec parse(String json) {
        return Spec.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertError(String expected, String json) {
        SpecException e = assertThrows(SpecException.class, () -> parse(json));
        assertEquals(expected, e.getMessage());
    }

    /** The minimal valid config with {@code extra} JSON members added to its top level. */
    private static String minimal(String extra) {
        return "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"}" + (extra.isEmpty() ? "" : ", " + extra) + "}";
    }

    private static String withProcess(String processMembers) {
        return minimal("\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"" + (processMembers.isEmpty() ? "" : ", " + processMembers) + "}");
    }

    private static String withLinux(String linuxMembers) {
        return minimal("\"linux\": {" + linuxMembers + "}");
    }

    // --- real-world shapes ---

    @Test
    void runcDefault() {
        Spec spec = parse(SpecConfigs.RUNC_DEFAULT);
        assertEquals("1.0.2-dev", spec.ociVersion());
        assertEquals(List.of("sh"), spec.process().args());
        assertEquals(true, spec.process().terminal());
        assertEquals(List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"), spec.process().capabilities().ambient());
        assertNull(spec.process().capabilities().inheritable());
        assertEquals(new Process.Rlimit("RLIMIT_NOFILE", 1024L, 1024L), spec.process().rlimits().getFirst());
        assertEquals(new Root("rootfs", true), spec.root());
        assertEquals(7, spec.mounts().size());
        assertEquals(List.of("nosuid", "noexec", "nodev", "relatime", "ro"), spec.mounts().get(6).options());
        assertEquals(List.of("pid", "network", "ipc", "uts", "mount", "cgroup"),
                spec.linux().namespaces().stream().map(Linux.Namespace::type).toList());
        assertEquals(new Resources.DeviceRule(false, null, null, null, "rwm"), spec.linux().resources().devices().getFirst());
        assertEquals(bundle.resolve("rootfs"), spec.rootPath(bundle));
    }

    @Test
    void podmanRun() {
        Spec spec = parse(SpecConfigs.PODMAN);
        assertEquals(new Process.ConsoleSize(50L, 200L), spec.process().consoleSize());
        assertEquals(18L, spec.process().user().umask());
        assertEquals(11, spec.process().user().additionalGids().size());
        assertEquals("/run/netns/netns-5b9e2c1a", spec.linux().namespaces().get(1).path());
        assertEquals(Map.of("net.ipv4.ping_group_range", "0 0"), spec.linux().sysctl());
        assertEquals("machine.slice:libpod:4f1c6a3b2e10", spec.linux().cgroupsPath());
        assertEquals(2048L, spec.linux().resources().pids().limit());
        assertEquals(List.of("/etc/hostname", "/etc/resolv.conf", "/etc/hosts", "/dev/shm", "/run/.containerenv"),
                spec.mounts().stream().filter(m -> "bind".equals(m.type())).map(MountSpec::destination).toList());
        JsonNode seccomp = spec.linux().seccomp().tree();
        assertEquals("SCMP_ACT_ERRNO", seccomp.get("defaultAction").asText());
        assertEquals(3, seccomp.get("syscalls").size());
        assertEquals(dev.hako.seccomp.Action.ERRNO, dev.hako.seccomp.Profile.parse(spec.linux().seccomp().json()).defaultAction());
        // an absolute root.path is the path itself
        assertEquals(Path.of("/var/lib/containers/storage/overlay/5d2e/merged"), spec.rootPath(bundle));
    }

    @Test
    void containerdCtrRun() {
        Spec spec = parse(SpecConfigs.CONTAINERD);
        assertEquals("1.1.0", spec.ociVersion());
        assertEquals(List.of("/bin/sh", "-c", "echo hi"), spec.process().args());
        assertEquals(14, spec.process().capabilities().bounding().size());
        assertNull(spec.process().terminal());
        assertEquals("/default/box", spec.linux().cgroupsPath());
        assertEquals(List.of("rbind", "ro"), spec.mounts().get(7).options());
    }

    @Test
    void unknownFieldsAreIgnored() {
        Spec spec = parse("""
                {"ociVersion": "1.2.0", "root": {"path": "r", "future": 1}, "vm": {"hypervisor": {"path": "/x"}},
                 "windows": {"layerFolders": ["a"]}, "solaris": null,
                 "process": {"args": ["sh"], "cwd": "/", "commandLine": "sh.exe", "newThing": [1, {"a": 2}]},
                 "linux": {"netDevices": {"eth0": {"name": "eth1"}}, "memoryPolicy": {"mode": "MPOL_BIND"},
                           "resources": {"memory": {"limit": 67108864, "newLimit": 5}}}}
                """);
        assertEquals(67108864L, spec.linux().resources().memory().limit());
        assertEquals("r", spec.root().path());
    }

    @Test
    void acceptedButUnmodelledSubtreesAreKept() {
        Spec spec = parse(minimal("""
                "process": {"args": ["sh"], "cwd": "/", "ioPriority": {"class": "IOPRIO_CLASS_IDLE", "priority": 4},
                            "scheduler": {"policy": "SCHED_IDLE"}},
                "linux": {"intelRdt": {"closID": "guaranteed_group"}, "personality": {"domain": "LINUX32"},
                          "timeOffsets": {"monotonic": {"secs": 1, "nanosecs": 0}}}
                """));
        assertEquals("{\"class\":\"IOPRIO_CLASS_IDLE\",\"priority\":4}", spec.process().ioPriority().json());
        assertEquals("{\"domain\":\"LINUX32\"}", spec.linux().personality().json());
        assertEquals(spec, Spec.parse(spec.toJson().getBytes(StandardCharsets.UTF_8)));
    }

    // --- writing ---

    @Test
    void roundTripsOfEveryShape() {
        for (String json : List.of(SpecConfigs.RUNC_DEFAULT, SpecConfigs.PODMAN, SpecConfigs.CONTAINERD)) {
            Spec spec = parse(json);
            String written = spec.toJson();
            assertEquals(spec, parse(written));
            assertEquals(written, parse(written).toJson(), "writing is stable");
        }
    }

    @Test
    void writingLeavesOutNullsAndKeepsTheSpecsOrder() throws Exception {
        Spec spec = parse(SpecConfigs.PODMAN);
        JsonNode tree = new ObjectMapper().readTree(spec.toJson());
        assertEquals(List.of("ociVersion", "process", "root", "hostname", "mounts", "annotations", "linux"), names(tree));
        assertEquals(List.of("terminal", "consoleSize", "user", "args", "env", "cwd", "capabilities", "rlimits",
                "oomScoreAdj"), names(tree.get("process")));
        assertEquals(List.of("containerID", "hostID", "size"), names(new ObjectMapper().readTree(
                Spec.example(true).toJson()).get("linux").get("uidMappings").get(0)));
        assertFalse(spec.toJson().contains("null"));
        assertTrue(spec.toJson().contains("\n  \"process\" : {"), "indented");
    }

    private static List<String> names(JsonNode node) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }

    @Test
    void unsignedRlimitsRoundTrip() {
        Spec spec = parse(withProcess("\"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"hard\": 18446744073709551615, \"soft\": 0}]"));
        assertEquals(-1L, spec.process().rlimits().getFirst().hard());
        assertTrue(spec.toJson().contains("\"hard\" : 18446744073709551615"));
        assertEquals(spec, Spec.parse(spec.toJson().getBytes(StandardCharsets.UTF_8)));
        assertError("process.rlimits[0].hard: 18446744073709551616 is not an unsigned 64-bit integer (0 to 18446744073709551615)",
                withProcess("\"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"hard\": 18446744073709551616, \"soft\": 0}]"));
        assertError("process.rlimits[0].soft: -1 is not an unsigned 64-bit integer (0 to 18446744073709551615)",
                withProcess("\"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"hard\": 1, \"soft\": -1}]"));
    }

    @Test
    void examplesParseAndValidate() {
        Spec plain = Spec.example(false);
        plain.validate();
        assertEquals(plain, parse(plain.toJson()));
        assertEquals(List.of("sh"), plain.process().args());
        assertEquals(true, plain.process().terminal());
        assertEquals(List.of("pid", "network", "ipc", "uts", "mount", "cgroup"),
                plain.linux().namespaces().stream().map(Linux.Namespace::type).toList());
        assertEquals(List.of("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"),
                plain.mounts().stream().map(MountSpec::destination).toList());
        assertEquals(List.of(new Process.Rlimit("RLIMIT_NOFILE", 1024L, 1024L)), plain.process().rlimits());
        assertNull(plain.linux().uidMappings());

        Spec rootless = Spec.example(true);
        assertEquals(rootless, parse(rootless.toJson()));
        List<String> types = rootless.linux().namespaces().stream().map(Linux.Namespace::type).toList();
        assertTrue(types.contains("user"));
        assertFalse(types.contains("network"));
        assertEquals(List.of(new IdMap(0L, Kernel.effectiveUid(), 1L)), rootless.linux().uidMappings());
        assertEquals(List.of(new IdMap(0L, Kernel.effectiveGid(), 1L)), rootless.linux().gidMappings());
        MountSpec sys = rootless.mounts().stream().filter(m -> m.destination().equals("/sys")).findFirst().orElseThrow();
        assertEquals("/sys", sys.source());
        assertTrue(sys.options().contains("rbind"));
        assertFalse(rootless.mounts().stream().anyMatch(m -> "cgroup".equals(m.type())));
        assertFalse(rootless.toJson().contains("gid=5"), "a plain user's namespace has no tty group to give devpts");
        assertNull(rootless.linux().resources());
    }

    @Test
    void featuresDocument() throws Exception {
        JsonNode f = new ObjectMapper().readTree(Features.json());
        assertEquals("1.0.0", f.get("ociVersionMin").asText());
        assertEquals("1.2.0", f.get("ociVersionMax").asText());
        assertEquals(6, f.get("hooks").size());
        List<String> options = new ArrayList<>();
        f.get("mountOptions").forEach(o -> options.add(o.asText()));
        assertTrue(options.containsAll(List.of("bind", "rbind", "ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec",
                "exec", "private", "rprivate", "slave", "rslave", "shared", "rshared")), options.toString());
        JsonNode linux = f.get("linux");
        assertEquals(7, linux.get("namespaces").size());
        assertEquals(Kernel.lastCapability() + 1, linux.get("capabilities").size());
        assertEquals("CAP_CHOWN", linux.get("capabilities").get(0).asText());
        assertTrue(linux.get("cgroup").get("v1").asBoolean());
        assertTrue(linux.get("cgroup").get("v2").asBoolean());
        assertFalse(linux.get("cgroup").get("systemd").asBoolean());
        assertFalse(linux.get("cgroup").get("systemdUser").asBoolean());
        assertTrue(linux.get("seccomp").get("enabled").asBoolean());
        assertTrue(linux.get("seccomp").get("actions").toString().contains("SCMP_ACT_ERRNO"));
        assertTrue(linux.get("seccomp").get("operators").toString().contains("SCMP_CMP_MASKED_EQ"));
        assertTrue(linux.get("seccomp").get("archs").toString().contains(dev.hako.seccomp.Arch.host().ociName()));
        assertFalse(linux.get("apparmor").get("enabled").asBoolean());
        assertFalse(linux.get("selinux").get("enabled").asBoolean());
        assertTrue(linux.get("mountExtensions").get("idmap").get("enabled").asBoolean());
        assertFalse(f.get("annotations").get("dev.hako.version").asText().isEmpty());
        assertFalse(f.get("annotations").fieldNames().next().startsWith("org.opencontainers.runc"));
    }

    // --- every error ---

    @Test
    void versionErrors() {
        assertError("ociVersion: \"2.0.0\" is not supported (hako reads 1.0.0 to 1.2.x)",
                "{\"ociVersion\": \"2.0.0\", \"root\": {\"path\": \"r\"}}");
        assertError("ociVersion: \"1.3.0\" is not supported (hako reads 1.0.0 to 1.2.x)",
                "{\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"r\"}}");
        assertError("ociVersion: \"1.2\" is not a version (like \"1.2.0\")", "{\"ociVersion\": \"1.2\", \"root\": {\"path\": \"r\"}}");
        assertError("ociVersion: is missing (the runtime-spec version, like \"1.2.0\")", "{\"root\": {\"path\": \"r\"}}");
        parse("{\"ociVersion\": \"1.2.1\", \"root\": {\"path\": \"r\"}}");
        parse("{\"ociVersion\": \"1.0.0-rc5\", \"root\": {\"path\": \"r\"}}");
    }

    @Test
    void rootErrors() {
        assertError("root: is missing (the container's root filesystem, like {\"path\": \"rootfs\"})", "{\"ociVersion\": \"1.2.0\"}");
        assertError("root.path: is missing (the rootfs directory, absolute or relative to the bundle)",
                "{\"ociVersion\": \"1.2.0\", \"root\": {\"readonly\": true}}");
    }

    @Test
    void processErrors() {
        assertError("process.args: is missing (the command and its arguments, like [\"sh\"])",
                minimal("\"process\": {\"cwd\": \"/\"}"));
        assertError("process.args: is empty (the command and its arguments, like [\"sh\"])",
                minimal("\"process\": {\"args\": [], \"cwd\": \"/\"}"));
        assertError("process.cwd: is missing (the working directory, like \"/\")", minimal("\"process\": {\"args\": [\"sh\"]}"));
        assertError("process.cwd: \"tmp\" is not an absolute path", minimal("\"process\": {\"args\": [\"sh\"], \"cwd\": \"tmp\"}"));
        assertError("process.env[1]: \"FOO\" is not NAME=value", withProcess("\"env\": [\"A=1\", \"FOO\"]"));
        assertError("process.env[0]: \"=x\" is not NAME=value", withProcess("\"env\": [\"=x\"]"));
        assertError("process.user.uid: -1 is not an id (0 to 4294967295)", withProcess("\"user\": {\"uid\": -1, \"gid\": 0}"));
        assertError("process.user.gid: 4294967296 is not an id (0 to 4294967295)",
                withProcess("\"user\": {\"uid\": 0, \"gid\": 4294967296}"));
        assertError("process.user.additionalGids[1]: -3 is not an id (0 to 4294967295)",
                withProcess("\"user\": {\"uid\": 0, \"gid\": 0, \"additionalGids\": [1, -3]}"));
        assertError("process.user.umask: 512 is not a umask (0 to 0777, 511 as JSON has no octal)",
                withProcess("\"user\": {\"uid\": 0, \"gid\": 0, \"umask\": 512}"));
        assertError("process.consoleSize.width: 70000 is not a size (0 to 65535)",
                withProcess("\"consoleSize\": {\"height\": 24, \"width\": 70000}"));
        assertError("process.capabilities.effective[0]: \"NET_ADMIN\" is not a capability name (like \"CAP_CHOWN\")",
                withProcess("\"capabilities\": {\"effective\": [\"NET_ADMIN\"]}"));
        assertError("process.capabilities.bounding[1]: \"CAP_FLY\" is not a capability hako knows (see `hako features`, linux.capabilities)",
                withProcess("\"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_FLY\"]}"));
        assertError("process.oomScoreAdj: 1001 is not an OOM score adjustment (-1000 to 1000)", withProcess("\"oomScoreAdj\": 1001"));
    }

    @Test
    void rlimitErrors() {
        assertError("process.rlimits[0].type: \"NOFILE\" is not an rlimit (RLIMIT_AS, RLIMIT_CORE, RLIMIT_CPU, RLIMIT_DATA,"
                        + " RLIMIT_FSIZE, RLIMIT_LOCKS, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_NOFILE,"
                        + " RLIMIT_NPROC, RLIMIT_RSS, RLIMIT_RTPRIO, RLIMIT_RTTIME, RLIMIT_SIGPENDING, RLIMIT_STACK)",
                withProcess("\"rlimits\": [{\"type\": \"NOFILE\", \"hard\": 1, \"soft\": 1}]"));
        assertError("process.rlimits[0].type: \"RLIMIT_FOO\" is not an rlimit (RLIMIT_AS, RLIMIT_CORE, RLIMIT_CPU, RLIMIT_DATA,"
                        + " RLIMIT_FSIZE, RLIMIT_LOCKS, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_NOFILE,"
                        + " RLIMIT_NPROC, RLIMIT_RSS, RLIMIT_RTPRIO, RLIMIT_RTTIME, RLIMIT_SIGPENDING, RLIMIT_STACK)",
                withProcess("\"rlimits\": [{\"type\": \"RLIMIT_FOO\", \"hard\": 1, \"soft\": 1}]"));
        assertError("process.rlimits[0].type: \"RLIMIT_nofile\" is not an rlimit (RLIMIT_AS, RLIMIT_CORE, RLIMIT_CPU, RLIMIT_DATA,"
                        + " RLIMIT_FSIZE, RLIMIT_LOCKS, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_NOFILE,"
                        + " RLIMIT_NPROC, RLIMIT_RSS, RLIMIT_RTPRIO, RLIMIT_RTTIME, RLIMIT_SIGPENDING, RLIMIT_STACK)",
                withProcess("\"rlimits\": [{\"type\": \"RLIMIT_nofile\", \"hard\": 1, \"soft\": 1}]"));
        assertError("process.rlimits[1].type: \"RLIMIT_NOFILE\" is given twice (also process.rlimits[0])",
                withProcess("\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1, \"soft\": 1},"
                        + " {\"type\": \"RLIMIT_NOFILE\", \"hard\": 2, \"soft\": 2}]"));
        assertError("process.rlimits[0].soft: 2048 is above the hard limit 1024 (soft must be at most hard)",
                withProcess("\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 2048}]"));
        assertError("process.rlimits[0].hard: is missing (the hard limit)",
                withProcess("\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 2048}]"));
    }

    @Test
    void mountAndHookErrors() {
        assertError("mounts[2].destination: \"tmp\" is not an absolute path", minimal("""
                "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
                           {"destination": "/dev", "type": "tmpfs", "source": "tmpfs"},
                           {"destination": "tmp", "type": "tmpfs", "source": "tmpfs"}]"""));
        assertError("mounts[0].destination: is missing (where the mount goes inside, like \"/data\")",
                minimal("\"mounts\": [{\"type\": \"tmpfs\"}]"));
        assertError("mounts[0].uidMappings[0].size: -1 is not a size (1 to 4294967295 ids)", minimal(
                "\"mounts\": [{\"destination\": \"/d\", \"type\": \"bind\", \"source\": \"/s\","
                        + " \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": -1}]}]"));
        assertError("hooks.createRuntime[0].path: \"hook.sh\" is not an absolute path",
                minimal("\"hooks\": {\"createRuntime\": [{\"path\": \"hook.sh\"}]}"));
        assertError("hooks.poststop[0].timeout: 0 is not a timeout (seconds, 1 or more)",
                minimal("\"hooks\": {\"poststop\": [{\"path\": \"/bin/true\", \"timeout\": 0}]}"));
        assertError("annotations: \"\" is not an annotation key (keys must not be empty)", minimal("\"annotations\": {\"\": \"x\"}"));
    }

    @Test
    void linuxErrors() {
        assertError("linux.namespaces[1].type: \"nett\" is not a namespace type (cgroup, ipc, mount, network, pid, time, user, uts)",
                withLinux("\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"nett\"}]"));
        assertError("linux.namespaces[2].type: \"pid\" is given twice (also linux.namespaces[0])",
                withLinux("\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"}, {\"type\": \"pid\"}]"));
        assertError("linux.namespaces[0].path: \"proc/1/ns/net\" is not an absolute path",
                withLinux("\"namespaces\": [{\"type\": \"network\", \"path\": \"proc/1/ns/net\"}]"));
        assertError("linux.uidMappings[0].size: -5 is not a size (1 to 4294967295 ids)",
                withLinux("\"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": -5}]"));
        assertError("linux.gidMappings[0].hostID: is missing (the first id outside)",
                withLinux("\"gidMappings\": [{\"containerID\": 0, \"size\": 5}]"));
        assertError("linux.uidMappings[0].size: 65536 runs past the largest id (4294967295)",
                withLinux("\"uidMappings\": [{\"containerID\": 0, \"hostID\": 4294967000, \"size\": 65536}]"));
        assertError("linux.devices[0].type: \"x\" is not a device type (c, b, u or p)",
                withLinux("\"devices\": [{\"type\": \"x\", \"path\": \"/dev/fuse\", \"major\": 10, \"minor\": 229}]"));
        assertError("linux.devices[0].major: is missing (the device's major number)",
                withLinux("\"devices\": [{\"type\": \"c\", \"path\": \"/dev/fuse\", \"minor\": 229}]"));
        assertError("linux.devices[0].fileMode: 4096 is not a file mode (0 to 07777, 4095 as JSON has no octal)",
                withLinux("\"devices\": [{\"type\": \"c\", \"path\": \"/dev/fuse\", \"major\": 10, \"minor\": 229, \"fileMode\": 4096}]"));
        assertError("linux.rootfsPropagation: \"recursive\" is not a propagation (shared, slave, private, unbindable,"
                + " rshared, rslave, rprivate, runbindable)", withLinux("\"rootfsPropagation\": \"recursive\""));
        assertError("linux.maskedPaths[0]: \"proc/kcore\" is not an absolute path", withLinux("\"maskedPaths\": [\"proc/kcore\"]"));
        assertError("linux.readonlyPaths[1]: null is not an absolute path", withLinux("\"readonlyPaths\": [\"/proc/sys\", null]"));
        assertError("linux.cgroupsPath: \"/hako/../../x\" is not a cgroup path (\"..\" would leave the hierarchy; give a path"
                + " like \"/hako/box\" or \"slice:prefix:name\")", withLinux("\"cgroupsPath\": \"/hako/../../x\""));
        assertError("linux.sysctl: \"\" is not a sysctl name (like \"net.ipv4.ping_group_range\")", withLinux("\"sysctl\": {\"\": \"1\"}"));
    }

    @Test
    void resourceErrors() {
        assertError("linux.resources.memory.limit: -5 is not a size (bytes, or -1 for unlimited)",
                withLinux("\"resources\": {\"memory\": {\"limit\": -5}}"));
        assertError("linux.resources.memory.swappiness: 101 is not a swappiness (0 to 100)",
                withLinux("\"resources\": {\"memory\": {\"swappiness\": 101}}"));
        assertError("linux.resources.cpu.quota: -2 is not a quota (microseconds per period, or -1 for unlimited)",
                withLinux("\"resources\": {\"cpu\": {\"quota\": -2}}"));
        assertError("linux.resources.cpu.cpus: \"0-\" is not a CPU list (like \"0-3,5\")",
                withLinux("\"resources\": {\"cpu\": {\"cpus\": \"0-\"}}"));
        assertError("linux.resources.pids.limit: -2 is not a limit (1 or more, or 0 or -1 for unlimited)",
                withLinux("\"resources\": {\"pids\": {\"limit\": -2}}"));
        assertError("linux.resources.blockIO.weight: 5 is not a weight (10 to 1000)",
                withLinux("\"resources\": {\"blockIO\": {\"weight\": 5}}"));
        assertError("linux.resources.blockIO.throttleReadBpsDevice[0].rate: is missing (bytes or operations per second)",
                withLinux("\"resources\": {\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0}]}}"));
        assertError("linux.resources.devices[0].access: \"rwx\" is not an access (some of r, w, m)",
                withLinux("\"resources\": {\"devices\": [{\"allow\": true, \"access\": \"rwx\"}]}"));
        assertError("linux.resources.devices[0].allow: is missing (true to allow, false to deny)",
                withLinux("\"resources\": {\"devices\": [{\"access\": \"rwm\"}]}"));
        assertError("linux.resources.hugepageLimits[0].pageSize: \"2M\" is not a page size (like \"2MB\" or \"1GB\")",
                withLinux("\"resources\": {\"hugepageLimits\": [{\"pageSize\": \"2M\", \"limit\": 0}]}"));
        assertError("linux.resources.unified: \"../memory.max\" is not a cgroup v2 file name (like \"memory.high\")",
                withLinux("\"resources\": {\"unified\": {\"../memory.max\": \"1\"}}"));
    }

    @Test
    void seccompErrorsGetTheirPath() {
        assertError("linux.seccomp.defaultAction: is missing", withLinux("\"seccomp\": {\"syscalls\": []}"));
        assertError("linux.seccomp.syscalls[0].args[0].index: 9 is not an argument index (0 to 5)",
                withLinux("\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"],"
                        + " \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 9, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]}]}"));
        assertError("linux.seccomp: seccomp profile is not a JSON object", withLinux("\"seccomp\": [1]"));
    }

    @Test
    void typeErrorsNameThePath() {
        assertError("process.user.uid: \"0\" is not an integer", withProcess("\"user\": {\"uid\": \"0\", \"gid\": 0}"));
        assertError("process.user.uid: 1.5 is not an integer", withProcess("\"user\": {\"uid\": 1.5, \"gid\": 0}"));
        assertError("process.terminal: 1 is not a boolean (true or false)", withProcess("\"terminal\": 1"));
        assertError("process.args[1]: 5 is not a string", minimal("\"process\": {\"args\": [\"sh\", 5], \"cwd\": \"/\"}"));
        assertError("mounts: an object is not an array", minimal("\"mounts\": {}"));
        assertError("linux.namespaces[0]: \"pid\" is not an object", withLinux("\"namespaces\": [\"pid\"]"));
        assertError("linux.resources.memory.limit: 99999999999999999999 is not a 64-bit integer",
                withLinux("\"resources\": {\"memory\": {\"limit\": 99999999999999999999}}"));
        assertError("hostname: true is not a string", minimal("\"hostname\": true"));
        assertError("config.json: an array is not an object (the runtime-spec configuration)", "[1, 2]");
        assertError("config.json: null is not an object (the runtime-spec configuration)", "null");
    }

    @Test
    void malformedJsonNamesLineAndColumn() {
        SpecException e = assertThrows(SpecException.class, () -> parse("{\n  \"ociVersion\": \"1.2.0\",\n  \"root\": }"));
        assertTrue(e.getMessage().startsWith("config.json: malformed JSON at line 3, column 11: Unexpected character ('}'"),
                e.getMessage());
        e = assertThrows(SpecException.class, () -> parse("{\"ociVersion\": \"1.2.0\", \"ociVersion\": \"1.0.0\"}"));
        assertTrue(e.getMessage().startsWith("config.json: malformed JSON at line 1, column "), e.getMessage());
        assertTrue(e.getMessage().contains("Duplicate field 'ociVersion'"), e.getMessage());
        e = assertThrows(SpecException.class, () -> parse(minimal("") + " {}"));
        assertTrue(e.getMessage().startsWith("config.json: "), e.getMessage());
        assertTrue(e.getMessage().contains("Trailing token"), e.getMessage());
        e = assertThrows(SpecException.class, () -> parse(""));
        assertTrue(e.getMessage().startsWith("config.json: "), e.getMessage());
    }

    // --- hostile files ---

    @Test
    void missingConfigNamesTheBundle() {
        SpecException e = assertThrows(SpecException.class, () -> Spec.read(bundle));
        assertEquals("open " + bundle + "/config.json: no such file or directory", e.getMessage());
    }

    @Test
    void readsARegularFile() throws Exception {
        Files.writeString(bundle.resolve("config.json"), SpecConfigs.CONTAINERD);
        assertEquals(parse(SpecConfigs.CONTAINERD), Spec.read(bundle));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aFifoIsRefusedWithoutBlocking() throws Exception {
        Path fifo = bundle.resolve("config.json");
        java.lang.Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor());
        SpecException e = assertThrows(SpecException.class, () -> Spec.read(bundle));
        assertEquals("config.json: " + fifo + " is a FIFO, not a regular file: the bundle's config.json must be a file",
                e.getMessage());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSymlinkToDevZeroIsRefused() throws Exception {
        Files.createSymbolicLink(bundle.resolve("config.json"), Path.of("/dev/zero"));
        SpecException e = assertThrows(SpecException.class, () -> Spec.read(bundle));
        assertEquals("config.json: " + bundle.resolve("config.json")
                + " is a character device, not a regular file: the bundle's config.json must be a file", e.getMessage());
    }

    @Test
    void aDirectoryIsRefused() throws Exception {
        Files.createDirectory(bundle.resolve("config.json"));
        SpecException e = assertThrows(SpecException.class, () -> Spec.read(bundle));
        assertEquals("config.json: " + bundle.resolve("config.json")
                + " is a directory, not a regular file: the bundle's config.json must be a file", e.getMessage());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aHundredMegabyteFileIsRefusedUnread() throws Exception {
        Path big = bundle.resolve("config.json");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(100L << 20); // sparse: nothing is written, and nothing must be read
        }
        SpecException e = assertThrows(SpecException.class, () -> Spec.read(bundle));
        assertEquals("config.json: " + big + " has 104857600 bytes, more than the 16 MiB hako reads", e.getMessage());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void deepNestingIsRefused() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        // In an ignored field and in a kept subtree; a document that is itself an array fails at its first token.
        assertError("config.json: JSON nested deeper than 100 levels", minimal("\"annotations\": {\"a\": \"b\"}, \"x\": " + deep));
        assertError("linux.seccomp: JSON nested deeper than 100 levels",
                withLinux("\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"x\": " + deep + "}"));
        assertError("config.json: an array is not an object (the runtime-spec configuration)", deep);
    }

    @Test
    void aHugeStringValueIsCutInTheMessage() {
        String big = "x".repeat(1_000_000);
        SpecException e = assertThrows(SpecException.class, () -> parse(withProcess("\"cwd\": \"" + big + "\"")));
        assertTrue(e.getMessage().length() < 300, "message of " + e.getMessage().length() + " characters");
    }
}
