package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerProcess;
import dev.hako.Mount;
import dev.hako.cgroup.Controller;
import dev.hako.linux.linux_h;
import dev.hako.seccomp.Profile;
import dev.hako.testing.KernelTest;
import dev.hako.testing.Probe;
import dev.hako.testing.TestCgroups;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static dev.hako.testing.Probe.PATH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hostile escape table: from inside a container with every default on (Docker's
 * capabilities, no_new_privs, Docker's seccomp profile, masked paths, a read-only cgroup
 * view), each way out that worked before issue 10 fails with the kernel's exact errno, and
 * the host is unchanged. Each is made with {@link Probe}, so the errno is the call's own,
 * not a tool's wording. Where a control shows the test can fail, it loosens one setting.
 * (Creating and opening the host's disk with mknod is the device policy's test.)
 */
@KernelTest
class EscapeIT {
    private static final int EPERM = linux_h.EPERM();

    /** Runs probe lines (each {@code probe ARGS}, given as one shell word list) in one container: one answer each. */
    private static List<String> probes(Container.Builder b, String... lines) throws Exception {
        StringBuilder script = new StringBuilder();
        for (String line : lines) {
            script.append(PATH).append(' ').append(line).append("; ");
        }
        String out = ok(b.mount(Probe.mount()).command("/bin/sh", "-c", script + "true").run());
        List<String> answers = List.of(out.split("\n"));
        assertEquals(lines.length, answers.size(), "one answer per probe: " + out);
        return answers;
    }

    @Test
    void mountOfAnythingIsRefused() throws Exception {
        List<String> got = probes(builder(), "mount none /tmp tmpfs 0 -", "mount proc /mnt proc 0 -",
                "mount sysfs /mnt sysfs 0 -", "mount /tmp /mnt - MS_BIND -");
        for (String answer : got) {
            Probe.assertErrno(EPERM, answer, "mount");
        }
        // the control: with CAP_SYS_ADMIN (which also opens the filter's mount) the tmpfs mounts
        Probe.assertOk(Probe.run(builder().capAdd("SYS_ADMIN"), "mount", "none", "/tmp", "tmpfs", "0", "-"), "mount");
    }

    /** The first of Docker's masked paths this kernel has. */
    private static String aMaskedPath() {
        return Stream.of("/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware")
                .filter(p -> Files.exists(Path.of(p))).findFirst().orElseThrow();
    }

    @Test
    void umountOfAMaskedPathIsRefusedAndTheMaskStays() throws Exception {
        String masked = aMaskedPath();
        String script = PATH + " umount2 " + masked + " 0; " + PATH + " umount2 " + masked + " MNT_DETACH;"
                + " grep -c ' " + masked + " ' /proc/self/mountinfo";
        String[] out = ok(builder().mount(Probe.mount()).command("/bin/sh", "-c", script).run()).split("\n");
        Probe.assertErrno(EPERM, out[0], "umount2 " + masked);
        Probe.assertErrno(EPERM, out[1], "umount2 " + masked + " MNT_DETACH");
        assertEquals("1", out[2], "the mask on " + masked + " stays");
        String[] admin = ok(builder().capAdd("SYS_ADMIN").mount(Probe.mount())
                .command("/bin/sh", "-c", script + " || true").run()).split("\n");
        Probe.assertOk(admin[0], "control: with CAP_SYS_ADMIN the umount works");
    }

    @Test
    void unshareOfAUserOrMountNamespaceIsRefused() throws Exception {
        List<String> got = probes(builder(), "unshare CLONE_NEWUSER", "unshare CLONE_NEWNS",
                "unshare 'CLONE_NEWUSER|CLONE_NEWNS'", "unshare CLONE_NEWNET", "unshare CLONE_FS");
        for (String answer : got) {
            Probe.assertErrno(EPERM, answer, "unshare");
        }
        // the control: a user namespace needs no capability, only the filter refuses it; but
        // the kernel refuses one to every process whose root is not its mount namespace's,
        // which is so in a container of a JVM in a chroot
        String control = Probe.run(builder().seccomp(Profile.unconfined()), "unshare", "CLONE_NEWUSER");
        if (userNamespacesRefusedHere()) {
            Probe.assertErrno(EPERM, control, "unshare(CLONE_NEWUSER) below a chroot, without the filter");
        } else {
            Probe.assertOk(control, "unshare(CLONE_NEWUSER) without the filter");
        }
    }

