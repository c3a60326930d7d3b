package dev.hako.spawn;

import dev.hako.program.ChildProgram;

import dev.hako.Namespace;
import dev.hako.fs.EtcFiles;
import dev.hako.fs.MaskedPaths;
import dev.hako.fs.MountSetup;
import dev.hako.fs.RootfsSetup;
import dev.hako.linux.linux_h;
import dev.hako.net.Loopback;
import dev.hako.security.Privileges;
import dev.hako.seccomp.Filter;
import dev.hako.security.User;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes the child program of a container, in the order DESIGN.md gives: a clean fd
 * table, wait for the parent, namespaces and filesystem, hostname, working directory,
 * signals, exec.
 */
final class ContainerProgram {
    /**
     * Where the child's two private pipes land: the sync pipe's read end and the error
     * pipe's write end. Both are close-on-exec and stay open until then, so that every
     * descriptor the program opens gets {@link #FREE_FD}.
     */
    static final int SYNC_FD = 3;
    static final int ERROR_FD = 4;
    /** The lowest descriptor left free once the fd table is rebuilt; each later open gets it. */
    static final int FREE_FD = 5;
    /** The child's exit code when a step fails; the parent reads which one from the results. */
    static final int SETUP_FAILED_EXIT_CODE = 127;

    private ContainerProgram() {
    }

    static ChildProgram build(Arena arena, LaunchConfig config, Stdio stdio, int syncReadFd, int errorWriteFd,
                              List<EtcFiles.Entry> etcFiles) {
        ChildProgram.Builder p = ChildProgram.builder(arena);
        rebuildFdTable(p, stdio, syncReadFd, errorWriteFd);
        p.setsUpInternals("the child's process attributes");
        if (config.dieWithJvm()) {
            p.prctl(linux_h.PR_SET_PDEATHSIG(), "PR_SET_PDEATHSIG", linux_h.SIGKILL(), "SIGKILL")
                    .note("die with the JVM (bound to the spawner thread, which lives as long as the JVM)");
        }
        p.setsid().note("own session: no signals from the JVM's terminal");
        MountSetup mounts = new MountSetup();
        p.setsUpInternals("a private mount tree");
        RootfsSetup.makeSlave(p);
        mounts.openSources(p, config.mounts());
        p.setsUpInternals("the staging tmpfs for generated files and assembled roots");
        RootfsSetup.stage(p);
        EtcFiles.write(p, etcFiles);
        mounts.openEtcFiles(p, etcFiles);
        p.setsUp("the root filesystem " + config.rootfs(), "rootfs");
        String newRoot = RootfsSetup.mountRoot(p, config.rootfs());
        RootfsSetup.pivot(p, newRoot);
        p.setsUpInternals("/proc, /sys and /dev");
        RootfsSetup.mountSystem(p);
        p.setsUp("the writable directories of the host rootfs", "rootfs");
        RootfsSetup.mountWritableDirs(p, config.rootfs());
        mounts.attach(p, config.mounts());
        p.setsUp("masked and read-only paths", "maskedPaths/readonlyPaths");
        MaskedPaths.addSteps(p, config.maskedPaths(), config.readonlyPaths());
        if (config.namespaces().contains(Namespace.NETWORK)) {
            Loopback.addSteps(p);
        }
        if (config.hostname() != null) {
            p.setsUp("the hostname " + config.hostname(), "hostname");
            p.sethostname(config.hostname());
        }
        p.setsUp("the working directory " + config.workingDir(), "workingDir");
        RootfsSetup.makeDirectories(p, config.workingDir());
        if (config.readonlyRootfs()) {
            p.setsUp("a read-only root", "readonlyRootfs");
            RootfsSetup.makeRootReadonly(p);
        }
        // The namespace and filesystem work above runs while the parent places the child in
        // its cgroups; nothing of the container's own runs before this point.
        p.setsUpInternals("waiting for the parent to place the child in its cgroups");
        p.read(SYNC_FD, 1).zeroFails().note("wait until the parent has placed the child and releases it (EOF: it gave up)");
        if (config.namespaces().contains(Namespace.CGROUP)) {
            p.setsUpInternals("the cgroup namespace");
            p.unshare(linux_h.CLONE_NEWCGROUP())
                    .note("after the parent placed the child, so its own cgroup becomes the namespace's root");
        }
        // Always, also for root: setgroups clears the JVM's supplementary groups.
        Privileges.addSteps(p, config.user(), config.capabilities(), config.noNewPrivileges(), config.rlimits());
        p.setsUp("the working directory " + config.workingDir(), "workingDir");
        p.chdir(config.workingDir()).note("as the container's user, so its permissions apply");
        p.setsUpInternals("the signal mask");
        p.unblockAllSignals().note("handlers were reset to SIG_DFL by CLONE_CLEAR_SIGHAND, so this is safe");
        Filter filter = config.seccomp();
        if (filter != null) {
            p.setsUp("the seccomp filter", "seccomp");
            p.seccompFilter(filter.bytes(), filter.length(), filter.flagBits(), filter.toString())
                    .note("last before execve, so the profile only has to allow execve itself");
        }
        p.setsUp("the command " + config.command().get(0), ContainerLauncher.COMMAND);
        exec(p, config);
        return p.build();
    }

