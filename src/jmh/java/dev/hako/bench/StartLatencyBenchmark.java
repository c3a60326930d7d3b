package dev.hako.bench;

import dev.hako.Container;
import dev.hako.ContainerPool;
import dev.hako.Namespace;
import dev.hako.Network;
import dev.hako.Rootfs;
import dev.hako.seccomp.Profile;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Start to exit of {@code /bin/true}: hako in several configurations, and in the same run
 * the baselines it is measured against — no isolation at all (ProcessBuilder), the kernel's
 * own cost through util-linux {@code unshare}, and the OCI runtimes runc and crun on an
 * equivalent bundle. A baseline whose tool is missing fails in setup with a message naming
 * the package, so the run says so instead of leaving it out. Needs root.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class StartLatencyBenchmark {

    static int runTrue(Container.Builder builder) throws Exception {
        try (Container c = builder.redirectInput(Redirect.INHERIT).redirectOutput(Redirect.DISCARD)
                .redirectError(Redirect.DISCARD).command("/bin/true").build()) {
            return c.start().waitFor();
        }
    }

    @Benchmark
    public int hakoAllNamespaces(BenchRootfs fs) throws Exception {
        return runTrue(Container.builder().rootfs(fs.rootfs));
    }

    /** The defaults (Docker's capabilities, no_new_privs, Docker's seccomp profile) less the filter: before issue 10's default. */
    @Benchmark
    public int hakoAllNamespacesUnconfined(BenchRootfs fs) throws Exception {
        return runTrue(Container.builder().rootfs(fs.rootfs).seccomp(Profile.unconfined()));
    }

    /**
     * Every containment step off: all capabilities (all the JVM has: root lacks SYS_RESOURCE
     * on some machines), no no_new_privs, no filter.
     */
    @Benchmark
    public int hakoAllNamespacesNoContainment(BenchRootfs fs) throws Exception {
        return runTrue(Container.builder().rootfs(fs.rootfs).capAdd("ALL").noNewPrivileges(false)
                .seccomp(Profile.unconfined()));
    }

    /**
     * All namespaces and a user namespace whose root is an unprivileged id outside
     * ({@code uidMap(0, 1300000, 65536)}), started by a root JVM. Run the benchmarks jar as a
     * plain user and {@link #hakoAllNamespaces} is the rootless start (its own uid as root).
     */
    @Benchmark
    public int hakoUserNamespace(BenchRootfs fs) throws Exception {
        return runTrue(Container.builder().rootfs(fs.rootfs).uidMap(0, 1_300_000, 65536));
    }

    @Benchmark
    public int hakoWithoutNetwork(BenchRootfs fs) throws Exception {
        EnumSet<Namespace> ns = EnumSet.copyOf(Namespace.all());
        ns.remove(Namespace.NETWORK);
        return runTrue(Container.builder().rootfs(fs.rootfs).namespaces(ns));
    }

    /** A bridge of the benchmark's own, so that the host's hako0 is left alone. */
    static final Network.Bridge BENCH_BRIDGE = Network.bridge().named("hkbench0").subnet("10.236.0.0/16");

    /** On a bridge: a leased address, a veth made with its peer in the container, address and route inside. */
    @Benchmark
    public int hakoBridge(BenchRootfs fs) throws Exception {
        return runTrue(Container.builder().rootfs(fs.rootfs).network(BENCH_BRIDGE));
    }

    /** On a bridge with one published port (a free host port bound, forwarded while the container runs). */
    @Benchmark
    public int hakoBridgePublished(BenchRootfs fs) throws Exception {
        return runTrue(Container.builder().rootfs(fs.rootfs).network(BENCH_BRIDGE).publish("0:80"));
    }

    @Benchmark
    public int hakoOverlayThreeLayers(BenchRootfs fs) throws Exception {
        return runTrue(Container.builder().rootfs(Rootfs.overlay(fs.layers)));
    }

    @Benchmark
    public int hakoWithLimits(BenchRootfs fs) throws Exception {
        return runTrue(Container.builder().rootfs(fs.rootfs).memoryLimit("64m").cpus(1).pidsLimit(64));
    }

    /**
     * A pool of the default configuration whose members are all set up and waiting before
     * each measured start (not measured: {@link Level#Invocation}), as when starts are spaced
     * further apart than a member's setup takes.
     */
    @State(Scope.Benchmark)
    public static class Pool {
        static final int SIZE = 2;
        ContainerPool pool;

        @Setup(Level.Trial)
        public void start(BenchRootfs fs) {
            pool = WarmPool.of(fs, SIZE, true);
        }

        @Setup(Level.Invocation)
        public void awaitMembers() throws InterruptedException {
            WarmPool.awaitFull(pool, SIZE);
        }

        @TearDown(Level.Trial)
        public void stop() {
            pool.close();
        }
    }

    /** Start to exit of {@code /bin/true} in a waiting member: the command's part of a start only. */
    @Benchmark
    public int hakoPooled(Pool p) throws Exception {
        return p.pool.start("/bin/true").waitFor();
    }

    @Benchmark
    public int baselineProcessBuilder() throws Exception {
        return new ProcessBuilder("/bin/true").redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD)
                .start().waitFor();
    }

    /** {@code unshare} with the namespaces hako makes, through one long-lived bash. */
    @State(Scope.Benchmark)
    public static class Unshare {
        CommandLoop all;
        CommandLoop noNet;

        @Setup(Level.Trial)
        public void start() throws IOException {
            String unshare = require("unshare", "util-linux");
            all = CommandLoop.start("", unshare + " --fork --pid --mount --uts --ipc --net --mount-proc /bin/true", List.of());
            noNet = CommandLoop.start("", unshare + " --fork --pid --mount --uts --ipc --mount-proc /bin/true", List.of());
        }

        @TearDown(Level.Trial)
        public void stop() throws IOException {
            all.close();
            noNet.close();
        }
    }

    @Benchmark
    public void baselineUnshare(Unshare u) throws IOException {
        u.all.runOnce();
    }

    @Benchmark
    public void baselineUnshareWithoutNetwork(Unshare u) throws IOException {
        u.noNet.runOnce();
    }

    /** {@code runc run} of the equivalent bundle. */
    @State(Scope.Benchmark)
    public static class Runc {
        CommandLoop loop;

        @Setup(Level.Trial)
        public void start(BenchRootfs fs) throws IOException {
            String runc = require("runc", "runc");
            loop = CommandLoop.start("", runc + " run --bundle " + fs.bundle + " hako-bench-$$-$N", List.of());
        }

        @TearDown(Level.Trial)
        public void stop() throws IOException {
            loop.close();
        }
    }

    @Benchmark
    public void baselineRunc(Runc r) throws IOException {
        r.loop.runOnce();
    }

    /**
     * {@code crun run} of the equivalent bundle. crun refuses hybrid cgroup layouts (v1
     * controllers beside a v2 mount, as on these machines), so its shell runs in a private
     * mount namespace where /sys/fs/cgroup is the unified hierarchy alone.
     */
    @State(Scope.Benchmark)
    public static class Crun {
        CommandLoop loop;

        @Setup(Level.Trial)
        public void start(BenchRootfs fs) throws IOException {
            String crun = require("crun", "crun");
            String unshare = require("unshare", "util-linux");
            String unifiedOnly = "if ! grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts; then"
                    + " umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup; fi";
            loop = CommandLoop.start(unifiedOnly, crun + " run --bundle " + fs.bundle + " hako-bench-$$-$N",
                    List.of(unshare, "--mount", "--propagation", "private"));
        }

        @TearDown(Level.Trial)
        public void stop() throws IOException {
            loop.close();
        }
    }

    @Benchmark
    public void baselineCrun(Crun c) throws IOException {
        c.loop.runOnce();
    }

    static String require(String tool, String debianPackage) {
        String path = CommandLoop.find(tool);
        if (path == null) {
            throw new IllegalStateException(tool + " is not installed, so this baseline is not measured:"
                    + " apt-get install " + debianPackage);
        }
        return path;
    }
}
