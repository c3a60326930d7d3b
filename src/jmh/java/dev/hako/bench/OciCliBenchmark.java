package dev.hako.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hako.cli.MinimalRootfs;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Whole-process time of an OCI runtime's command line, as a container engine pays it: one
 * {@link ProcessBuilder} per run, from fork to exit, of {@code RUNTIME run --bundle B ID}
 * (the bundle is {@code runc spec}'s config running {@code /bin/true} without a terminal on
 * a busybox rootfs) and of {@code podman --runtime RUNTIME run --rm --network=none IMAGE
 * /bin/true}, for runc, crun and hako's runc-compatible launcher in the same run, so that
 * hako's figures read against runc's measured here and now.
 *
 * <p>Run it through {@code src/test/oci/oci-bench.sh}, which gives the JVM the private mount
 * namespace it needs: crun refuses the hybrid cgroup layout of these machines (the v2 mount
 * is hidden there, for every runtime alike), and podman writes a few host paths whatever its
 * configuration says (bind-mounted from a temp dir there). Without it the setup fails saying
 * so. The {@code hako} parameter takes the launcher from the system property
 * {@code hako.launcher} (default {@code target/hako}); while there is none, its setup fails
 * with a message naming the path, and JMH reports that parameter as failed.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Benchmark)
public class OciCliBenchmark {

    /** Set by oci-bench.sh inside the private mount namespace it prepares. */
    static final String PRIVATE_NAMESPACE_ENV = "HAKO_OCI_BENCH_PRIVATE";

    private static final ObjectMapper JSON = new ObjectMapper();

    @Param({"runc", "crun", "hako"})
    public String runtime;

    private Path runtimePath;
    private Path dir;
    private Path bundle;
    private Path runtimeRoot;
    private Path stderr;
    private String cgroup;
    private long runs;

    private Map<String, String> podmanEnv;
    private String image;

    @Setup(Level.Trial)
    public void setUp() throws IOException, InterruptedException {
        if (!"1".equals(System.getenv(PRIVATE_NAMESPACE_ENV))) {
            throw new IllegalStateException("run this benchmark through src/test/oci/oci-bench.sh: it needs the"
                    + " private mount namespace that script prepares (crun and podman on this machine)");
        }
        runtimePath = resolveRuntime(runtime);
        // Short: podman's tmp_dir below holds conmon's sockets and exit files as
        // tmp_dir/socket/<64-hex id>/attach and the like, and with a tmp_dir of about 50
        // characters every podman run waits 20 s for an exit it never sees.
        dir = Files.createDirectory(Path.of("/tmp/hako-ob-" + ProcessHandle.current().pid()));
        runtimeRoot = Files.createDirectories(dir.resolve("runtime-root"));
        stderr = dir.resolve("stderr");
        bundle = Files.createDirectories(dir.resolve("bundle"));
        MinimalRootfs.build(bundle.resolve("rootfs"));
        // Two levels, as engines give them (/libpod_parent/..., /default/ID): hako refuses a
        // cgroup directly below a hierarchy's root.
        cgroup = "/hako-oci-bench-" + ProcessHandle.current().pid() + "/bench";
        writeConfig();
        setUpPodman();
    }

    static Path resolveRuntime(String name) {
        Path path = switch (name) {
            case "runc" -> Path.of("/usr/sbin/runc");
            case "crun" -> Path.of("/usr/bin/crun");
            case "hako" -> Path.of(System.getProperty("hako.launcher", "target/hako")).toAbsolutePath();
            default -> throw new IllegalArgumentException("unknown runtime " + name + ": runc, crun or hako");
        };
        if (!Files.isExecutable(path)) {
            throw new IllegalStateException(switch (name) {
                case "hako" -> "hako's runc-compatible launcher " + path + " does not exist yet: build it"
                        + " (./mvnw package) or name it with -Dhako.launcher=PATH; no hako figures in this run";
                default -> name + " is not installed at " + path + ": apt-get install " + name;
            });
        }
        return path;
    }

    /** {@code runc spec}'s config, edited: /bin/true, no terminal, a cgroup of this trial's. */
    private void writeConfig() throws IOException, InterruptedException {
        run(List.of("/usr/sbin/runc", "spec", "--bundle", bundle.toString()), null);
        Path config = bundle.resolve("config.json");
        ObjectNode c = (ObjectNode) JSON.readTree(config.toFile());
        ObjectNode process = (ObjectNode) c.get("process");
        process.put("terminal", false);
        process.putArray("args").add("/bin/true");
        ((ObjectNode) c.get("linux")).put("cgroupsPath", cgroup);
        JSON.writerWithDefaultPrettyPrinter().writeValue(config.toFile(), c);
    }

