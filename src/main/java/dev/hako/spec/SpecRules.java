package dev.hako.spec;

import dev.hako.cgroup.CpusetList;
import dev.hako.seccomp.Profile;
import dev.hako.seccomp.SeccompException;
import dev.hako.security.Capabilities;
import dev.hako.security.ResourceLimit;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * The checks of a config.json, each failing with the JSON path of the value, the value and
 * what is expected. The spec's own rules (required fields, ranges of its types, absolute
 * paths, known names) and a few of hako's (no duplicate namespaces or rlimits, a seccomp
 * profile hako can read); what a container can do with the values is
 * {@code dev.hako.oci.SpecMapping}'s and the builder's to say.
 */
final class SpecRules {
    static final long MAX_ID = 0xFFFF_FFFFL;
    /** The runtime-spec's version syntax (SemVer 2.0.0). */
    private static final Pattern VERSION = Pattern.compile(
            "(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?");
    static final List<String> NAMESPACE_TYPES = List.of("cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts");
    static final Set<String> PROPAGATIONS = Set.of("shared", "slave", "private", "unbindable", "rshared", "rslave",
            "rprivate", "runbindable");
    private static final Pattern CAPABILITY = Pattern.compile("CAP_[A-Z0-9_]+");
    private static final Pattern PAGE_SIZE = Pattern.compile("[1-9][0-9]*[KMGT]?B");

    private SpecRules() {
    }

    static void check(Spec spec) {
        version(spec.ociVersion());
        if (spec.root() == null) {
            throw fail("root", "is missing (the container's root filesystem, like {\"path\": \"rootfs\"})");
        }
        if (spec.root().path() == null || spec.root().path().isEmpty()) {
            throw fail("root.path", "is missing (the rootfs directory, absolute or relative to the bundle)");
        }
        noNul("root.path", spec.root().path());
        if (spec.process() != null) {
            process(spec.process());
        }
        if (spec.hostname() != null) {
            hostName("hostname", spec.hostname());
        }
        if (spec.domainname() != null) {
            hostName("domainname", spec.domainname());
        }
        each("mounts", spec.mounts(), SpecRules::mount);
        if (spec.hooks() != null) {
            hooks(spec.hooks());
        }
        if (spec.annotations() != null) {
            spec.annotations().forEach((k, v) -> {
                if (k.isEmpty()) {
                    throw fail("annotations", "\"\" is not an annotation key (keys must not be empty)");
                }
                if (v == null) {
                    throw fail("annotations." + k, "null is not a string");
                }
            });
        }
        if (spec.linux() != null) {
            linux(spec.linux());
        }
    }

    private static void version(String v) {
        if (v == null) {
            throw fail("ociVersion", "is missing (the runtime-spec version, like \"" + Spec.OCI_VERSION + "\")");
        }
        var m = VERSION.matcher(v);
        if (!m.matches()) {
            throw fail("ociVersion", q(v) + " is not a version (like \"" + Spec.OCI_VERSION + "\")");
        }
        if (!m.group(1).equals("1") || m.group(2).length() > 1 || m.group(2).charAt(0) > '2') {
            throw fail("ociVersion", q(v) + " is not supported (hako reads 1.0.0 to 1.2.x)");
        }
    }