    /**
     * Moves the stdio sources to 0..2 and the private fds (the two pipes, then any more, all
     * close-on-exec) to 3, 4, ..., then closes everything else, so nothing of the JVM leaks
     * into the container. Sources are first copied above every fd involved, so that no move
     * overwrites a source still to be moved.
     */
    static void rebuildFdTable(ChildProgram.Builder p, Stdio stdio, int... privateFds) {
        p.setsUpInternals("the child's descriptor table");
        List<int[]> moves = new ArrayList<>();
        for (Stdio.Source s : stdio.sources()) {
            if (!s.isFile()) {
                moves.add(new int[] {s.parentFd(), s.target()});
            }
        }
        for (int i = 0; i < privateFds.length; i++) {
            moves.add(new int[] {privateFds[i], SYNC_FD + i});
        }
        int free = SYNC_FD + privateFds.length;
        int staging = Math.max(free, moves.stream().mapToInt(m -> m[0]).max().orElse(0) + 1);
        for (int[] m : moves) {
            p.dup3(m[0], staging + m[1], 0);
        }
        for (int[] m : moves) {
            p.dup3(staging + m[1], m[1], m[1] >= SYNC_FD ? linux_h.O_CLOEXEC() : 0);
        }
        p.closeFrom(free).note("no descriptor of the JVM leaks into the container");
        for (Stdio.Source s : stdio.sources()) {
            if (s.isFile()) {
                p.setsUp("the file " + s.file() + " as fd " + s.target(), s.option());
                int fd = p.open(s.file(), s.openFlags(), 0666);
                p.dup3(fd, s.target(), 0).close(fd);
            }
        }
        if (stdio.mergeStderr()) {
            p.dup3(1, 2, 0).note("stderr goes where stdout goes");
        }
    }

    private static void exec(ChildProgram.Builder p, LaunchConfig config) {
        exec(p, config.command(), config.env(), config.path());
    }

    /** Like execvp: a name without '/' is tried in each directory of the container's PATH. */
    static void exec(ChildProgram.Builder p, List<String> argv, Map<String, String> environment, String path) {
        long argvArray = p.cStringArray(argv);
        List<String> env = new ArrayList<>();
        for (Map.Entry<String, String> e : environment.entrySet()) {
            env.add(e.getKey() + "=" + e.getValue());
        }
        long envArray = p.cStringArray(env);
        List<String> candidates = candidates(argv.get(0), path);
        for (int i = 0; i < candidates.size(); i++) {
            p.execve(candidates.get(i), argvArray, argv, envArray, env.size());
            if (i < candidates.size() - 1) {
                p.mayFail();
            }
        }
    }

    static List<String> candidates(String command, String path) {
        if (command.contains("/")) {
            return List.of(command);
        }
        List<String> found = new ArrayList<>();
        for (String dir : path.split(":", -1)) {
            String d = dir.isEmpty() ? "." : dir;
            found.add(d.endsWith("/") ? d + command : d + "/" + command);
        }
        return found;
    }
}
