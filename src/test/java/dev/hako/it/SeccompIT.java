package dev.hako.it;

import dev.hako.linux.linux_h;
import dev.hako.seccomp.Action;
import dev.hako.seccomp.Arch;
import dev.hako.seccomp.Profile;
import dev.hako.seccomp.SyscallRule;
import dev.hako.testing.KernelTest;
import dev.hako.testing.Probe;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Seccomp filters installed by the child as its last step before execve, as the kernel enforces them. */
@KernelTest
class SeccompIT {
    /** The shell's own seccomp mode from /proc/self/status, with shell builtins only. */
    private static final String MODE = "while read k v; do [ \"$k\" = Seccomp: ] && echo \"mode=$v\"; done < /proc/self/status; true";
    /** Makes a directory of its own in the shared test rootfs and removes it again. */
    private static final String MKDIR = "d=/tmp/seccomp-it.$$; mkdir $d 2>/dev/null; echo \"mkdir=$?\"; rmdir $d 2>/dev/null; true";

    @Test
    void dockerDefaultIsInstalledAndAShellRunsUnderIt() throws Exception {
        String out = ok(builder().seccomp(Profile.dockerDefault()).command("/bin/sh", "-c", MODE + "; " + MKDIR).run());
        assertEquals("mode=2\nmkdir=0\n", out, "a filter is installed (mode 2) and allows what a shell needs");
    }

    @Test
    void dockersProfileByDefaultUnconfinedTurnsItOff() throws Exception {
        assertEquals("mode=2\nmkdir=0\n", ok(builder().command("/bin/sh", "-c", MODE + "; " + MKDIR).run()));
        assertEquals("mode=0\n", ok(builder().seccomp(Profile.unconfined()).command("/bin/sh", "-c", MODE).run()));
    }

    @Test
    void withoutNoNewPrivsTheFilterIsInstalledWhileTheChildMayStill() throws Exception {
        // seccomp(2) without no_new_privs needs CAP_SYS_ADMIN: installed before the capabilities go
        assertEquals("mode=2\nmkdir=0\n", ok(builder().noNewPrivileges(false).command("/bin/sh", "-c", MODE + "; " + MKDIR).run()));
        assertEquals("mode=2\n", ok(builder().noNewPrivileges(false).user("1000:1000").command("/bin/sh", "-c", MODE).run()));
    }

    @Test
    void aCallNewerThanTheBuildsHeadersGetsEnosysSoLibcFallsBack() throws Exception {
        int highest = Arch.host().syscalls().values().stream().max(Integer::compare).orElseThrow();
        Probe.assertErrno(linux_h.ENOSYS(), Probe.run(builder(), "syscall", Integer.toString(highest + 1)),
                "the first number the headers do not know");
        Probe.assertErrno(linux_h.EPERM(), Probe.run(builder(), "syscall", Integer.toString(linux_h.SYS_kexec_load())),
                "a known call the profile does not allow");
    }

    @Test
    void aCustomProfileDeniesWithItsErrno() throws Exception {
        Profile noMkdir = Profile.of(Action.ALLOW, List.of(SyscallRule.of(Action.ERRNO, List.of("mkdir", "mkdirat"))));
        String out = ok(builder().seccomp(noMkdir).command("/bin/sh", "-c", MKDIR + "; mkdir /tmp/seccomp-it.$$ 2>&1; true").run());
        assertTrue(out.startsWith("mkdir=1\n"), out);
        assertTrue(out.contains("Operation not permitted"), "EPERM, the default errno:\n" + out);
        // the control: the same script without the profile makes the directory
        assertTrue(ok(builder().command("/bin/sh", "-c", MKDIR).run()).startsWith("mkdir=0\n"));
    }

    @Test
    void aProfileWithoutExecveFailsNamingTheCommand() {
        Profile noExec = Profile.of(Action.ALLOW, List.of(SyscallRule.of(Action.ERRNO, List.of("execve"))));
        Exception e = assertThrows(Exception.class, () -> builder().seccomp(noExec).command("/bin/true").run());
        assertTrue(e.getMessage().contains("EPERM") && e.getMessage().contains("'/bin/true'"), e.getMessage());
    }

    @Test
    void aProfileForAnotherArchitectureIsRefusedByBuild() {
        Profile arm = Profile.parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_ARM\"],"
                + " \"syscalls\": [{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder().seccomp(arm).command("/bin/true").build());
        assertTrue(e.getMessage().startsWith("seccomp: architectures: the profile names only SCMP_ARCH_ARM"), e.getMessage());
    }
}