    private static void process(Process p) {
        if (p.args() == null || p.args().isEmpty()) {
            throw fail("process.args", (p.args() == null ? "is missing" : "is empty")
                    + " (the command and its arguments, like [\"sh\"])");
        }
        strings("process.args", p.args());
        if (p.args().getFirst().isEmpty()) {
            throw fail("process.args[0]", "\"\" is not a program (name the command to run)");
        }
        if (p.cwd() == null) {
            throw fail("process.cwd", "is missing (the working directory, like \"/\")");
        }
        absolute("process.cwd", p.cwd());
        environment("process.env", p.env());
        if (p.consoleSize() != null) {
            range("process.consoleSize.height", p.consoleSize().height(), 0, 0xFFFF, "a size (0 to 65535)");
            range("process.consoleSize.width", p.consoleSize().width(), 0, 0xFFFF, "a size (0 to 65535)");
        }
        if (p.user() != null) {
            Process.User u = p.user();
            id("process.user.uid", u.uid());
            id("process.user.gid", u.gid());
            range("process.user.umask", u.umask(), 0, 0777, "a umask (0 to 0777, 511 as JSON has no octal)");
            each("process.user.additionalGids", u.additionalGids(), (path, gid) -> {
                if (gid == null) {
                    throw fail(path, "null is not an id (0 to " + MAX_ID + ")");
                }
                id(path, gid);
            });
        }
        if (p.capabilities() != null) {
            Process.Capabilities c = p.capabilities();
            capabilities("process.capabilities.bounding", c.bounding());
            capabilities("process.capabilities.effective", c.effective());
            capabilities("process.capabilities.inheritable", c.inheritable());
            capabilities("process.capabilities.permitted", c.permitted());
            capabilities("process.capabilities.ambient", c.ambient());
        }
        Map<String, String> seen = new HashMap<>();
        each("process.rlimits", p.rlimits(), (path, r) -> {
            if (r == null) {
                throw fail(path, "null is not an rlimit (an object with type, hard and soft)");
            }
            rlimit(path, r);
            String before = seen.put(r.type(), path);
            if (before != null) {
                throw fail(path + ".type", q(r.type()) + " is given twice (also " + before + ")");
            }
        });
        range("process.oomScoreAdj", p.oomScoreAdj() == null ? null : (long) p.oomScoreAdj(), -1000, 1000,
                "an OOM score adjustment (-1000 to 1000)");
        noNul("process.apparmorProfile", p.apparmorProfile());
        noNul("process.selinuxLabel", p.selinuxLabel());
    }

    private static void rlimit(String path, Process.Rlimit r) {
        if (r.type() == null) {
            throw fail(path + ".type", "is missing (an RLIMIT_* name, like \"RLIMIT_NOFILE\")");
        }
        boolean known = r.type().startsWith("RLIMIT_") && r.type().equals(r.type().toUpperCase(java.util.Locale.ROOT));
        if (known) {
            try {
                ResourceLimit.of(r.type(), 0, 0);
            } catch (IllegalArgumentException e) {
                known = false;
            }
        }
        if (!known) {
            throw fail(path + ".type", q(r.type()) + " is not an rlimit (RLIMIT_AS, RLIMIT_CORE, RLIMIT_CPU,"
                    + " RLIMIT_DATA, RLIMIT_FSIZE, RLIMIT_LOCKS, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_NICE,"
                    + " RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_RSS, RLIMIT_RTPRIO, RLIMIT_RTTIME, RLIMIT_SIGPENDING,"
                    + " RLIMIT_STACK)");
        }
        if (r.hard() == null) {
            throw fail(path + ".hard", "is missing (the hard limit)");
        }
        if (r.soft() == null) {
            throw fail(path + ".soft", "is missing (the soft limit)");
        }
        if (Long.compareUnsigned(r.soft(), r.hard()) > 0) {
            throw fail(path + ".soft", Long.toUnsignedString(r.soft()) + " is above the hard limit "
                    + Long.toUnsignedString(r.hard()) + " (soft must be at most hard)");
        }
    }

    private static void capabilities(String path, List<String> names) {
        each(path, names, (p, name) -> {
            if (name == null || !CAPABILITY.matcher(name).matches()) {
                throw fail(p, (name == null ? "null" : q(name)) + " is not a capability name (like \"CAP_CHOWN\")");
            }
            try {
                Capabilities.number(name, p);
            } catch (IllegalArgumentException e) {
                throw fail(p, q(name) + " is not a capability hako knows (see `hako features`, linux.capabilities)");
            }
        });
    }

