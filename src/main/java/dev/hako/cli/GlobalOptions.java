package dev.hako.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * runc's global options, which come before the command.
 *
 * @param root where containers' state lives ({@code --root})
 * @param log the log file ({@code --log}), or null for stderr
 * @param rootless {@code true}, {@code false} or {@code auto}: accepted, hako decides by itself
 * @param criu accepted and ignored (there is no checkpointing)
 */
record GlobalOptions(Path root, Path log, LogFile.Format logFormat, boolean debug, boolean systemdCgroup,
                     String rootless, String criu, boolean version, boolean help) {

    static final List<Flag> FLAGS = List.of(
            Flag.bool("debug", "enable debug logging"),
            Flag.string("log", "set the log file to write hako's logs to (default is '/dev/stderr')"),
            Flag.string("log-format", "set the log format ('text' (default), or 'json')"),
            Flag.string("root", "root directory for storage of container state (this should be located in tmpfs)"),
            Flag.string("criu", "accepted for runc's callers; hako does not checkpoint"),
            Flag.bool("systemd-cgroup", "accepted; hako places containers by cgroupfs paths"),
            Flag.string("rootless", "ignore cgroup permission errors ('true', 'false', or 'auto')"),
            Flag.bool("version", "print the version", "v"));

    /** The default root: /run/hako for root, $XDG_RUNTIME_DIR/hako for other users that have one. */
    static Path defaultRoot(Map<String, String> env, long euid) {
        String xdg = env.get("XDG_RUNTIME_DIR");
        if (euid != 0 && xdg != null && !xdg.isEmpty()) {
            return Path.of(xdg, "hako");
        }
        return Path.of("/run/hako");
    }

    static GlobalOptions of(ParsedArgs p, Map<String, String> env, long euid, Path cwd) throws UsageException {
        Path root = defaultRoot(env, euid);
        if (p.isSet("root")) {
            root = cwd.resolve(p.string("root")).normalize();
            if (root.getNameCount() == 0) {
                throw new UsageException("Option --root argument should not be set to /");
            }
        }
        String rootless = p.isSet("rootless") ? p.string("rootless") : "auto";
        if (!List.of("true", "false", "auto", "1", "0", "t", "f", "TRUE", "FALSE", "True", "False", "AUTO", "Auto")
                .contains(rootless)) {
            throw new UsageException("invalid --rootless value " + GoSyntax.quote(rootless)
                    + ": use true, false or auto");
        }
        String log = p.string("log");
        return new GlobalOptions(root, log == null || log.isEmpty() ? null : cwd.resolve(log),
                LogFile.Format.of(p.isSet("log-format") ? p.string("log-format") : "text"),
                p.bool("debug"), p.bool("systemd-cgroup"), rootless, p.string("criu"), p.bool("version"), p.help());
    }

    /** This process's effective uid, from /proc/self/status: no native call for a number. */
    static long effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.substring(4).strip().split("\\s+")[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through: treat as root's default, where an unreadable /proc points anyway
        }
        return 0;
    }
}