    /**
     * Whether the kernel refuses this JVM's children a user namespace, as it does to every
     * process whose root is not its mount namespace's (a chroot): asked of the kernel itself,
     * with {@code unshare --user true}, whatever the reason.
     */
    private static boolean userNamespacesRefusedHere() throws Exception {
        Process p = new ProcessBuilder("unshare", "--user", "true").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor() != 0;
    }

    @Test
    void keyctlIsRefused() throws Exception {
        List<String> got = probes(builder(), "add_key user hako-escape secret", "keyctl_join hako-escape",
                "keyctl_join -");
        for (String answer : got) {
            Probe.assertErrno(EPERM, answer, "the kernel keyring");
        }
        Probe.assertOk(Probe.run(builder().seccomp(Profile.unconfined()), "keyctl_join", "-"),
                "control: without the filter a new session keyring is joined");
    }

    @Test
    void ptraceOfAProcessWithOtherCredentialsIsRefused() throws Exception {
        // A non-root user going after root's processes: PID 1 and a sibling. Root tracing a
        // process with its own credentials works, as under Docker on Linux 4.8+ (ptrace is in
        // its profile; there is nothing to gain); the control shows that the probe can succeed.
        String script = "sleep 1000 & s=$!; " + PATH + " -u 1000 ptrace_attach 1; " + PATH + " -u 1000 ptrace_attach $s; "
                + PATH + " ptrace_attach $s; kill $s";
        String[] out = ok(builder().mount(Probe.mount()).command("/bin/sh", "-c", script).run()).split("\n");
        Probe.assertErrno(EPERM, out[0], "uid 1000 attaching to root's PID 1");
        Probe.assertErrno(EPERM, out[1], "uid 1000 attaching to a process of root");
        Probe.assertOk(out[2], "control: root attaching to its own child, as Docker allows");
    }

    @Test
    void writingSysrqTriggerIsRefused() throws Exception {
        String got = Probe.run(builder(), "write", "/proc/sysrq-trigger", "h");
        if (Files.exists(Path.of("/proc/sysrq-trigger"))) {
            Probe.assertErrno(linux_h.EROFS(), got, "writing /proc/sysrq-trigger (bound read-only)");
        } else {
            // this kernel has no CONFIG_MAGIC_SYSRQ: there is nothing to open for writing
            Probe.assertErrno(linux_h.ENOENT(), got, "opening /proc/sysrq-trigger for writing");
        }
    }

    @Test
    void loadingOrRemovingAModuleIsRefused() throws Exception {
        List<String> got = probes(builder(), "init_module", "finit_module /dev/null", "delete_module hako_no_such_module");
        for (String answer : got) {
            Probe.assertErrno(EPERM, answer, "a module call");
        }
        // nothing loaded (a kernel without CONFIG_MODULES has no /proc/modules, and no module to load)
        Path modules = Path.of("/proc/modules");
        assertTrue(Files.notExists(modules) || Files.readString(modules).lines().noneMatch(l -> l.startsWith("hako")));
    }

    @Test
    void openByHandleAtOnTheHostsRootIsRefused() throws Exception {
        // the "shocker" escape: a handle of the host's root, decoded through the container's
        // root, which is on the same filesystem here
        String handle = Probe.assertOk(Probe.onHost("name_to_handle_at", "/"), "name_to_handle_at / on the host");
        String type = handle.replaceAll(".* type=(\\S+).*", "$1");
        String bytes = handle.replaceAll(".* handle=(\\S+).*", "$1");
        Probe.assertErrno(EPERM, Probe.run(builder(), "open_by_handle_at", "/", type, bytes), "open_by_handle_at");
        // the control: with DAC_READ_SEARCH (Docker's profile then allows the call) it opens the host's /
        String hostRoot = Probe.onHost("stat", "/").replaceFirst("^ok 0 ", "");
        String opened = Probe.run(builder().capAdd("DAC_READ_SEARCH"), "open_by_handle_at", "/", type, bytes);
        assertTrue(opened.startsWith("ok ") && opened.endsWith(hostRoot),
                "control: with DAC_READ_SEARCH the handle opens the host's root (" + hostRoot + "): " + opened);
    }

