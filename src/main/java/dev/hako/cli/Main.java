package dev.hako.cli;

import dev.hako.Container;
import dev.hako.ContainerProcess;
import dev.hako.Namespace;
import dev.hako.linux.Kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * The {@code hako} command: {@code java dev.hako.cli.Main [global options] <command> [args...]},
 * runc's command line ({@link Cli}) plus {@code demo}.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        int code = Cli.run(List.of(args), Io.system(), Clock.systemUTC());
        System.out.flush();
        if (code != 0) {
            System.exit(code);
        }
    }

    static int demo(List<String> args) throws Exception {
        if (!args.isEmpty()) {
            System.err.println("hako demo: takes no arguments, got " + args);
            return 2;
        }
        // ps not last, or the shell would exec it and ps would be PID 1 instead of the shell
        String script = "echo \"hostname: $(hostname)\"; id; ps -o pid,user,comm; exit";
        Path rootfs = Files.createTempDirectory("hako-demo-");
        try {
            MinimalRootfs.build(rootfs);
            System.out.println("hako demo: running /bin/sh -c '" + script + "'");
            boolean rootless = Kernel.rootless();
            System.out.println("  in a container with namespaces " + Namespace.all()
                    + (rootless ? " and a user namespace (rootless: your uid " + Kernel.effectiveUid() + " is root inside)"
                    : "") + " and hostname hako-demo, on a minimal rootfs in " + rootfs);
            System.out.println();
            System.out.flush();
            try (Container container = Container.builder()
                    .rootfs(rootfs)
                    .namespaces(Namespace.all())
                    .hostname("hako-demo")
                    .command("/bin/sh", "-c", script)
                    .inheritIO()
                    .build()) {
                ContainerProcess process = container.start();
                var status = process.awaitStatus();
                System.out.println();
                System.out.println("hako demo: container " + container.id() + " " + status);
                return status.toExitValue();
            }
        } finally {
            MinimalRootfs.delete(rootfs);
        }
    }

}
