package dev.hako.cli;

import dev.hako.oci.OciException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/** {@code spec} (a starter config.json) and {@code features} (what hako implements), from dev.hako.spec. */
final class SpecFiles {

    /** What {@code spec} and {@code features} say until dev.hako.spec is wired in; tests look for it. */

    private SpecFiles() {
    }

    static List<Command> commands() {
        return List.of(
                Command.of("spec", "", "create a new specification file", 0,
                        List.of(Flag.string("bundle", "path to the root of the bundle directory", "b"),
                                Flag.bool("rootless", "generate a configuration for a rootless container")),
                        SpecFiles::spec),
                Command.of("features", "", "show the enabled features", 0, List.of(), inv -> {
                    inv.io().out().print(featuresJson().strip() + "\n");
                    inv.io().out().flush();
                    return 0;
                }));
    }

    /** runc's {@code specconv.Example()}, made rootless on request, as the JSON of config.json. */
    static String exampleConfigJson(boolean rootless) {
        return dev.hako.spec.Spec.example(rootless).toJson();
    }

    /** The runtime-spec features document. */
    static String featuresJson() {
        return dev.hako.spec.Features.json();
    }
    // ---- end of the call sites ----

    /**
     * Refuses to replace a config.json, as runc does; also one that is a symbolic link,
     * dangling or not (runc would write through it), and a race with another writer
     * (created exclusively).
     */
    private static int spec(Invocation inv) throws IOException {
        Path bundle = inv.path("bundle");
        Path dir = bundle == null ? inv.io().cwd() : bundle;
        if (!Files.isDirectory(dir)) {
            throw new OciException("chdir " + dir + ": no such file or directory");
        }
        Path config = dir.resolve("config.json");
        if (Files.exists(config, LinkOption.NOFOLLOW_LINKS)) {
            throw new OciException("File config.json exists. Remove it first");
        }
        byte[] json = exampleConfigJson(inv.args().bool("rootless")).getBytes(StandardCharsets.UTF_8);
        try {
            Files.write(config, json, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            throw new OciException("File config.json exists. Remove it first", e);
        }
        return 0;
    }
}
