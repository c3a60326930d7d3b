package dev.hako.bench;

import java.lang.ProcessBuilder.Redirect;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Start latency of two builds of hako in one JVM, interleaved start by start, so that the
 * machine's noise (which on a small VM moves whole JMH runs by 20%) falls on both alike:
 * each start is {@code build()}, {@code start()}, {@code waitFor()} and {@code close()}
 * of {@code /bin/true} on a {@code MinimalRootfs}, and the result is the median of the
 * paired differences. Each build is loaded by a class loader of its own from a class path
 * (its {@code target/classes} and the Jackson jars). Run, as root:
 * <pre>{@code
 * java --enable-native-access=ALL-UNNAMED -cp target/benchmarks.jar dev.hako.bench.CompareBuilds \
 *     1000 old/target/classes:$JACKSON new/target/classes:$JACKSON
 * }</pre>
 */
public final class CompareBuilds {
    private CompareBuilds() {
    }

    /** One build, driven by reflection: the two builds' classes are different classes. */
    private static final class Build {
        private final String name;
        private final Method builder;
        private final Method rootfs;
        private final Method redirectInput;
        private final Method redirectOutput;
        private final Method redirectError;
        private final Method command;
        private final Method build;
        private final Method start;
        private final Method close;
        private final Path fs;

        Build(String name, String classPath, Path dir) throws Exception {
            this.name = name;
            List<URL> urls = new ArrayList<>();
            for (String entry : classPath.split(":")) {
                urls.add(Path.of(entry).toUri().toURL());
            }
            ClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
            Class<?> container = loader.loadClass("dev.hako.Container");
            Class<?> b = loader.loadClass("dev.hako.Container$Builder");
            builder = container.getMethod("builder");
            rootfs = b.getMethod("rootfs", Path.class);
            redirectInput = b.getMethod("redirectInput", Redirect.class);
            redirectOutput = b.getMethod("redirectOutput", Redirect.class);
            redirectError = b.getMethod("redirectError", Redirect.class);
            command = b.getMethod("command", String[].class);
            build = b.getMethod("build");
            start = container.getMethod("start");
            close = container.getMethod("close");
            fs = (Path) minimalRootfs(loader).getMethod("build", Path.class).invoke(null, dir.resolve(name));
        }

        /** Where MinimalRootfs lives: dev.hako.cli now, dev.hako.fs in older builds. */
        private static Class<?> minimalRootfs(ClassLoader loader) throws ClassNotFoundException {
            try {
                return loader.loadClass("dev.hako.cli.MinimalRootfs");
            } catch (ClassNotFoundException e) {
                return loader.loadClass("dev.hako.fs.MinimalRootfs");
            }
        }

        long once() throws Exception {
            long t0 = System.nanoTime();
            Object b = builder.invoke(null);
            rootfs.invoke(b, fs);
            redirectInput.invoke(b, Redirect.INHERIT);
            redirectOutput.invoke(b, Redirect.DISCARD);
            redirectError.invoke(b, Redirect.DISCARD);
            command.invoke(b, (Object) new String[] {"/bin/true"});
            Object c = build.invoke(b);
            ((Process) start.invoke(c)).waitFor();
            close.invoke(c);
            return System.nanoTime() - t0;
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: CompareBuilds STARTS OLD_CLASSPATH NEW_CLASSPATH");
            System.exit(2);
        }
        int n = Integer.parseInt(args[0]);
        Path dir = Files.createTempDirectory("hako-compare-");
        Build old = new Build("old", args[1], dir);
        Build now = new Build("new", args[2], dir);
        for (int i = 0; i < 200; i++) { // warm-up: JIT, lazily started threads, class loading
            old.once();
            now.once();
        }
        long[] a = new long[n];
        long[] b = new long[n];
        for (int i = 0; i < n; i++) {
            if (i % 2 == 0) {
                a[i] = old.once();
                b[i] = now.once();
            } else {
                b[i] = now.once();
                a[i] = old.once();
            }
        }
        long[] diff = new long[n];
        for (int i = 0; i < n; i++) {
            diff[i] = b[i] - a[i];
        }
        System.out.printf("%s: median %d us, p90 %d us; %s: median %d us, p90 %d us;"
                        + " paired difference: median %+d us (%+.1f%%)%n", old.name, micros(a, 50), micros(a, 90),
                now.name, micros(b, 50), micros(b, 90), micros(diff, 50), 100.0 * micros(diff, 50) / micros(a, 50));
        try (var all = Files.walk(dir)) { // the two rootfs copies: a temp directory per run otherwise piles up
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        System.exit(0); // the two builds' spawner and reaper threads
    }

    private static long micros(long[] values, int percentile) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, sorted.length * percentile / 100)] / 1000;
    }
}
