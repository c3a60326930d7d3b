package dev.hako.cgroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A directory tree laid out like cgroupfs, for tests without root: each hierarchy is a
 * directory whose cgroups hold their interface files as empty regular files. It plays the
 * kernel's part in mkdir (a new cgroup gets the hierarchy's files; on v2, its
 * cgroup.controllers is what the parent enabled) and rmdir (the files go with the directory).
 * It cannot react to writes: a write just lands in the file, where the test reads it.
 */
final class FakeCgroupfs implements CgroupDirectories {
    /** Interface files of a v1 cgroup of each controller, as 6.x kernels have them. */
    static final Map<String, List<String>> V1_FILES = Map.of(
            "memory", List.of("memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.soft_limit_in_bytes",
                    "memory.usage_in_bytes", "memory.max_usage_in_bytes", "memory.oom_control"),
            "cpu", List.of("cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.shares", "cpu.stat"),
            "cpuacct", List.of("cpuacct.usage", "cpuacct.stat"),
            "cpuset", List.of("cpuset.cpus", "cpuset.mems", "cpuset.effective_cpus"),
            "pids", List.of("pids.max", "pids.current"),
            "freezer", List.of("freezer.state"),
            "blkio", List.of("blkio.bfq.weight"),
            "devices", List.of("devices.allow", "devices.deny", "devices.list"));
    /** Interface files of a v2 cgroup: the core ones, then those of each controller. */
    static final List<String> V2_CORE = List.of("cgroup.procs", "cgroup.controllers", "cgroup.subtree_control",
            "cgroup.events", "cgroup.freeze", "cgroup.kill", "cpu.stat");
    static final Map<String, List<String>> V2_FILES = Map.of(
            "memory", List.of("memory.max", "memory.swap.max", "memory.low", "memory.current", "memory.peak",
                    "memory.events"),
            "cpu", List.of("cpu.max", "cpu.weight"),
            "cpuset", List.of("cpuset.cpus", "cpuset.mems"),
            "pids", List.of("pids.max", "pids.current"),
            "io", List.of("io.weight"));

    private final Path root;
    /** Mount point of each v1 hierarchy to its controllers. */
    private final Map<Path, List<String>> v1 = new LinkedHashMap<>();
    private Path unified;
    /** Files to leave out of new cgroups, to play a kernel without them. */
    private final List<String> absent = new ArrayList<>();
    private final List<String> extra = new ArrayList<>();
    /** The device programs attached, by v2 directory, as the kernel would hold them. */
    final Map<Path, DeviceProgram> devicePrograms = new LinkedHashMap<>();

    FakeCgroupfs(Path root) {
        this.root = root;
    }

    /** Adds a v1 hierarchy of {@code controllers} at {@code root/name}, with its root cgroup. */
    FakeCgroupfs v1(String name, String... controllers) throws IOException {
        Path mount = root.resolve(name);
        v1.put(mount, List.of(controllers));
        Files.createDirectories(mount);
        fill(mount);
        if (List.of(controllers).contains("cpuset")) {
            Files.writeString(mount.resolve("cpuset.cpus"), "0-3\n");
            Files.writeString(mount.resolve("cpuset.mems"), "0\n");
        }
        return this;
    }

    /** Adds the v2 hierarchy at {@code root/name}, whose root offers {@code controllers}. */
    private boolean v1DevicesBesideV2;

    /** Like a test's directories that ask for the v1 devices rules next to the v2 program. */
    FakeCgroupfs withV1DevicesBesideV2() {
        v1DevicesBesideV2 = true;
        return this;
    }

    @Override
    public boolean v1DeviceRulesBesideV2() {
        return v1DevicesBesideV2;
    }

    FakeCgroupfs unified(String name, String controllers) throws IOException {
        unified = root.resolve(name);
        Files.createDirectories(unified);
        for (String f : List.of("cgroup.procs", "cgroup.controllers", "cgroup.subtree_control", "cpu.stat")) {
            Files.createFile(unified.resolve(f));
        }
        Files.writeString(unified.resolve("cgroup.controllers"), controllers + "\n");
        return this;
    }