    private static void mount(String path, MountSpec m) {
        if (m == null) {
            throw fail(path, "null is not a mount (an object with destination, type, source, options)");
        }
        if (m.destination() == null) {
            throw fail(path + ".destination", "is missing (where the mount goes inside, like \"/data\")");
        }
        absolute(path + ".destination", m.destination());
        noNul(path + ".source", m.source());
        noNul(path + ".type", m.type());
        strings(path + ".options", m.options());
        idMaps(path + ".uidMappings", m.uidMappings());
        idMaps(path + ".gidMappings", m.gidMappings());
    }

    private static void hooks(Hooks h) {
        hookList("hooks.prestart", h.prestart());
        hookList("hooks.createRuntime", h.createRuntime());
        hookList("hooks.createContainer", h.createContainer());
        hookList("hooks.startContainer", h.startContainer());
        hookList("hooks.poststart", h.poststart());
        hookList("hooks.poststop", h.poststop());
    }

    private static void hookList(String path, List<Hooks.Hook> hooks) {
        each(path, hooks, (p, h) -> {
            if (h == null) {
                throw fail(p, "null is not a hook (an object with path, args, env, timeout)");
            }
            if (h.path() == null) {
                throw fail(p + ".path", "is missing (the hook's program, an absolute path)");
            }
            absolute(p + ".path", h.path());
            strings(p + ".args", h.args());
            environment(p + ".env", h.env());
            if (h.timeout() != null && h.timeout() < 1) {
                throw fail(p + ".timeout", h.timeout() + " is not a timeout (seconds, 1 or more)");
            }
        });
    }

    private static void linux(Linux l) {
        Map<String, String> seen = new HashMap<>();
        each("linux.namespaces", l.namespaces(), (path, ns) -> {
            if (ns == null) {
                throw fail(path, "null is not a namespace (an object with type and path)");
            }
            if (ns.type() == null) {
                throw fail(path + ".type", "is missing (" + String.join(", ", NAMESPACE_TYPES) + ")");
            }
            if (!NAMESPACE_TYPES.contains(ns.type())) {
                throw fail(path + ".type", q(ns.type()) + " is not a namespace type ("
                        + String.join(", ", NAMESPACE_TYPES) + ")");
            }
            String before = seen.put(ns.type(), path);
            if (before != null) {
                throw fail(path + ".type", q(ns.type()) + " is given twice (also " + before + ")");
            }
            if (ns.path() != null) {
                absolute(path + ".path", ns.path());
            }
        });
        idMaps("linux.uidMappings", l.uidMappings());
        idMaps("linux.gidMappings", l.gidMappings());
        each("linux.devices", l.devices(), SpecRules::device);
        if (l.cgroupsPath() != null) {
            noNul("linux.cgroupsPath", l.cgroupsPath());
            for (String part : l.cgroupsPath().split("[/:]")) {
                if (part.equals("..")) {
                    throw fail("linux.cgroupsPath", q(l.cgroupsPath()) + " is not a cgroup path (\"..\" would leave"
                            + " the hierarchy; give a path like \"/hako/box\" or \"slice:prefix:name\")");
                }
            }
        }
        if (l.resources() != null) {
            resources(l.resources());
        }
        if (l.rootfsPropagation() != null && !PROPAGATIONS.contains(l.rootfsPropagation())) {
            throw fail("linux.rootfsPropagation", q(l.rootfsPropagation()) + " is not a propagation (shared, slave,"
                    + " private, unbindable, rshared, rslave, rprivate, runbindable)");
        }
        if (l.seccomp() != null) {
            seccomp(l.seccomp());
        }
        if (l.sysctl() != null) {
            l.sysctl().forEach((k, v) -> {
                if (k.isEmpty() || k.startsWith("/") || k.contains("..") || k.indexOf('\0') >= 0) {
                    throw fail("linux.sysctl", q(k) + " is not a sysctl name (like \"net.ipv4.ping_group_range\")");
                }
                if (v == null) {
                    throw fail("linux.sysctl." + k, "null is not a string");
                }
            });
        }
        each("linux.maskedPaths", l.maskedPaths(), SpecRules::absolute);
        each("linux.readonlyPaths", l.readonlyPaths(), SpecRules::absolute);
        noNul("linux.mountLabel", l.mountLabel());
    }