    private void setUpPodman() throws IOException, InterruptedException {
        Path podman = dir.resolve("podman");
        Files.createDirectories(podman);
        Files.createDirectories(dir.resolve("t"));
        // As in podman-accept.sh: cgroupfs and a file events log (no systemd, no journald),
        // file locks under its own tmp dir, limits root can set without CAP_SYS_RESOURCE.
        Files.writeString(podman.resolve("containers.conf"), """
                [containers]
                log_driver = "k8s-file"
                netns = "none"
                default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

                [engine]
                cgroup_manager = "cgroupfs"
                events_logger = "file"
                events_logfile_path = "%1$s/events.log"
                tmp_dir = "%2$s/t"
                lock_type = "file"
                volume_path = "%1$s/volumes"
                static_dir = "%1$s/storage/libpod"
                image_copy_tmp_dir = "%2$s/t"

                [network]
                network_config_dir = "%1$s/networks"
                """.formatted(podman, dir));
        Files.writeString(podman.resolve("storage.conf"), """
                [storage]
                driver = "overlay"
                graphroot = "%1$s/storage"
                runroot = "%1$s/runroot"
                """.formatted(podman));
        Files.writeString(podman.resolve("registries.conf"), "");
        podmanEnv = Map.of("CONTAINERS_CONF", podman.resolve("containers.conf").toString(),
                "CONTAINERS_STORAGE_CONF", podman.resolve("storage.conf").toString(),
                "CONTAINERS_REGISTRIES_CONF", podman.resolve("registries.conf").toString(),
                "TMPDIR", dir.resolve("t").toString());
        Path tar = dir.resolve("rootfs.tar");
        run(List.of("tar", "--numeric-owner", "-C", bundle.resolve("rootfs").toString(), "-cf", tar.toString(), "."), null);
        image = "localhost/hako-oci-bench:busybox";
        run(List.of("podman", "import", tar.toString(), image), podmanEnv);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException, InterruptedException {
        if (dir == null) {
            return;
        }
        if (podmanEnv != null) {
            quietly(List.of("podman", "rm", "-a", "-f", "-t", "0"), podmanEnv);
            quietly(List.of("podman", "image", "rm", "-a", "-f"), podmanEnv);
        }
        removeCgroups();
        for (String point : mountsUnder(dir)) {
            quietly(List.of("umount", "-R", point), null);
        }
        MinimalRootfs.delete(dir);
    }

    /**
     * This trial's cgroup, children first, in every hierarchy: podman leaves its cgroup parent
     * and conmon's cgroup in it, and conmon may still be leaving it, so a busy one is retried.
     */
    private void removeCgroups() throws IOException, InterruptedException {
        List<Path> left = new ArrayList<>();
        // Only the cgroup file systems: in oci-bench.sh's namespace /sys/fs/cgroup/unified is a
        // throwaway tmpfs, where crun writes files that this need not clean.
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
            lines.map(line -> line.split(" "))
                    .filter(f -> f[4].startsWith("/sys/fs/cgroup") && line(f).matches(".* - cgroup2? .*"))
                    .map(f -> Path.of(f[4], cgroup.substring(1).split("/")[0])).filter(Files::isDirectory)
                    .forEach(left::add);
        }
        for (int attempt = 0; attempt < 50 && !left.isEmpty(); attempt++) {
            left.removeIf(OciCliBenchmark::removeCgroupTree);
            if (!left.isEmpty()) {
                Thread.sleep(100);
            }
        }
        if (!left.isEmpty()) {
            System.err.println("teardown: cgroups left behind: " + left);
        }
    }

    private static String line(String[] fields) {
        return String.join(" ", fields);
    }

    /** True when the tree is gone; a cgroup's own files are not removed, only its directory. */
    private static boolean removeCgroupTree(Path top) {
        try (Stream<Path> tree = Files.walk(top)) {
            for (Path d : tree.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(d);
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code RUNTIME --root R run --bundle B ID}: the runtime's whole process. */
    @Benchmark
    public void runBundle() throws IOException, InterruptedException {
        String id = "hako-oci-bench-" + ProcessHandle.current().pid() + "-" + (++runs);
        timed(List.of(runtimePath.toString(), "--root", runtimeRoot.toString(), "run", "--bundle", bundle.toString(), id),
                null);
    }

    /** {@code podman --runtime RUNTIME run --rm --network=none IMAGE /bin/true}, a private podman. */
    @Benchmark
    public void podmanRun() throws IOException, InterruptedException {
        timed(List.of("podman", "--runtime", runtimePath.toString(), "run", "--rm", "--network=none",
                "--cgroup-parent=" + cgroup, image, "/bin/true"), podmanEnv);
    }

    private void timed(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(stderr.toFile());
        if (env != null) {
            pb.environment().putAll(env);
        }
        int status = pb.start().waitFor();
        if (status != 0) {
            throw new IOException(String.join(" ", command) + " exited " + status + ": " + Files.readString(stderr));
        }
    }

    private static void run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (env != null) {
            pb.environment().putAll(env);
        }
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }

    private static void quietly(List<String> command, Map<String, String> env) throws InterruptedException {
        try {
            run(command, env);
        } catch (IOException e) {
            System.err.println("teardown: " + e.getMessage());
        }
    }

    /** Mount points at or below {@code dir}, deepest first. */
    private static List<String> mountsUnder(Path dir) throws IOException {
        String root = dir.toAbsolutePath().normalize().toString();
        List<String> points = new ArrayList<>();
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
            lines.map(line -> line.split(" ")[4].replace("\\040", " "))
                    .filter(p -> p.equals(root) || p.startsWith(root + "/")).forEach(points::add);
        }
        points.sort(Comparator.comparingInt(String::length).reversed());
        return points;
    }
}
