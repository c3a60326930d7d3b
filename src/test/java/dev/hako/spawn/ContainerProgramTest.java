package dev.hako.spawn;

import dev.hako.Mount;
import dev.hako.Namespace;
import dev.hako.Rootfs;
import dev.hako.fs.EtcFiles;
import dev.hako.fs.RootfsSetup;
import dev.hako.linux.linux_h;
import dev.hako.program.ChildProgram;
import dev.hako.security.Capabilities;
import dev.hako.security.ResourceLimit;
import dev.hako.security.User;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ProcessBuilder.Redirect;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Container plans, asserted without root: the child program is data. */
class ContainerProgramTest {

    private static LaunchConfig config(Set<Namespace> namespaces, String hostname, boolean readonly,
                                       Redirect out, boolean merge) {
        return config(new Rootfs.Directory(Path.of("/srv/root")), List.of(), namespaces, hostname, readonly, out, merge);
    }

    private static LaunchConfig config(Rootfs rootfs, List<Mount> mounts, Set<Namespace> namespaces, String hostname,
                                       boolean readonly, Redirect out, boolean merge) {
        return config(rootfs, mounts, namespaces, hostname, readonly, Redirect.INHERIT, out, Redirect.INHERIT, merge);
    }

    private static LaunchConfig config(Rootfs rootfs, List<Mount> mounts, Set<Namespace> namespaces, String hostname,
                                       boolean readonly, Redirect in, Redirect out, Redirect err, boolean merge) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/bin:/bin");
        TestConfig t = new TestConfig();
        t.rootfs = rootfs;
        t.mounts = mounts;
        t.namespaces = namespaces;
        t.hostname = hostname;
        t.env = env;
        t.workingDir = "/work/dir";
        t.readonlyRootfs = readonly;
        t.stdin = in;
        t.stdout = out;
        t.stderr = err;
        t.redirectErrorStream = merge;
        return t.build();
    }

    private static final List<EtcFiles.Entry> ETC = List.of(
            new EtcFiles.Entry("hostname", "box\n", "/etc/hostname"),
            new EtcFiles.Entry("hosts", "127.0.0.1\tlocalhost\n", "/etc/hosts"));

    private static String plan(LaunchConfig config) throws Exception {
        try (Arena arena = Arena.ofConfined(); Stdio stdio = Stdio.open(config)) {
            try {
                return ContainerProgram.build(arena, config, stdio, 40, 41, ETC).toString();
            } finally {
                stdio.closeChildEnds();
            }
        }
    }

    static void assertInOrder(String plan, String... fragments) {
        int at = 0;
        for (String f : fragments) {
            int found = plan.indexOf(f, at);
            assertTrue(found >= 0, "expected '" + f + "' after position " + at + " in plan:\n" + plan);
            at = found + f.length();
        }
    }

    @Test
    void fullContainerPlanFollowsTheStartSequence() throws Exception {
        String plan = plan(config(Namespace.all(), "box", false, Redirect.INHERIT, false));
        assertInOrder(plan,
                "dup3(0, 42, 0)", "dup3(40, 45, 0)", "dup3(41, 46, 0)",
                "dup3(42, 0, 0)", "dup3(46, 4, O_CLOEXEC)",
                "close_range(5, ~0U, 0)",
                "prctl(PR_SET_PDEATHSIG, SIGKILL)",
                "setsid()",
                "mount(NULL, \"/\", NULL, MS_REC|MS_SLAVE, NULL)",
                "mount(\"tmpfs\", \"/run/hako\", \"tmpfs\", MS_NOSUID|MS_NODEV, \"mode=700\")",
                "openat(AT_FDCWD, \"/run/hako/hostname\", O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC, 0644)  # gets fd 5",
                "write(5, <4 bytes>, 4)", "close(5)",
                "open_tree(AT_FDCWD, \"/run/hako/hostname\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC)  # a detached copy of the source; gets fd 5",
                "open_tree(AT_FDCWD, \"/run/hako/hosts\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC)  # a detached copy of the source; gets fd 6",
                "mount(\"/srv/root\", \"/srv/root\", NULL, MS_BIND|MS_REC, NULL)",
                "openat(AT_FDCWD, \"/\", O_RDONLY|O_DIRECTORY|O_CLOEXEC", "gets fd 7", "chdir(\"/srv/root\")",
                "pivot_root(\".\", \".\")", "fchdir(7)", "umount2(\".\", MNT_DETACH)", "close(7)", "chdir(\"/\")",
                "mount(\"proc\", \"/proc\", \"proc\", MS_NOSUID|MS_NODEV|MS_NOEXEC, NULL)",
                "mount(\"sysfs\", \"/sys\", \"sysfs\", MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC, NULL)",
                "mount(\"tmpfs\", \"/dev\", \"tmpfs\"",
                "mknodat(AT_FDCWD, \"/dev/null\", S_IFCHR|0666, makedev(1, 3))",
                "mount(\"devpts\", \"/dev/pts\", \"devpts\"", "newinstance",
                "symlinkat(\"/proc/self/fd\", AT_FDCWD, \"/dev/fd\")",
                "openat(AT_FDCWD, \"/etc/hostname\", O_WRONLY|O_CREAT|O_CLOEXEC, 0644)  [may fail]",
                "move_mount(5, \"\", AT_FDCWD, \"/etc/hostname\", MOVE_MOUNT_F_EMPTY_PATH|MOVE_MOUNT_T_SYMLINKS)",
                "close(5)", "move_mount(6, ", "close(6)",
                // Per masked path: one faccessat when it is missing (it skips the other five),
                // else a lookup inside it that tells a directory from a file, and the one mask
                // that fits: no mount is tried that can fail.
                "-- masked path /proc/acpi (maskedPaths)",
                "faccessat(AT_FDCWD, \"/proc/acpi\", F_OK)  [skips 5 if missing]  # is it there?",
                "faccessat(AT_FDCWD, \"/proc/acpi/.hako-not-a-directory-if-this-is-not-found\", F_OK)"
                        + "  [may fail, skips 3 if missing]  # ENOENT inside a directory, ENOTDIR for a file",
                "mount(\"/dev/null\", \"/proc/acpi\", NULL, MS_BIND, NULL)  # masked: a file",
                "mount_setattr(AT_FDCWD, \"/proc/acpi\", 0, {attr_set=MOUNT_ATTR_RDONLY}, ",
                "faccessat(AT_FDCWD, \"\", F_OK)  [skips 1 if missing]  # jump: the empty path is never there",
                "mount(\"tmpfs\", \"/proc/acpi\", \"tmpfs\", MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC, NULL)"
                        + "  # masked: a directory",
                "-- masked path /proc/kcore (maskedPaths)",
                "faccessat(AT_FDCWD, \"/proc/kcore\", F_OK)  [skips 5 if missing]",
                "-- read-only path /proc/sys (readonlyPaths)",
                "faccessat(AT_FDCWD, \"/proc/sys\", F_OK)  [skips 2 if missing]  # is it there?",
                "mount(\"/proc/sys\", \"/proc/sys\", NULL, MS_BIND|MS_REC, NULL)\n",
                "mount_setattr(AT_FDCWD, \"/proc/sys\", 0, {attr_set=MOUNT_ATTR_RDONLY}", "# read-only",
                "socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC, 0)", "ioctl(5, SIOCSIFFLAGS", "close(5)",
                "sethostname(\"box\", 3)",
                "mkdirat(AT_FDCWD, \"/work\", 0755)  [may fail]", "mkdirat(AT_FDCWD, \"/work/dir\", 0755)  [may fail]",
                "read(3, buf, 1)  [0 fails]", "unshare(CLONE_NEWCGROUP)",
                "prctl(PR_CAPBSET_DROP, CAP_DAC_READ_SEARCH)", "prctl(PR_SET_KEEPCAPS, 1)",
                "setgroups(0, [])", "setresgid(0, 0, 0)", "setresuid(0, 0, 0)",
                "capset({_LINUX_CAPABILITY_VERSION_3, 0}, {effective=permitted=CAP_CHOWN|", ", inheritable=0})",
                "prctl(PR_SET_NO_NEW_PRIVS, 1)",
                "chdir(\"/work/dir\")",
                "rt_sigprocmask(SIG_SETMASK, [], NULL, 8)",
                "execve(\"/usr/bin/sh\", [\"sh\", \"-c\", \"true\"], [1 vars])  [may fail]",
                "execve(\"/bin/sh\", [\"sh\", \"-c\", \"true\"], [1 vars])\n");
        assertFalse(plan.contains("mount(NULL, \"/\", NULL, MS_RDONLY|MS_REMOUNT|MS_BIND, NULL)"), "not read-only");
        assertFalse(plan.contains("PR_CAP_AMBIENT_RAISE"), "root needs no ambient set, as under Docker:\n" + plan);
        assertFalse(plan.contains("MS_BIND, NULL)  [may fail]"), "no mask is tried that can fail:\n" + plan);
    }

    @Test
    void securityFollowsTheUserInTheDesignsOrderAndEachStepNamesItsOption() throws Exception {
        LaunchConfig base = config(Namespace.all(), null, false, Redirect.INHERIT, false);
        LaunchConfig config = TestConfig.of(base).user(new User(1000, 100, List.of(27, 44), "/home/u"))
                .capabilities(Capabilities.of(List.of("NET_BIND_SERVICE"), List.of("ALL"))).noNewPrivileges(false)
                .rlimits(List.of(ResourceLimit.of("NOFILE", 100, 200))).build();
        String plan = plan(config);
        assertInOrder(plan,
                "read(3, buf, 1)  [0 fails]",
                "-- the capability bounding set CAP_NET_BIND_SERVICE (capAdd/capDrop)",
                "prctl(PR_CAPBSET_DROP, CAP_CHOWN)", "prctl(PR_CAPBSET_DROP, CAP_NET_BROADCAST)",
                "prctl(PR_SET_KEEPCAPS, 1)",
                "(user)", "setgroups(2, [27, 44])", "setresgid(100, 100, 100)", "setresuid(1000, 1000, 1000)",
                "(capAdd/capDrop)",
                "capset({_LINUX_CAPABILITY_VERSION_3, 0}, {effective=permitted=inheritable=CAP_NET_BIND_SERVICE})",
                "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE)",
                "-- the limit RLIMIT_NOFILE=100:200 (rlimit)",
                "prlimit64(0, RLIMIT_NOFILE, {rlim_cur=100, rlim_max=200}, NULL)",
                "rt_sigprocmask(SIG_SETMASK, [], NULL, 8)");
        assertFalse(plan.contains("PR_CAPBSET_DROP, CAP_NET_BIND_SERVICE"), plan);
        assertFalse(plan.contains("PR_SET_NO_NEW_PRIVS"), "noNewPrivileges(false):\n" + plan);
    }

    @Test
    void aNonRootUserWithoutCapAddKeepsNoCapability() throws Exception {
        LaunchConfig base = config(Namespace.all(), null, false, Redirect.INHERIT, false);
        LaunchConfig config = TestConfig.of(base).user(new User(1000, 1000, List.of(), "/")).build();
        String plan = plan(config);
        assertInOrder(plan, "setresuid(1000, 1000, 1000)",
                "capset({_LINUX_CAPABILITY_VERSION_3, 0}, {effective=permitted=inheritable=0})",
                "prctl(PR_SET_NO_NEW_PRIVS, 1)");
        assertFalse(plan.contains("PR_CAP_AMBIENT_RAISE"), plan);
    }

    @Test
    void seccompIsTheLastStepBeforeExecve() throws Exception {
        LaunchConfig c = config(Namespace.all(), null, false, Redirect.INHERIT, false);
        LaunchConfig s = TestConfig.of(c).seccomp(dev.hako.seccomp.Profile.dockerDefault().compile(dev.hako.seccomp.Arch.host()))
                .build();
        String plan = plan(s);
        assertInOrder(plan, "rt_sigprocmask(SIG_SETMASK, [], NULL", "seccomp(SECCOMP_SET_MODE_FILTER, 0, {len=", "execve(");
        assertFalse(plan(c).contains("seccomp("), "unconfined: no filter");
    }

    @Test
    void aGivenDeviceIsMadeInDevWithItsParentsAfterTheStandardOnes() throws Exception {
        LaunchConfig c = config(Namespace.all(), null, false, Redirect.INHERIT, false);
        var disk = new dev.hako.fs.DeviceNode("/dev/disks/xvdc", new dev.hako.linux.DeviceFile(true, 8, 32, 0660, 0, 6),
                "/dev/xvdc");
        LaunchConfig d = TestConfig.of(c).devices(List.of(disk)).build();
        String plan = plan(d);
        assertInOrder(plan, "umask(00)", "mknodat(AT_FDCWD, \"/dev/null\", S_IFCHR|0666, makedev(1, 3))",
                "mknodat(AT_FDCWD, \"/dev/tty\", S_IFCHR|0666, makedev(5, 0))",
                "-- the device /dev/disks/xvdc (device)", "mkdirat(AT_FDCWD, \"/dev/disks\", 0755)",
                "mknodat(AT_FDCWD, \"/dev/disks/xvdc\", S_IFBLK|0660, makedev(8, 32))",
                "fchownat(AT_FDCWD, \"/dev/disks/xvdc\", 0, 6, AT_SYMLINK_NOFOLLOW)", "umask(022)");
        assertFalse(plan(c).contains("S_IFBLK"), "no device given, none made:\n" + plan(c));
    }

    @Test
    void leavesOutWhatTheNamespacesDoNotNeed() throws Exception {
        String plan = plan(config(EnumSet.of(Namespace.MOUNT, Namespace.PID), null, false, Redirect.INHERIT, false));
        assertFalse(plan.contains("socket("), "no network namespace, no loopback to bring up:\n" + plan);
        assertFalse(plan.contains("sethostname"), plan);
        assertFalse(plan.contains("unshare"), plan);
    }

    @Test
    void readonlyRootIsRemountedAfterTheWorkingDirectoryExists() throws Exception {
        String plan = plan(config(Namespace.all(), null, true, Redirect.INHERIT, false));
        assertInOrder(plan, "mkdirat(AT_FDCWD, \"/work/dir\"",
                "mount(NULL, \"/\", NULL, MS_RDONLY|MS_REMOUNT|MS_BIND, NULL)", "chdir(\"/work/dir\")");
    }

    @Test
    void filesAreOpenedByTheChildAndMergedStderrFollowsStdout() throws Exception {
        String plan = plan(config(Namespace.all(), null, false, Redirect.appendTo(new File("/tmp/out.log")), true));
        assertInOrder(plan, "close_range(5, ~0U, 0)",
                "openat(AT_FDCWD, \"/tmp/out.log\", O_WRONLY|O_CREAT|O_APPEND, 0666)  # gets fd 5",
                "dup3(5, 1, 0)", "close(5)",
                "dup3(1, 2, 0)");
    }

    /**
     * With every stream piped, the child's 0, 1 and 2 must come from the pipes the parent
     * made, not from the JVM's own 0, 1 and 2 (as with inherit). So for each target the plan
     * is followed back through its staging copy to the parent fd it dup3s from, and that fd
     * is shown to be the other end of the JVM's stream: bytes written to the JVM's stdin
     * come out of it, bytes written into it come out of the JVM's stdout or stderr. Each
     * read first asks the pipe how much it holds, so a wrong pipe fails instead of blocking.
     */
    @Test
    void pipesGiveTheChildItsEnds() throws Exception {
        LaunchConfig piped = config(new Rootfs.Directory(Path.of("/srv/root")), List.of(), Namespace.all(), null, false,
                Redirect.PIPE, Redirect.PIPE, Redirect.PIPE, false);
        try (Arena arena = Arena.ofConfined(); Stdio stdio = Stdio.open(piped)) {
            try {
                String plan = ContainerProgram.build(arena, piped, stdio, 40, 41, ETC).toString();
                int in = dup3SourceOf(plan, 0);
                int out = dup3SourceOf(plan, 1);
                int err = dup3SourceOf(plan, 2);
                assertEquals(3, new HashSet<>(List.of(in, out, err)).size(), "three different pipes:\n" + plan);
                for (int fd : new int[] {in, out, err}) {
                    assertTrue(fd > 2, "a piped stream dup3s from the JVM's own fd " + fd + ":\n" + plan);
                    assertTrue(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString().startsWith("pipe:"),
                            "fd " + fd + " is not a pipe");
                }

                stdio.stdin().write("to the child\n".getBytes(StandardCharsets.US_ASCII));
                stdio.stdin().flush();
                try (FileInputStream childStdin = new FileInputStream("/proc/self/fd/" + in)) {
                    assertEquals(13, childStdin.available(), "fd " + in + " is not the read end of the JVM's stdin pipe");
                    assertEquals("to the child\n", new String(childStdin.readNBytes(13), StandardCharsets.US_ASCII));
                }
                assertEndOf(out, stdio.stdout(), "stdout");
                assertEndOf(err, stdio.stderr(), "stderr");
            } finally {
                stdio.closeChildEnds();
            }
        }
    }

    /** Writes through the child's end {@code fd} and expects the bytes on the JVM's stream. */
    private static void assertEndOf(int fd, InputStream jvmEnd, String name) throws IOException {
        byte[] bytes = ("from the child's " + name + "\n").getBytes(StandardCharsets.US_ASCII);
        try (FileOutputStream childEnd = new FileOutputStream("/proc/self/fd/" + fd)) {
            childEnd.write(bytes);
        }
        assertEquals(bytes.length, jvmEnd.available(), "fd " + fd + " is not the write end of the JVM's " + name + " pipe");
        assertEquals(new String(bytes, StandardCharsets.US_ASCII),
                new String(jvmEnd.readNBytes(bytes.length), StandardCharsets.US_ASCII));
    }

    /**
     * The parent fd that the child's {@code target} comes from: the plan dup3s each source to
     * a staging number first ({@code dup3(source, staging, 0)}), then the staging number to
     * the target ({@code dup3(staging, target, 0)}).
     */
    private static int dup3SourceOf(String plan, int target) {
        Matcher last = Pattern.compile("dup3\\((\\d+), " + target + ", 0\\)").matcher(plan);
        assertTrue(last.find(), "no dup3 to fd " + target + ":\n" + plan);
        String staging = last.group(1);
        Matcher first = Pattern.compile("dup3\\((\\d+), " + staging + ", 0\\)").matcher(plan);
        assertTrue(first.find() && first.start() < last.start(), "nothing dup3'd to staging fd " + staging + ":\n" + plan);
        return Integer.parseInt(first.group(1));
    }

    @Test
    void commandLookupFollowsExecvp() {
        assertEquals(List.of("/bin/x"), ContainerProgram.candidates("/bin/x", "/usr/bin:/bin"));
        assertEquals(List.of("./x"), ContainerProgram.candidates("./x", "/usr/bin"));
        assertEquals(List.of("/usr/bin/x", "./x", "/bin/x"), ContainerProgram.candidates("x", "/usr/bin::/bin"));
    }

    @Test
    void cloneFlagsShareMemoryAndClearHandlers() {
        long flags = ContainerLauncher.cloneFlags(EnumSet.of(Namespace.MOUNT, Namespace.CGROUP));
        assertEquals(linux_h.CLONE_VM() | linux_h.CLONE_PIDFD() | linux_h.CLONE_CLEAR_SIGHAND() | linux_h.CLONE_NEWNS(), flags,
                "the cgroup namespace is unshared by the child, not at clone");
    }

    @Test
    void overlayIsAssembledOnAPrivateStagingTmpfs() throws Exception {
        Rootfs overlay = new Rootfs.Overlay(List.of(Path.of("/l/top"), Path.of("/l/base")), null);
        String plan = plan(config(overlay, List.of(), Namespace.all(), null, false, Redirect.INHERIT, false));
        assertInOrder(plan, "mount(\"tmpfs\", \"/run/hako\", \"tmpfs\", MS_NOSUID|MS_NODEV, \"mode=700\")", "open_tree(",
                "mkdirat(AT_FDCWD, \"/run/hako/root\", 0755)", "mkdirat(AT_FDCWD, \"/run/hako/upper\"",
                "mount(\"overlay\", \"/run/hako/root\", \"overlay\", 0, \"lowerdir=/l/top:/l/base,upperdir=/run/hako/upper,workdir=/run/hako/work\")",
                "chdir(\"/run/hako/root\")", "pivot_root(");
        Rootfs kept = new Rootfs.Overlay(List.of(Path.of("/l/base")), Path.of("/keep/upper"));
        assertTrue(plan(config(kept, List.of(), Namespace.all(), null, false, Redirect.INHERIT, false))
                .contains("lowerdir=/l/base,upperdir=/keep/upper,workdir=/keep/upper.work"));
    }

    @Test
    void bindSourcesAreOpenedBeforeThePivotAndAttachedAfterIt() throws Exception {
        List<Mount> mounts = List.of(
                Mount.bind(Path.of("/tmp"), "/data/in").readOnly(),
                Mount.tmpfs("/scratch").size(1 << 20).mode(0700));
        String plan = plan(config(new Rootfs.Directory(Path.of("/srv/root")), mounts, Namespace.all(), null, false,
                Redirect.INHERIT, false));
        assertInOrder(plan,
                "open_tree(AT_FDCWD, \"/tmp\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_RECURSIVE)  # a detached copy of the source; gets fd 5",
                "mount(\"tmpfs\", \"/run/hako\"",
                "pivot_root(",
                "mkdirat(AT_FDCWD, \"/data\", 0755)  [may fail]", "mkdirat(AT_FDCWD, \"/data/in\", 0755)  [may fail]",
                "mount_setattr(5, \"\", AT_EMPTY_PATH|AT_RECURSIVE, {attr_set=MOUNT_ATTR_RDONLY}, 32)",
                "move_mount(5, \"\", AT_FDCWD, \"/data/in\", MOVE_MOUNT_F_EMPTY_PATH|MOVE_MOUNT_T_SYMLINKS)",
                "close(5)", "mount(NULL, \"/data/in\", NULL, MS_REC|MS_PRIVATE, NULL)",
                "mount(\"tmpfs\", \"/scratch\", \"tmpfs\", MS_NOSUID|MS_NODEV, \"mode=700,size=1048576\")");
    }

    @Test
    void hostRootfsShowsHostDirectoriesReadOnly() throws Exception {
        String plan = plan(config(new Rootfs.Host(List.of("/tmp")), List.of(), Namespace.all(), null, false,
                Redirect.INHERIT, false));
        assertInOrder(plan, "mount(\"tmpfs\", \"/run/hako/root\", \"tmpfs\"",
                "mount(\"/usr\", \"/run/hako/root/usr\", NULL, MS_BIND|MS_REC, NULL)",
                "mount(NULL, \"/run/hako/root/usr\", NULL, MS_RDONLY|MS_REMOUNT|MS_BIND, NULL)",
                "pivot_root(", "mount(\"tmpfs\", \"/tmp\", \"tmpfs\"");
    }

    private static LaunchConfig withSecurity(LaunchConfig c, boolean noNewPrivileges, dev.hako.seccomp.Filter filter) {
        return TestConfig.of(c).noNewPrivileges(noNewPrivileges).seccomp(filter).build();
    }

    private static String plan(LaunchConfig config, List<dev.hako.fs.CgroupView.Hierarchy> cgroups) throws Exception {
        try (Arena arena = Arena.ofConfined(); Stdio stdio = Stdio.open(config)) {
            try {
                return ContainerProgram.build(arena, config, stdio, 40, 41, ETC, cgroups).toString();
            } finally {
                stdio.closeChildEnds();
            }
        }
    }

    @Test
    void cgroupViewIsBoundBeforeTheWaitAndTheFilterIsLastWithNoNewPrivs() throws Exception {
        dev.hako.seccomp.Filter filter = dev.hako.seccomp.Profile.dockerDefault().compile(dev.hako.seccomp.Arch.host());
        List<dev.hako.fs.CgroupView.Hierarchy> view = List.of(
                new dev.hako.fs.CgroupView.Hierarchy("memory", "/sys/fs/cgroup/memory/hako/c1"));
        LaunchConfig base = withSecurity(config(Namespace.all(), "box", false, Redirect.INHERIT, false), true, filter);
        // the copy is taken in the host's view, put in place after /sys, all before the wait
        assertInOrder(plan(base, view), "open_tree(AT_FDCWD, \"/sys/fs/cgroup/memory/hako/c1\"", "pivot_root(",
                "mount(\"sysfs\", \"/sys\"", "mount(\"tmpfs\", \"/sys/fs/cgroup\"",
                "AT_FDCWD, \"/sys/fs/cgroup/memory\"", "read(3, ", "unshare(CLONE_NEWCGROUP)",
                "prctl(PR_CAPBSET_DROP", "capset(", "prctl(PR_SET_NO_NEW_PRIVS", "seccomp(", "execve(");
        // without no_new_privs seccomp(2) needs CAP_SYS_ADMIN: the filter goes in before the capabilities go
        assertInOrder(plan(withSecurity(base, false, filter), view), "unshare(CLONE_NEWCGROUP)",
                "seccomp(", "prctl(PR_CAPBSET_DROP", "capset(", "execve(");
    }

    @Test
    void theRoomLeftForTheCommandHoldsTheMostItCanAdd() throws Exception {
        // The launcher writes the part after the wait once the child runs, into the room its
        // first part left: the bound must hold for the largest such part, here a non-root
        // user with every capability (each dropped from nothing, each raised into the
        // ambient set), the filter twice over (before and after), rlimits, a long PATH.
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", String.join(":", java.util.Collections.nCopies(40, "/opt/bin")));
        TestConfig big = new TestConfig();
        big.env = env;
        big.command = List.of("sh");
        LaunchConfig config = big.user(new User(1000, 1000, List.of(1, 2, 3), "/"))
                .capabilities(Capabilities.of(List.of("ALL"), List.of())).noNewPrivileges(false)
                .rlimits(List.of(ResourceLimit.of("NOFILE", 10, 20), ResourceLimit.of("NPROC", 10, 20),
                        ResourceLimit.of("CORE", 0, 0), ResourceLimit.of("STACK", 8192, 8192)))
                .seccomp(dev.hako.seccomp.Profile.dockerDefault().compile(dev.hako.seccomp.Arch.host())).build();
        for (LaunchConfig c : List.of(config, new TestConfig().build())) {
            try (Arena arena = Arena.ofConfined(); Stdio stdio = Stdio.open(c)) {
                try {
                    String whole = ContainerProgram.build(arena, c, stdio, 40, 41, ETC).toString();
                    ChildProgram.Builder p = ContainerProgram.setUp(arena, c, stdio, 40, 41, ETC, List.of(), -1,
                            RootfsSetup.overlayOption(c.rootfs(), c.hasUserNamespace()));
                    int first = p.buildFirstPart(ContainerProgram.roomForTheCommand(c)).steps().size();
                    ContainerProgram.addTheCommand(p, c);
                    ChildProgram two = p.build();
                    assertEquals(whole, two.toString(), "the same program, written in two parts");
                    assertTrue(two.steps().get(first - 1).call().startsWith("read(3, buf, 1)"),
                            "the first part ends with the wait for the parent: " + two.steps().get(first - 1).call());
                } finally {
                    stdio.closeChildEnds();
                }
            }
        }
    }

    @Test
    void inAUserNamespaceTheChildWaitsForItsMapsAndMakesProcSysAndDevWithoutPrivilegesOfTheHost() throws Exception {
        LaunchConfig config = new TestConfig().userNamespace(dev.hako.UserNamespace.of(
                List.of(dev.hako.IdMapping.of(0, 100000, 1000)), List.of(dev.hako.IdMapping.of(0, 100000, 4)))).build();
        String plan = plan(config);
        assertInOrder(plan,
                "setsid()",
                "-- the user namespace's uid and gid maps",
                "read(3, buf, 1)  [0 fails]  # wait until the parent has written the maps",
                "setresgid(0, 0, 0)", "setresuid(0, 0, 0)",
                "mount(NULL, \"/\", NULL, MS_REC|MS_SLAVE, NULL)",
                "open_tree(AT_FDCWD, \"/dev/null\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC)",
                "mount(\"proc\", \"/run/hako/proc\", \"proc\", MS_NOSUID|MS_NODEV|MS_NOEXEC, NULL)",
                "open_tree(AT_FDCWD, \"/run/hako/proc\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC)",
                "mount(\"sysfs\", \"/run/hako/sys\", \"sysfs\", MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC, NULL)",
                "pivot_root(\".\", \".\")",
                "move_mount(", "\"/proc\"", "move_mount(", "\"/sys\"",
                "mount(\"tmpfs\", \"/dev\", \"tmpfs\"",
                "\"newinstance,ptmxmode=0666,mode=0620\")", // gid 5 is not mapped: no gid=5
                "openat(AT_FDCWD, \"/dev/null\", O_WRONLY|O_CREAT|O_CLOEXEC, 0666)  [may fail]",
                "move_mount(", "\"/dev/null\"",
                "read(3, buf, 1)  [0 fails]  # wait until the parent has placed the child");
        assertFalse(plan.contains("mknodat("), "a user namespace may not make device nodes:\n" + plan);
        assertFalse(plan.contains("mount(\"proc\", \"/proc\""), "no proc mount after the pivot:\n" + plan);
        assertTrue(plan.contains("setgroups(0, [])"), "a root JVM's map allows setgroups");
    }

    @Test
    void withoutANetworkNamespaceTheUserNamespacesSysIsTheHostsReadOnly() throws Exception {
        TestConfig t = new TestConfig().userNamespace(dev.hako.UserNamespace.of(
                List.of(dev.hako.IdMapping.of(0, 100000, 65536)), List.of(dev.hako.IdMapping.of(0, 100000, 65536))));
        Set<Namespace> ns = new HashSet<>(t.namespaces);
        ns.remove(Namespace.NETWORK);
        t.namespaces = ns;
        String plan = plan(t.build());
        assertInOrder(plan, "open_tree(AT_FDCWD, \"/sys\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_RECURSIVE)",
                "MOUNT_ATTR_RDONLY|MOUNT_ATTR_NOSUID|MOUNT_ATTR_NODEV|MOUNT_ATTR_NOEXEC", "pivot_root", "\"/sys\"",
                "newinstance,ptmxmode=0666,mode=0620,gid=5");
        assertFalse(plan.contains("\"sysfs\""), plan);
    }
}
