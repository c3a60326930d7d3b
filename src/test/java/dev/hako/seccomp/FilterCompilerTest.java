package dev.hako.seccomp;

import dev.hako.linux.linux_h;
import dev.hako.seccomp.BpfInterpreter.SeccompData;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The compiled filters, run through {@link BpfInterpreter} on both architectures, for a table
 * of profiles and system calls; no root and no kernel involved.
 */
class FilterCompilerTest {
    private static final int ALLOW = Action.ALLOW.returnValue(0);
    private static final int EPERM = Action.ERRNO.returnValue(linux_h.EPERM());
    private static final int ENOSYS = Action.ERRNO.returnValue(linux_h.ENOSYS());
    private static final int KILL = Action.KILL_PROCESS.returnValue(0);
    private static final long ALL_ONES_32 = Integer.toUnsignedLong(-1);

    /** A system call of {@code arch} by name, with arguments. */
    private record Call(String name, long... args) {
        SeccompData on(Arch arch) {
            int nr = arch.syscall(name).orElseThrow(() -> new AssertionError(name + " is not a call on " + arch));
            return new SeccompData(nr, arch.auditArch(), 0x1000, args);
        }

        @Override
        public String toString() {
            return name + java.util.Arrays.toString(args);
        }
    }

    private static void requireBindings(Arch arch) {
        Assumptions.assumeTrue(arch.generated(), "this build has no " + arch.bindingsName()
                + " bindings (no cross toolchain when it was built: apt-get install gcc-aarch64-linux-gnu"
                + " libc6-dev-arm64-cross linux-libc-dev-arm64-cross, or the amd64 ones), so its filters are not tested");
    }

    private static int run(Filter f, SeccompData d) {
        return BpfInterpreter.run(f.bytes(), d).value();
    }

    private static void expect(Profile p, Arch arch, Map<Call, Integer> table) {
        Filter f = p.compile(arch);
        List<String> wrong = new ArrayList<>();
        table.forEach((call, want) -> {
            int got = run(f, call.on(arch));
            if (got != want) {
                wrong.add(call + ": 0x" + Integer.toHexString(got) + ", want 0x" + Integer.toHexString(want));
            }
        });
        assertEquals(List.of(), wrong, arch + ": " + String.join("\n", f.render()));
    }

    @ParameterizedTest
    @EnumSource(Arch.class)
    void dockerDefault(Arch arch) {
        requireBindings(arch);
        long newUser = linux_h.CLONE_NEWUSER();
        long plainClone = linux_h.CLONE_VM() | linux_h.CLONE_VFORK() | linux_h.SIGCHLD();
        Map<Call, Integer> table = new java.util.LinkedHashMap<>();
        table.put(new Call("read", 0, 0, 10), ALLOW);
        table.put(new Call("write", 1, 0, 10), ALLOW);
        table.put(new Call("execve"), ALLOW);
        table.put(new Call("exit_group"), ALLOW);
        table.put(new Call("openat"), ALLOW);
        table.put(new Call("mount"), EPERM);
        table.put(new Call("umount2"), EPERM);
        table.put(new Call("reboot"), EPERM);
        table.put(new Call("kexec_load"), EPERM);
        table.put(new Call("init_module"), EPERM);
        table.put(new Call("finit_module"), EPERM);
        table.put(new Call("open_by_handle_at"), EPERM);
        table.put(new Call("keyctl"), EPERM);
        table.put(new Call("add_key"), EPERM);
        table.put(new Call("bpf"), EPERM);
        table.put(new Call("pivot_root"), EPERM);
        table.put(new Call("setns"), EPERM);
        table.put(new Call("unshare", newUser), EPERM);
        table.put(new Call("unshare", linux_h.CLONE_NEWNS()), EPERM);
        table.put(new Call("unshare", 0), EPERM); // as in Docker: unshare only with CAP_SYS_ADMIN
        table.put(new Call("chroot"), ALLOW); // CAP_SYS_CHROOT is a default capability
        table.put(new Call("ptrace"), ALLOW);
        table.put(new Call("kcmp"), EPERM);
        table.put(new Call("sethostname"), EPERM);
        table.put(new Call("clock_settime"), EPERM);
        table.put(new Call("io_uring_setup"), EPERM);
        table.put(new Call("socket", linux_h.AF_INET()), ALLOW);
        table.put(new Call("socket", linux_h.AF_UNIX()), ALLOW);
        table.put(new Call("socket", linux_h.AF_NFC()), ALLOW);
        table.put(new Call("socket", linux_h.AF_VSOCK() + 1), ALLOW);
        table.put(new Call("socket", linux_h.AF_ALG()), EPERM);
        table.put(new Call("socket", linux_h.AF_VSOCK()), EPERM);
        table.put(new Call("clone", plainClone), ALLOW);
        table.put(new Call("clone", linux_h.SIGCHLD()), ALLOW);
        table.put(new Call("clone", plainClone | linux_h.CLONE_NEWPID()), EPERM);
        table.put(new Call("clone", linux_h.CLONE_NEWNET()), EPERM);
        table.put(new Call("clone", linux_h.CLONE_NEWUSER() | linux_h.SIGCHLD()), EPERM);
        table.put(new Call("clone3"), ENOSYS);
        table.put(new Call("personality", linux_h.PER_LINUX()), ALLOW);
        table.put(new Call("personality", linux_h.PER_LINUX32()), ALLOW);
        table.put(new Call("personality", linux_h.UNAME26()), ALLOW);
        table.put(new Call("personality", ALL_ONES_32), ALLOW);
        table.put(new Call("personality", linux_h.PER_LINUX32() + 1), EPERM);
        table.put(new Call("personality", ALL_ONES_32 - 1), EPERM);
        table.put(new Call("personality", -1L), EPERM); // 0xffffffff in the low word only counts with a zero high word
        if (arch == Arch.X86_64) {
            table.put(new Call("fork"), ALLOW);
            table.put(new Call("vfork"), ALLOW);
            table.put(new Call("arch_prctl"), ALLOW);
            table.put(new Call("open"), ALLOW);
            table.put(new Call("iopl"), EPERM);
        }
        expect(Profile.dockerDefault(), arch, table);
    }

