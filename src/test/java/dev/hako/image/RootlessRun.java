package dev.hako.image;

import dev.hako.Container;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A child JVM of {@link RootlessImageIT}, run as an unprivileged user: imports a docker save
 * archive into the user's store and runs a container from it, printing what the container
 * printed.
 */
public final class RootlessRun {
    private RootlessRun() {
    }

    /** {@code <docker archive> <its tag> <shell script to run as the container's root>}. */
    public static void main(String[] args) throws IOException, InterruptedException {
        Image image = LayerStore.open().importDockerArchive(Path.of(args[0]), args[1]);
        Container.Result r = Container.builder().image(image).entrypoint("/bin/sh", "-c", args[2])
                .user("0").workingDir("/").run();
        System.out.print(r.stdout());
        System.err.print(r.stderr());
        System.exit(r.exitCode());
    }
}
