package dev.hako.testing;

import dev.hako.fs.MinimalRootfs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The root filesystem shared by the kernel integration tests: built once per JVM by
 * {@link MinimalRootfs} into {@code target/it-rootfs} (rebuilt from scratch on each run, so
 * files that tests wrote into it on an earlier run are gone).
 */
public final class TestRootfs {

    private static Path path;

    private TestRootfs() {
    }

    /** The rootfs directory, built on first use. */
    public static synchronized Path path() {
        if (path == null) {
            Path base = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
            Path dir = base.resolve("target").resolve("it-rootfs").toAbsolutePath();
            try {
                MinimalRootfs.delete(dir);
                path = MinimalRootfs.build(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot build the test rootfs in " + dir, e);
            }
        }
        return path;
    }

    /** A path inside the rootfs as seen from the host: {@code host("/tmp/x")}. */
    public static Path host(String pathInContainer) {
        return path().resolve(pathInContainer.replaceFirst("^/+", ""));
    }
}