    @ParameterizedTest
    @EnumSource(Arch.class)
    void dockerDefaultFollowsTheCapabilities(Arch arch) {
        requireBindings(arch);
        Map<Call, Integer> admin = new java.util.LinkedHashMap<>();
        admin.put(new Call("mount"), ALLOW);
        admin.put(new Call("umount2"), ALLOW);
        admin.put(new Call("setns"), ALLOW);
        admin.put(new Call("sethostname"), ALLOW);
        admin.put(new Call("unshare", linux_h.CLONE_NEWUSER()), ALLOW);
        admin.put(new Call("clone", linux_h.CLONE_NEWPID() | linux_h.SIGCHLD()), ALLOW);
        admin.put(new Call("clone3"), ALLOW);
        admin.put(new Call("bpf"), ALLOW);
        admin.put(new Call("init_module"), EPERM);
        admin.put(new Call("open_by_handle_at"), EPERM);
        admin.put(new Call("keyctl"), EPERM);
        expect(Profile.dockerDefault(List.of("CAP_SYS_ADMIN", "chown")), arch, admin);
        Map<Call, Integer> others = new java.util.LinkedHashMap<>();
        others.put(new Call("kcmp"), ALLOW);
        others.put(new Call("pidfd_getfd"), ALLOW);
        others.put(new Call("init_module"), ALLOW);
        others.put(new Call("delete_module"), ALLOW);
        others.put(new Call("reboot"), ALLOW);
        others.put(new Call("clock_settime"), ALLOW);
        others.put(new Call("acct"), ALLOW);
        others.put(new Call("syslog"), ALLOW);
        others.put(new Call("perf_event_open"), ALLOW);
        others.put(new Call("mbind"), ALLOW);
        others.put(new Call("vhangup"), ALLOW);
        others.put(new Call("open_by_handle_at"), ALLOW);
        others.put(new Call("chroot"), EPERM); // SYS_CHROOT not given
        others.put(new Call("mount"), EPERM);
        others.put(new Call("clone3"), ENOSYS);
        if (arch == Arch.X86_64) {
            others.put(new Call("iopl"), ALLOW);
        }
        expect(Profile.dockerDefault(List.of("SYS_PTRACE", "SYS_MODULE", "SYS_BOOT", "SYS_TIME", "SYS_PACCT",
                "SYSLOG", "PERFMON", "SYS_NICE", "SYS_TTY_CONFIG", "DAC_READ_SEARCH", "SYS_RAWIO")), arch, others);
        assertSame(Profile.dockerDefault(List.of("CAP_SYS_ADMIN", "CHOWN")), Profile.dockerDefault(List.of("sys_admin")),
                "made once per set of the capabilities that matter");
    }