    /** The profile must be one hako can read; its errors get the path {@code linux.seccomp} in front. */
    private static void seccomp(RawJson raw) {
        try {
            Profile.parse(raw.json());
        } catch (SeccompException e) {
            String message = e.getMessage();
            boolean pathFirst = message.matches("^[A-Za-z]\\w*(\\[\\d+])*[.:\\[].*");
            throw new SpecException((pathFirst ? "linux.seccomp." : "linux.seccomp: ") + message, e);
        }
    }

    private static void device(String path, Linux.Device d) {
        if (d == null) {
            throw fail(path, "null is not a device (an object with type, path, major, minor)");
        }
        if (d.type() == null || !Set.of("c", "b", "u", "p").contains(d.type())) {
            throw fail(path + ".type", (d.type() == null ? "is missing" : q(d.type()) + " is not a device type")
                    + " (c, b, u or p)");
        }
        if (d.path() == null) {
            throw fail(path + ".path", "is missing (the device's path inside, like \"/dev/fuse\")");
        }
        absolute(path + ".path", d.path());
        if (!d.type().equals("p")) {
            if (d.major() == null) {
                throw fail(path + ".major", "is missing (the device's major number)");
            }
            if (d.minor() == null) {
                throw fail(path + ".minor", "is missing (the device's minor number)");
            }
        }
        range(path + ".major", d.major(), 0, MAX_ID, "a device number (0 or more)");
        range(path + ".minor", d.minor(), 0, MAX_ID, "a device number (0 or more)");
        range(path + ".fileMode", d.fileMode() == null ? null : (long) d.fileMode(), 0, 07777,
                "a file mode (0 to 07777, 4095 as JSON has no octal)");
        id(path + ".uid", d.uid());
        id(path + ".gid", d.gid());
    }