    @Test
    void raisingItsOwnMemoryLimitIsRefusedAndTheHostStillReads64MiB() throws Exception {
        long limit = 64L << 20;
        String id = "escape-" + ProcessHandle.current().pid();
        String script = "mkdir -p /tmp/cg.$$; " + PATH + " mount cgroup /tmp/cg.$$ cgroup 0 memory; "
                + PATH + " mount cgroup2 /tmp/cg.$$ cgroup2 0 -; "
                + PATH + " write /sys/fs/cgroup/memory/memory.limit_in_bytes 1073741824; "
                + PATH + " write /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes 1073741824; "
                + "rmdir /tmp/cg.$$; echo written; read _; true";
        try (Container c = builder().id(id).memoryLimit(limit).mount(Probe.mount())
                .command("/bin/sh", "-c", script).build()) {
            ContainerProcess p = c.start();
            BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            List<String> got = new ArrayList<>();
            for (String line = lines.readLine(); line != null && !line.equals("written"); line = lines.readLine()) {
                got.add(line);
            }
            assertEquals(4, got.size(), got.toString());
            Probe.assertErrno(EPERM, got.get(0), "mounting the v1 memory hierarchy");
            Probe.assertErrno(EPERM, got.get(1), "mounting cgroup2");
            Probe.assertErrno(linux_h.EROFS(), got.get(2), "raising memory.limit_in_bytes");
            String memsw = got.get(3);
            assertTrue(memsw.startsWith("errno " + linux_h.EROFS() + " ") || memsw.startsWith("errno " + linux_h.ENOENT() + " "),
                    "memory.memsw.limit_in_bytes is read-only where swap accounting is on: " + memsw);
            assertEquals(Long.toString(limit), Files.readString(TestCgroups.containerDir(Controller.MEMORY, id)
                    .resolve("memory.limit_in_bytes")).strip(), "read on the host, while the container runs");
            p.getOutputStream().close();
            assertEquals(0, p.waitFor());
        }
    }

    @Test
    void remountingAReadOnlyRootReadWriteIsRefused() throws Exception {
        String script = PATH + " mount - / - 'MS_REMOUNT|MS_BIND' -; " + PATH + " mount - / - MS_REMOUNT -; "
                + PATH + " open /escape-probe 'O_WRONLY|0100'";
        String[] out = ok(builder().readonlyRootfs(true).mount(Probe.mount()).command("/bin/sh", "-c", script).run())
                .split("\n");
        Probe.assertErrno(EPERM, out[0], "bind-remounting / read-write");
        Probe.assertErrno(EPERM, out[1], "remounting /'s filesystem read-write");
        Probe.assertErrno(linux_h.EROFS(), out[2], "creating a file in the read-only root");
        assertTrue(Files.notExists(dev.hako.testing.TestRootfs.host("/escape-probe")), "nothing written on the host");
        // no control: with CAP_SYS_ADMIN the second would remount the host filesystem's superblock
    }

    @Test
    void ordinaryProgramsWorkUnderTheDefaultsAndHttpdServesWget() throws Exception {
        String script = "mkdir -p /srv/www && echo 'hello from httpd' > /srv/www/index.html"
                + " && ls / >/dev/null && cat /proc/self/status >/dev/null && ps >/dev/null && sleep 0.01"
                + " && { httpd -f -p 127.0.0.1:8080 -h /srv/www & }"
                + " && for i in $(seq 1 200); do wget -q -O - http://127.0.0.1:8080/index.html 2>/dev/null && break;"
                + " sleep 0.05; done; kill %1";
        assertEquals("hello from httpd\n", ok(builder().mount(Mount.tmpfs("/srv"))
                .command("/bin/sh", "-c", script).run()));
    }
}
