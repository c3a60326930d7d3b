package dev.hako.spawn;

import dev.hako.ContainerException;
import dev.hako.linux.Kernel;
import dev.hako.linux.linux_h;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The command's {@code oom_score_adj} ({@code oomScoreAdj}), written by the JVM to
 * {@code /proc/PID/oom_score_adj} once the command has exec'd, before the start returns.
 *
 * <p>Not by the child before its execve, as runc's init does: the child shares the JVM's
 * memory until then (CLONE_VM), and the kernel gives every process on one memory the same
 * score (a write to one of them is copied to all the others that share it, so that the OOM
 * killer never picks a process whose memory it cannot free): the JVM, and any other
 * container's child still before its execve, would take the container's score. After execve
 * the command has a memory of its own, and the write is its alone.
 */
final class OomScore {
    private OomScore() {
    }

    /** Writes {@code config.oomScoreAdj()}, if set, for the exec'd command {@code pid}. */
    static void set(LaunchConfig config, long pid) throws ContainerException {
        Integer adj = config.oomScoreAdj();
        if (adj == null) {
            return;
        }
        Path file = Path.of("/proc/" + pid + "/oom_score_adj");
        try {
            Files.writeString(file, Integer.toString(adj), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            String reason = e.getMessage();
            // EACCES, whichever exception says it: the kernel's one refusal of a value in range.
            if (adj < jvmScoreValue() && !Kernel.hasCapability(linux_h.CAP_SYS_RESOURCE())) {
                throw new ContainerException("starting container " + config.id() + ": oomScoreAdj(" + adj
                        + ") lowers the score below the JVM's own (" + jvmScore() + "), which needs CAP_SYS_RESOURCE,"
                        + " and this JVM lacks it (see CapEff in /proc/self/status): give a value of at least the"
                        + " JVM's, or run the JVM with CAP_SYS_RESOURCE", e);
            }
            throw new ContainerException("starting container " + config.id() + ": oomScoreAdj(" + adj
                    + "): writing " + file + " failed: " + reason, e);
        }
    }

    private static int jvmScoreValue() {
        try {
            return Integer.parseInt(jvmScore());
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }

    private static String jvmScore() {
        try {
            return Files.readString(Path.of("/proc/self/oom_score_adj")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
