package dev.hako.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A system user made for one test class with useradd, removed with userdel when closed. A
 * system user gets no /etc/subuid range, so a container of it maps its one id only. Users
 * left by a test JVM that died (the pid is in the name) are removed by the next one.
 */
final class ThrowawayUser implements AutoCloseable {
    private static final String PREFIX = "hako-img-";

    final String name;
    final long uid;
    final long gid;
    final Path home;

    private ThrowawayUser(String name, long uid, long gid, Path home) {
        this.name = name;
        this.uid = uid;
        this.gid = gid;
        this.home = home;
    }

    /** Creates a user whose home directory will be {@code home} (not created here). */
    static ThrowawayUser create(Path home) throws IOException, InterruptedException {
        removeStale();
        String name = PREFIX + ProcessHandle.current().pid();
        run("useradd", "--system", "--user-group", "--no-create-home", "--home-dir", home.toString(),
                "--shell", "/usr/sbin/nologin", name);
        try {
            long uid = Long.parseLong(run("id", "-u", name).strip());
            long gid = Long.parseLong(run("id", "-g", name).strip());
            return new ThrowawayUser(name, uid, gid, home);
        } catch (IOException | RuntimeException | InterruptedException e) {
            run("userdel", name);
            throw e;
        }
    }

    /** The command prefix that runs a program as this user, with no supplementary groups and no capabilities. */
    List<String> asUser() {
        return List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--");
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run("userdel", name); // USERGROUPS_ENAB: its group goes with it
    }

    private static void removeStale() throws IOException, InterruptedException {
        for (String line : run("getent", "passwd").split("\n")) {
            String user = line.split(":", 2)[0];
            if (user.startsWith(PREFIX)) {
                try {
                    long pid = Long.parseLong(user.substring(PREFIX.length()));
                    if (ProcessHandle.of(pid).isEmpty()) {
                        run("userdel", user);
                    }
                } catch (NumberFormatException e) {
                    // not one of ours
                }
            }
        }
    }

    /** Runs a command, returning its output; fails with the output when it exits non-zero. */
    static String run(String... command) throws IOException, InterruptedException {
        return run(List.of(command));
    }

    static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish: " + out);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }
}
