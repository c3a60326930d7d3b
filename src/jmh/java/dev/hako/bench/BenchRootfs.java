package dev.hako.bench;

import dev.hako.cli.MinimalRootfs;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The benchmarks' file systems, built from the host's own binaries: a busybox rootfs, two
 * small layers to stack on it for the overlay case, and an OCI bundle on the same rootfs for
 * runc and crun.
 */
@State(Scope.Benchmark)
public class BenchRootfs implements AutoCloseable {
    Path dir;
    Path rootfs;
    List<Path> layers;
    Path bundle;

    /** For JMH: benchmarks take it as a parameter and get it built once per trial. */
    public BenchRootfs() {
    }

    private BenchRootfs(Path dir, Path rootfs, List<Path> layers, Path bundle) {
        this.dir = dir;
        this.rootfs = rootfs;
        this.layers = layers;
        this.bundle = bundle;
    }

    @Setup(Level.Trial)
    public void build() throws IOException {
        BenchRootfs built = create();
        dir = built.dir;
        rootfs = built.rootfs;
        layers = built.layers;
        bundle = built.bundle;
    }

    @TearDown(Level.Trial)
    public void delete() throws IOException {
        close();
    }

    static BenchRootfs create() throws IOException {
        Path dir = Files.createTempDirectory("hako-bench-");
        // Searchable by others: a container in a user namespace has an unprivileged root.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path bundle = Files.createDirectories(dir.resolve("bundle"));
        Path rootfs = MinimalRootfs.build(bundle.resolve("rootfs"));
        for (String f : List.of("hostname", "hosts", "resolv.conf")) {
            // What the first start would leave (its mount points for the generated files),
            // made beforehand: a user namespace's root could not make them in a root-owned /etc.
            Files.writeString(rootfs.resolve("etc").resolve(f), "");
        }
        Path top = Files.createDirectories(dir.resolve("layer-top/etc"));
        Path middle = Files.createDirectories(dir.resolve("layer-middle/etc"));
        Files.writeString(top.resolve("app.conf"), "top\n");
        Files.writeString(middle.resolve("app.conf"), "middle\n");
        Files.writeString(bundle.resolve("config.json"), OciBundle.configJson());
        return new BenchRootfs(dir, rootfs, List.of(top.getParent(), middle.getParent(), rootfs), bundle);
    }

    @Override
    public void close() throws IOException {
        MinimalRootfs.delete(dir);
    }
}