    private static void resources(Resources r) {
        each("linux.resources.devices", r.devices(), (path, rule) -> {
            if (rule == null) {
                throw fail(path, "null is not a device rule (an object with allow, type, major, minor, access)");
            }
            if (rule.allow() == null) {
                throw fail(path + ".allow", "is missing (true to allow, false to deny)");
            }
            if (rule.type() != null && !Set.of("a", "c", "b").contains(rule.type())) {
                throw fail(path + ".type", q(rule.type()) + " is not a device rule type (a, c or b)");
            }
            range(path + ".major", rule.major(), -1, MAX_ID, "a device number (or -1 for any)");
            range(path + ".minor", rule.minor(), -1, MAX_ID, "a device number (or -1 for any)");
            if (rule.access() != null && !rule.access().matches("[rwm]*")) {
                throw fail(path + ".access", q(rule.access()) + " is not an access (some of r, w, m)");
            }
        });
        Resources.Memory m = r.memory();
        if (m != null) {
            size("linux.resources.memory.limit", m.limit());
            size("linux.resources.memory.reservation", m.reservation());
            size("linux.resources.memory.swap", m.swap());
            size("linux.resources.memory.kernel", m.kernel());
            size("linux.resources.memory.kernelTCP", m.kernelTCP());
            range("linux.resources.memory.swappiness", m.swappiness(), 0, 100, "a swappiness (0 to 100)");
        }
        Resources.Cpu c = r.cpu();
        if (c != null) {
            range("linux.resources.cpu.shares", c.shares(), 0, Long.MAX_VALUE, "a weight (2 to 262144; 0 for the default)");
            range("linux.resources.cpu.quota", c.quota(), -1, Long.MAX_VALUE,
                    "a quota (microseconds per period, or -1 for unlimited)");
            range("linux.resources.cpu.burst", c.burst(), 0, Long.MAX_VALUE, "a burst (microseconds, 0 or more)");
            range("linux.resources.cpu.period", c.period(), 0, Long.MAX_VALUE, "a period (microseconds)");
            range("linux.resources.cpu.realtimeRuntime", c.realtimeRuntime(), -1, Long.MAX_VALUE,
                    "a runtime (microseconds, or -1 for unlimited)");
            range("linux.resources.cpu.realtimePeriod", c.realtimePeriod(), 0, Long.MAX_VALUE, "a period (microseconds)");
            cpuList("linux.resources.cpu.cpus", c.cpus(), "a CPU list (like \"0-3,5\")");
            cpuList("linux.resources.cpu.mems", c.mems(), "a memory node list (like \"0\" or \"0-1\")");
            range("linux.resources.cpu.idle", c.idle(), 0, 1, "an idle setting (0 or 1)");
        }
        if (r.pids() != null) {
            range("linux.resources.pids.limit", r.pids().limit(), -1, Long.MAX_VALUE,
                    "a limit (1 or more, or 0 or -1 for unlimited)");
        }
        Resources.BlockIO b = r.blockIO();
        if (b != null) {
            weight("linux.resources.blockIO.weight", b.weight());
            weight("linux.resources.blockIO.leafWeight", b.leafWeight());
            each("linux.resources.blockIO.weightDevice", b.weightDevice(), (path, w) -> {
                if (w == null) {
                    throw fail(path, "null is not a device weight (an object with major, minor, weight)");
                }
                deviceNumbers(path, w.major(), w.minor());
                weight(path + ".weight", w.weight());
                weight(path + ".leafWeight", w.leafWeight());
            });
            throttles("linux.resources.blockIO.throttleReadBpsDevice", b.throttleReadBpsDevice());
            throttles("linux.resources.blockIO.throttleWriteBpsDevice", b.throttleWriteBpsDevice());
            throttles("linux.resources.blockIO.throttleReadIOPSDevice", b.throttleReadIOPSDevice());
            throttles("linux.resources.blockIO.throttleWriteIOPSDevice", b.throttleWriteIOPSDevice());
        }
        each("linux.resources.hugepageLimits", r.hugepageLimits(), (path, h) -> {
            if (h == null) {
                throw fail(path, "null is not a hugepage limit (an object with pageSize and limit)");
            }
            if (h.pageSize() == null || !PAGE_SIZE.matcher(h.pageSize()).matches()) {
                throw fail(path + ".pageSize", (h.pageSize() == null ? "is missing" : q(h.pageSize())
                        + " is not a page size") + " (like \"2MB\" or \"1GB\")");
            }
            range(path + ".limit", h.limit(), 0, Long.MAX_VALUE, "a size (bytes)");
        });
        if (r.network() != null) {
            range("linux.resources.network.classID", r.network().classID(), 0, MAX_ID, "a class id (0 to " + MAX_ID + ")");
            each("linux.resources.network.priorities", r.network().priorities(), (path, p) -> {
                if (p == null || p.name() == null) {
                    throw fail(path, "is not an interface priority (an object with name and priority)");
                }
                range(path + ".priority", p.priority(), 0, MAX_ID, "a priority (0 or more)");
            });
        }
        if (r.unified() != null) {
            r.unified().forEach((k, v) -> {
                if (k.isEmpty() || k.contains("/") || k.contains("..") || !k.contains(".")) {
                    throw fail("linux.resources.unified", q(k) + " is not a cgroup v2 file name (like \"memory.high\")");
                }
                if (v == null) {
                    throw fail("linux.resources.unified." + k, "null is not a string");
                }
            });
        }
    }

    private static void throttles(String path, List<Resources.ThrottleDevice> list) {
        each(path, list, (p, t) -> {
            if (t == null) {
                throw fail(p, "null is not a throttle (an object with major, minor, rate)");
            }
            deviceNumbers(p, t.major(), t.minor());
            if (t.rate() == null) {
                throw fail(p + ".rate", "is missing (bytes or operations per second)");
            }
            range(p + ".rate", t.rate(), 0, Long.MAX_VALUE, "a rate (0 or more per second)");
        });
    }