    /** New cgroups will lack {@code file}, like a kernel built without it. */
    FakeCgroupfs without(String file) {
        absent.add(file);
        return this;
    }

    /** New cgroups will have {@code file} as well, like a kernel with an extra feature. */
    FakeCgroupfs with(String file) {
        extra.add(file);
        return this;
    }

    /** A mountinfo text describing these hierarchies, as the kernel writes it. */
    String mountinfo() {
        StringBuilder out = new StringBuilder();
        out.append("22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p1 rw\n");
        int id = 30;
        for (Map.Entry<Path, List<String>> h : v1.entrySet()) {
            out.append(id++).append(" 25 0:").append(id).append(" / ").append(escape(h.getKey()))
                    .append(" rw,nosuid,nodev,noexec,relatime shared:").append(id).append(" - cgroup cgroup rw,")
                    .append(String.join(",", h.getValue())).append('\n');
        }
        if (unified != null) {
            out.append(id).append(" 25 0:").append(id).append(" / ").append(escape(unified))
                    .append(" rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate\n");
        }
        return out.toString();
    }

    private static String escape(Path p) {
        return p.toString().replace("\\", "\\134").replace(" ", "\\040");
    }

    CgroupLayout layout() throws IOException {
        return CgroupLayout.parse(mountinfo(), null,
                unified == null ? null : Files.readString(unified.resolve("cgroup.controllers")));
    }

    @Override
    public void mkdir(Path dir) throws IOException {
        Files.createDirectory(dir);
        fill(dir);
    }

    private void fill(Path dir) throws IOException {
        if (unified != null && dir.startsWith(unified)) {
            List<String> enabled = dir.equals(unified) ? List.of() : List.of(Files.readString(
                    dir.getParent().resolve("cgroup.subtree_control")).replace("+", "").trim().split("\\s+"));
            List<String> files = new ArrayList<>(V2_CORE);
            enabled.forEach(c -> files.addAll(V2_FILES.getOrDefault(c, List.of())));
            create(dir, files);
            Files.writeString(dir.resolve("cgroup.controllers"), String.join(" ", enabled));
            return;
        }
        for (Map.Entry<Path, List<String>> h : v1.entrySet()) {
            if (dir.startsWith(h.getKey())) {
                List<String> files = new ArrayList<>(List.of("cgroup.procs", "tasks"));
                h.getValue().forEach(c -> files.addAll(V1_FILES.get(c)));
                create(dir, files);
                return;
            }
        }
        throw new IllegalStateException(dir + " is in no hierarchy of this fake");
    }

    private void create(Path dir, List<String> files) throws IOException {
        for (String f : dir.getParent().equals(root) ? files : concat(files, extra)) {
            if (!absent.contains(f) && !Files.exists(dir.resolve(f))) {
                Files.createFile(dir.resolve(f));
            }
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Override
    public void rmdir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new java.nio.file.NoSuchFileException(dir.toString());
        }
        try (Stream<Path> list = Files.list(dir)) {
            for (Path f : list.toList()) {
                if (Files.isDirectory(f)) {
                    throw new java.nio.file.FileSystemException(dir.toString(), null, "Device or resource busy");
                }
            }
        }
        try (Stream<Path> list = Files.list(dir)) {
            list.forEach(f -> {
                try {
                    Files.delete(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        Files.delete(dir);
    }

    @Override
    public void attachDevicePolicy(Path dir, DeviceProgram program) throws IOException {
        if (!Files.isDirectory(dir) || unified == null || !dir.startsWith(unified)) {
            throw new IllegalStateException(dir + " is not a v2 cgroup of this fake");
        }
        devicePrograms.put(dir, program);
    }

    /** Every directory below the root, relative to it, like {@code memory/hako/c1}. */
    List<String> directories() throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isDirectory).filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString())
                    .sorted().collect(Collectors.toList());
        }
    }
}