    @ParameterizedTest
    @EnumSource(Arch.class)
    void callsNewerThanTheHeadersGetEnosysUnlessTheDefaultAllows(Arch arch) {
        requireBindings(arch);
        int highest = arch.syscalls().values().stream().max(Integer::compare).orElseThrow();
        Profile kill = Profile.of(Action.KILL_PROCESS, List.of(SyscallRule.of(Action.ALLOW, List.of("read"))));
        Profile allow = Profile.of(Action.ALLOW, List.of(SyscallRule.of(Action.ERRNO, List.of("read"))));
        Profile log = Profile.of(Action.LOG, List.of(SyscallRule.of(Action.ERRNO, List.of("read"))));
        for (int nr : List.of(highest + 1, highest + 100)) {
            assertEquals(ENOSYS, run(kill.compile(arch), new SeccompData(nr, arch.auditArch(), 0)), "number " + nr);
            assertEquals(ENOSYS, run(Profile.dockerDefault().compile(arch), new SeccompData(nr, arch.auditArch(), 0)));
            assertEquals(ALLOW, run(allow.compile(arch), new SeccompData(nr, arch.auditArch(), 0)));
            assertEquals(Action.LOG.returnValue(0), run(log.compile(arch), new SeccompData(nr, arch.auditArch(), 0)));
        }
        assertEquals(KILL, run(kill.compile(arch), new SeccompData(highest, arch.auditArch(), 0)), "a known call: the default");
        assertEquals(ALLOW, run(kill.compile(arch), new Call("read").on(arch)));
    }

    @ParameterizedTest
    @EnumSource(Arch.class)
    void otherArchitecturesAndX32AreKilled(Arch arch) {
        requireBindings(arch);
        Filter f = Profile.dockerDefault().compile(arch);
        int read = arch.syscall("read").orElseThrow();
        int other = arch == Arch.X86_64 ? linux_h.AUDIT_ARCH_I386() : linux_h.AUDIT_ARCH_X86_64();
        assertEquals(KILL, run(f, new SeccompData(read, other, 0)), "another architecture is killed");
        assertEquals(KILL, run(Profile.unconfined().compile(arch), new SeccompData(read, other, 0)),
                "even an allow-all filter refuses another architecture");
        assertEquals(ALLOW, run(f, new SeccompData(read, arch.auditArch(), 0)));
        if (arch == Arch.X86_64) {
            int x32 = arch.x32SyscallBit().orElseThrow();
            assertEquals(KILL, run(f, new SeccompData(read | x32, arch.auditArch(), 0)), "x32 read is killed");
            assertEquals(KILL, run(f, new SeccompData(x32, arch.auditArch(), 0)));
            assertEquals(KILL, run(f, new SeccompData(-1, arch.auditArch(), 0)));
        } else {
            assertTrue(arch.x32SyscallBit().isEmpty());
            assertEquals(ENOSYS, run(f, new SeccompData(-1, arch.auditArch(), 0)), "a number above every known call");
        }
        assertEquals(ENOSYS, run(f, new SeccompData(0x3fff_0000, arch.auditArch(), 0)));
    }

    @ParameterizedTest
    @EnumSource(Arch.class)
    void everyNumberGetsTheActionOfItsName(Arch arch) {
        requireBindings(arch);
        // all numbers 0..(highest + some) against a direct reading of the profile
        Filter f = Profile.dockerDefault().compile(arch);
        java.util.Set<Integer> allowed = new java.util.HashSet<>();
        for (List<String> names : List.of(DockerDefault.ALLOWED, DockerDefault.ALLOWED_NEWER, DockerDefault.PTRACE,
                DockerDefault.ARCH_SPECIFIC, DockerDefault.BY_CAPABILITY.get("SYS_CHROOT"))) {
            names.forEach(n -> arch.syscall(n).ifPresent(allowed::add));
        }
        java.util.Set<Integer> conditional = new java.util.HashSet<>();
        for (String n : List.of("clone", "personality", "clone3", "socket")) {
            arch.syscall(n).ifPresent(conditional::add);
        }
        int highest = arch.syscalls().values().stream().max(Integer::compare).orElseThrow();
        for (int nr = 0; nr <= highest + 64; nr++) {
            if (conditional.contains(nr)) {
                continue;
            }
            int want = allowed.contains(nr) ? ALLOW : nr > highest ? ENOSYS : EPERM;
            assertEquals(want, run(f, new SeccompData(nr, arch.auditArch(), 0)), "number " + nr);
        }
    }