    private static void deviceNumbers(String path, Long major, Long minor) {
        if (major == null) {
            throw fail(path + ".major", "is missing (the device's major number)");
        }
        if (minor == null) {
            throw fail(path + ".minor", "is missing (the device's minor number)");
        }
        range(path + ".major", major, 0, MAX_ID, "a device number (0 or more)");
        range(path + ".minor", minor, 0, MAX_ID, "a device number (0 or more)");
    }

    private static void weight(String path, Integer w) {
        if (w != null && w != 0 && (w < 10 || w > 1000)) {
            throw fail(path, w + " is not a weight (10 to 1000)");
        }
    }

    private static void cpuList(String path, String list, String what) {
        if (list == null || list.isEmpty()) {
            return; // empty: all, as runc takes it
        }
        try {
            CpusetList.parse(list, path);
        } catch (IllegalArgumentException e) {
            throw fail(path, q(list) + " is not " + what);
        }
    }

    private static void size(String path, Long bytes) {
        if (bytes != null && bytes < -1) {
            throw fail(path, bytes + " is not a size (bytes, or -1 for unlimited)");
        }
    }

    private static void idMaps(String path, List<IdMap> maps) {
        each(path, maps, (p, m) -> {
            if (m == null) {
                throw fail(p, "null is not an id mapping (an object with containerID, hostID, size)");
            }
            if (m.containerID() == null) {
                throw fail(p + ".containerID", "is missing (the first id inside)");
            }
            if (m.hostID() == null) {
                throw fail(p + ".hostID", "is missing (the first id outside)");
            }
            if (m.size() == null) {
                throw fail(p + ".size", "is missing (how many ids)");
            }
            id(p + ".containerID", m.containerID());
            id(p + ".hostID", m.hostID());
            range(p + ".size", m.size(), 1, MAX_ID, "a size (1 to " + MAX_ID + " ids)");
            if (m.containerID() + m.size() - 1 > MAX_ID || m.hostID() + m.size() - 1 > MAX_ID) {
                throw fail(p + ".size", m.size() + " runs past the largest id (" + MAX_ID + ")");
            }
        });
    }

    private static void environment(String path, List<String> env) {
        each(path, env, (p, entry) -> {
            if (entry == null) {
                throw fail(p, "null is not NAME=value");
            }
            int eq = entry.indexOf('=');
            if (eq <= 0 || entry.indexOf('\0') >= 0) {
                throw fail(p, q(entry) + " is not NAME=value");
            }
        });
    }

    private static void hostName(String path, String name) {
        if (name.length() > 64 || name.indexOf('\0') >= 0 || name.indexOf('/') >= 0) {
            throw fail(path, q(name) + " is not a host name (at most 64 characters, no '/')");
        }
    }

    private static void strings(String path, List<String> list) {
        each(path, list, (p, s) -> {
            if (s == null) {
                throw fail(p, "null is not a string");
            }
            noNul(p, s);
        });
    }

    private static void absolute(String path, String value) {
        if (value == null || !value.startsWith("/")) {
            throw fail(path, (value == null ? "null" : q(value)) + " is not an absolute path");
        }
        noNul(path, value);
    }

    private static void noNul(String path, String value) {
        if (value != null && value.indexOf('\0') >= 0) {
            throw fail(path, q(value) + " contains a NUL character");
        }
    }

    private static void id(String path, Long id) {
        range(path, id, 0, MAX_ID, "an id (0 to " + MAX_ID + ")");
    }

    private static void range(String path, Long value, long min, long max, String what) {
        if (value != null && (value < min || value > max)) {
            throw fail(path, value + " is not " + what);
        }
    }

    private static <T> void each(String path, List<T> list, BiConsumer<String, T> check) {
        if (list == null) {
            return;
        }
        for (int i = 0; i < list.size(); i++) {
            check.accept(path + "[" + i + "]", list.get(i));
        }
    }

    static String q(String s) {
        return SpecJson.quote(s);
    }

    private static SpecException fail(String path, String what) {
        return new SpecException(path + ": " + what);
    }
}