    @ParameterizedTest
    @EnumSource(Arch.class)
    void everyOperatorOn64BitValues(Arch arch) {
        requireBindings(arch);
        long[] values = {0, 1, 2, 0xffff_fffeL, 0xffff_ffffL, 0x1_0000_0000L, 0x1_0000_0001L, 0x2_0000_0000L,
                0x7fff_ffff_ffff_ffffL, 0x8000_0000_0000_0000L, -2L, -1L};
        for (Operator op : Operator.values()) {
            for (long v : values) {
                long two = op == Operator.MASKED_EQ ? v & 0xf_0000_000fL : 0;
                Profile p = Profile.of(Action.ALLOW, List.of(new SyscallRule(List.of("write"), Action.ERRNO, 7,
                        List.of(new ArgCondition(2, v, two, op)))));
                Filter f = p.compile(arch);
                for (long arg : values) {
                    int want = op.test(arg, v, two) ? Action.ERRNO.returnValue(7) : ALLOW;
                    assertEquals(want, run(f, new Call("write", 0, 0, arg).on(arch)),
                            op + " value 0x" + Long.toHexString(v) + " arg 0x" + Long.toHexString(arg));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Arch.class)
    void rulesOrAndConditionsAnd(Arch arch) {
        requireBindings(arch);
        // write is allowed to fd 1 with a count under 100, or to fd 2 (any count); else EBADF
        Profile p = new Profile(Action.KILL_THREAD, null, List.of(), List.of(), List.of(
                SyscallRule.of(Action.ALLOW, List.of("write"), ArgCondition.of(0, Operator.EQ, 1),
                        ArgCondition.of(2, Operator.LT, 100)),
                SyscallRule.of(Action.ALLOW, List.of("write"), ArgCondition.of(0, Operator.EQ, 2)),
                SyscallRule.errno(linux_h.EBADF(), List.of("write")),
                SyscallRule.of(Action.ALLOW, List.of("exit_group", "read")),
                SyscallRule.of(Action.LOG, List.of("getpid")),
                SyscallRule.of(Action.TRAP, List.of("kill")),
                new SyscallRule(List.of("ptrace"), Action.TRACE, 42, List.of()),
                SyscallRule.of(Action.TRACE, List.of("getuid")),
                SyscallRule.of(Action.KILL_PROCESS, List.of("reboot")),
                new SyscallRule(List.of("mount"), Action.ERRNO, 0, List.of())));
        int ebadf = Action.ERRNO.returnValue(linux_h.EBADF());
        expect(p, arch, Map.ofEntries(
                Map.entry(new Call("write", 1, 0, 99), ALLOW),
                Map.entry(new Call("write", 1, 0, 100), ebadf),
                Map.entry(new Call("write", 2, 0, 100_000), ALLOW),
                Map.entry(new Call("write", 3, 0, 1), ebadf),
                Map.entry(new Call("write", 1 | (1L << 32), 0, 1), ebadf),
                Map.entry(new Call("read"), ALLOW),
                Map.entry(new Call("exit_group"), ALLOW),
                Map.entry(new Call("getpid"), linux_h.SECCOMP_RET_LOG()),
                Map.entry(new Call("kill"), linux_h.SECCOMP_RET_TRAP()),
                Map.entry(new Call("ptrace"), linux_h.SECCOMP_RET_TRACE() | 42),
                Map.entry(new Call("getuid"), linux_h.SECCOMP_RET_TRACE() | linux_h.EPERM()),
                Map.entry(new Call("reboot"), linux_h.SECCOMP_RET_KILL_PROCESS()),
                Map.entry(new Call("mount"), linux_h.SECCOMP_RET_ERRNO()),
                Map.entry(new Call("openat"), linux_h.SECCOMP_RET_KILL_THREAD())));
    }

    @ParameterizedTest
    @EnumSource(Arch.class)
    void farTargetsGetLongJumps(Arch arch) {
        requireBindings(arch);
        // 150 calls with a rule of two conditions each: far more than 255 instructions of bodies
        List<SyscallRule> rules = new ArrayList<>();
        List<String> names = new ArrayList<>(arch.syscalls().keySet()).subList(0, 150);
        for (String name : names) {
            rules.add(SyscallRule.of(Action.ALLOW, List.of(name), ArgCondition.of(0, Operator.EQ, 3),
                    ArgCondition.of(1, Operator.NE, 4)));
        }
        Profile p = Profile.of(Action.ERRNO, rules);
        Filter f = p.compile(arch);
        assertTrue(f.length() > 2 * 255, f.toString());
        assertTrue(f.render().stream().anyMatch(l -> l.contains(": ja ")), "some jumps go through BPF_JA");
        for (String name : names) {
            assertEquals(ALLOW, run(f, new Call(name, 3, 5).on(arch)), name);
            assertEquals(EPERM, run(f, new Call(name, 3, 4).on(arch)), name);
            assertEquals(EPERM, run(f, new Call(name, 2, 5).on(arch)), name);
        }
    }

    @ParameterizedTest
    @EnumSource(Arch.class)
    void tooLongIsRefused(Arch arch) {
        requireBindings(arch);
        List<ArgCondition> many = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            many.add(ArgCondition.of(i % Filter.ARG_COUNT, Operator.NE, i));
        }
        Profile p = Profile.of(Action.ALLOW, List.of(new SyscallRule(List.of("read"), Action.ERRNO, null, many)));
        SeccompException e = assertThrows(SeccompException.class, () -> p.compile(arch));
        assertTrue(e.getMessage().contains("more than the kernel's limit of " + linux_h.BPF_MAXINSNS()), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(Arch.class)
    void unconfinedAllowsEverything(Arch arch) {
        requireBindings(arch);
        Filter f = Profile.unconfined().compile(arch);
        assertTrue(Profile.unconfined().isUnconfined());
        for (int nr : arch.syscalls().values()) {
            assertEquals(ALLOW, run(f, new SeccompData(nr, arch.auditArch(), 0)));
        }
    }

    @ParameterizedTest
    @EnumSource(Arch.class)
    void sameProfileSameBytesComputedOnce(Arch arch) {
        requireBindings(arch);
        Filter once = Profile.dockerDefault().compile(arch);
        assertSame(once, Profile.dockerDefault().compile(arch), "cached by (profile, architecture)");
        Profile equal = new Profile(Profile.dockerDefault().defaultAction(), Profile.dockerDefault().defaultErrnoRet(),
                Profile.dockerDefault().architectures(), Profile.dockerDefault().flags(), Profile.dockerDefault().syscalls());
        assertSame(once, equal.compile(arch), "an equal profile finds the same filter");
        Filter fresh = FilterCompiler.compileUncached(Profile.dockerDefault(), arch);
        assertNotSame(once, fresh);
        assertArrayEquals(once.bytes(), fresh.bytes());
        assertEquals(once, fresh);
    }

    @Test
    void defaultProfileSizeAndDepth() {
        StringBuilder report = new StringBuilder();
        for (Arch arch : Arch.values()) {
            requireBindings(arch);
            for (var named : Map.of("default capabilities", Profile.dockerDefault(),
                    "capAdd(SYS_ADMIN)", Profile.dockerDefault(List.of("SYS_ADMIN", "SYS_CHROOT"))).entrySet()) {
                Filter f = named.getValue().compile(arch);
                int maxSteps = 0;
                for (int nr : arch.syscalls().values()) {
                    maxSteps = Math.max(maxSteps,
                            BpfInterpreter.run(f.bytes(), new SeccompData(nr, arch.auditArch(), 0)).steps());
                }
                report.append(String.format("Docker's default profile, %s, on %s: %d instructions, at most %d"
                        + " executed per call%n", named.getKey(), arch.bindingsName(), f.length(), maxSteps));
                assertTrue(f.length() < 256, f.toString());
                assertTrue(maxSteps < 32, "dispatch is a binary search, not a scan: " + maxSteps + " steps");
            }
        }
        System.out.print(report);
    }

    @Test
    void aProfileForOtherArchitecturesOnlyIsRefused() {
        Profile arm = new Profile(Action.ERRNO, null, List.of("SCMP_ARCH_ARM"), List.of(), List.of());
        for (Arch arch : Arch.values()) {
            requireBindings(arch);
            SeccompException e = assertThrows(SeccompException.class, () -> arm.compile(arch));
            assertEquals("architectures: the profile names only SCMP_ARCH_ARM, not " + arch.ociName()
                    + ", so it cannot be compiled for " + arch.bindingsName(), e.getMessage());
        }
        Profile x86 = new Profile(Action.ERRNO, null, List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
                List.of(), List.of(SyscallRule.of(Action.ALLOW, List.of("read"))));
        assertEquals(ALLOW, run(x86.compile(Arch.X86_64), new Call("read").on(Arch.X86_64)));
        if (Arch.AARCH64.generated()) {
            assertThrows(SeccompException.class, () -> x86.compile(Arch.AARCH64));
        }
    }

    @Test
    void callsOfOneArchitectureOnlyAreLeftOutOfTheOther() {
        requireBindings(Arch.AARCH64);
        Profile p = Profile.of(Action.ERRNO, List.of(SyscallRule.of(Action.ALLOW, List.of("fork", "read"))));
        Filter f = p.compile(Arch.AARCH64);
        assertEquals(ALLOW, run(f, new Call("read").on(Arch.AARCH64)));
        if (Arch.AARCH64.syscall("fork").isPresent()) {
            fail("aarch64 has no fork");
        }
    }
}
