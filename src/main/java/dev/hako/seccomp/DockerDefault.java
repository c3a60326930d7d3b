package dev.hako.seccomp;

import dev.hako.linux.linux_h;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * hako's default profile, written to equal in effect Docker's default profile (moby's
 * {@code profiles/seccomp/default.json}, as of its v0.2.3 module) for a container with a
 * given bounding set: the same allow-list of system calls, the calls Docker allows only
 * with a capability ({@code includes.caps}) when the container has it, clone only without
 * namespace flags and clone3 failing with ENOSYS unless it has CAP_SYS_ADMIN (clone3's
 * flags sit in memory a filter cannot read, so libc falls back to clone), socket for
 * every family but AF_ALG and AF_VSOCK, personality only with the values Docker allows,
 * and EPERM for the rest (mount, unshare, setns, reboot, kexec_load, init_module,
 * open_by_handle_at, keyctl, bpf, io_uring_*, ...).
 *
 * <p>Differences that cannot be seen from a 64-bit process: names of 32-bit-only calls
 * (chown32, socketcall, the *_time64 family...) are left out, since hako filters only the
 * native x86_64 and aarch64 ABIs and kills every other (Docker lets i386 and x32 calls
 * through its list); Docker's {@code minKernel 4.8} on ptrace always holds, as hako needs
 * 5.10. A name the build's headers do not know is left out of that architecture's filter
 * ({@link #ALLOWED_NEWER}); a number above the headers' last call gets ENOSYS, so that libc
 * falls back to an older call ({@link FilterCompiler}).
 */
final class DockerDefault {
    /** Allowed outright (Docker's first rule, less the 32-bit-only names). */
    static final List<String> ALLOWED = List.of(
            "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "capget", "capset", "chdir", "chmod",
            "chown", "clock_adjtime", "clock_getres", "clock_gettime", "clock_nanosleep", "close", "close_range",
            "connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1",
            "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd",
            "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64",
            "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchown", "fchownat", "fcntl", "fdatasync",
            "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstatfs", "fsync",
            "ftruncate", "futex", "futex_waitv", "futimesat", "getcpu", "getcwd", "getdents", "getdents64",
            "getegid", "geteuid", "getgid", "getgroups", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid",
            "getppid", "getpriority", "getrandom", "getresgid", "getresuid", "getrlimit", "get_robust_list",
            "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday",
            "getuid", "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
            "io_cancel", "ioctl", "io_destroy", "io_getevents", "io_pgetevents", "ioprio_get", "ioprio_set",
            "io_setup", "io_submit", "kill", "landlock_add_rule", "landlock_create_ruleset",
            "landlock_restrict_self", "lchown", "lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr",
            "lremovexattr", "lseek", "lsetxattr", "lstat", "madvise", "membarrier", "memfd_create", "memfd_secret",
            "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mprotect",
            "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedsend", "mq_unlink", "mremap",
            "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap", "name_to_handle_at",
            "nanosleep", "newfstatat", "open", "openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal",
            "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll", "prctl", "pread64",
            "preadv", "preadv2", "prlimit64", "process_mrelease", "pselect6", "pwrite64", "pwritev", "pwritev2",
            "read", "readahead", "readlink", "readlinkat", "readv", "recvfrom", "recvmmsg", "recvmsg",
            "remap_file_pages", "removexattr", "rename", "renameat", "renameat2", "restart_syscall", "rmdir", "rseq",
            "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend",
            "rt_sigtimedwait", "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr", "sched_getparam",
            "sched_get_priority_max", "sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval",
            "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp",
            "select", "semctl", "semget", "semop", "semtimedop", "sendfile", "sendmmsg", "sendmsg", "sendto",
            "setfsgid", "setfsuid", "setgid", "setgroups", "setitimer", "setpgid", "setpriority", "setregid",
            "setresgid", "setresuid", "setreuid", "setrlimit", "set_robust_list", "setsid", "setsockopt",
            "set_thread_area", "set_tid_address", "setuid", "setxattr", "shmat", "shmctl", "shmdt", "shmget",
            "shutdown", "sigaltstack", "signalfd", "signalfd4", "socketpair", "splice", "stat", "statfs", "statx",
            "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time",
            "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime", "timer_settime", "timerfd_create",
            "timerfd_gettime", "timerfd_settime", "times", "tkill", "truncate", "umask", "uname", "unlink",
            "unlinkat", "utime", "utimensat", "utimes", "vfork", "vmsplice", "wait4", "waitid", "write", "writev");

    /**
     * Also allowed outright, but newer than the Linux 6.1 headers of Debian 12: in the
     * filter only where the build's headers have them.
     */
    static final List<String> ALLOWED_NEWER = List.of("cachestat", "fchmodat2", "futex_requeue", "futex_wait",
            "futex_wake", "getxattrat", "listmount", "listxattrat", "map_shadow_stack", "mseal", "removexattrat",
            "setxattrat", "statmount", "uretprobe");

    /** Docker allows these from Linux 4.8 on (before, ptrace could get around seccomp); hako needs 5.10. */
    static final List<String> PTRACE = List.of("process_vm_readv", "process_vm_writev", "ptrace");

    /** Docker's per-architecture rules for amd64 and arm64 (the arm names exist only on 32-bit arm). */
    static final List<String> ARCH_SPECIFIC = List.of("arch_prctl", "modify_ldt", "arm_fadvise64_64",
            "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush", "set_tls");

    /**
     * The calls Docker allows only when the container's bounding set holds a capability
     * ({@code includes.caps}), in the profile's order; capabilities without {@code CAP_}.
     */
    static final Map<String, List<String>> BY_CAPABILITY = byCapability();

    /** Profiles already made, by the capabilities of {@link #BY_CAPABILITY} they were made for. */
    private static final Map<Set<String>, Profile> MADE = new ConcurrentHashMap<>();

    static final Profile PROFILE = forCapabilities(List.of("CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD",
            "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL",
            "AUDIT_WRITE"));

    private DockerDefault() {
    }

    private static Map<String, List<String>> byCapability() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("DAC_READ_SEARCH", List.of("open_by_handle_at"));
        m.put("SYS_ADMIN", List.of("bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen",
                "fspick", "lookup_dcookie", "lsm_get_self_attr", "lsm_list_modules", "lsm_set_self_attr", "mount",
                "mount_setattr", "move_mount", "open_tree", "perf_event_open", "quotactl", "quotactl_fd",
                "setdomainname", "sethostname", "setns", "syslog", "umount", "umount2", "unshare"));
        m.put("SYS_BOOT", List.of("reboot"));
        m.put("SYS_CHROOT", List.of("chroot"));
        m.put("SYS_MODULE", List.of("delete_module", "init_module", "finit_module"));
        m.put("SYS_PACCT", List.of("acct"));
        m.put("SYS_PTRACE", List.of("kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv",
                "process_vm_writev", "ptrace"));
        m.put("SYS_RAWIO", List.of("iopl", "ioperm"));
        m.put("SYS_TIME", List.of("settimeofday", "clock_settime"));
        m.put("SYS_TTY_CONFIG", List.of("vhangup"));
        m.put("SYS_NICE", List.of("get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"));
        m.put("SYSLOG", List.of("syslog"));
        m.put("BPF", List.of("bpf"));
        m.put("PERFMON", List.of("perf_event_open"));
        return java.util.Collections.unmodifiableMap(m);
    }

    /**
     * Docker's default profile for a container whose bounding set holds {@code capabilities}
     * (names, {@code CAP_} optional, any case); made once per set of the capabilities that
     * matter to it.
     */
    static Profile forCapabilities(Collection<String> capabilities) {
        Set<String> relevant = new TreeSet<>();
        for (String c : capabilities) {
            String name = c.trim().toUpperCase(Locale.ROOT);
            name = name.startsWith("CAP_") ? name.substring(4) : name;
            if (BY_CAPABILITY.containsKey(name)) {
                relevant.add(name);
            }
        }
        return MADE.computeIfAbsent(Set.copyOf(relevant), DockerDefault::build);
    }

    private static Profile build(Set<String> capabilities) {
        List<SyscallRule> rules = new ArrayList<>();
        List<String> allowed = new ArrayList<>(ALLOWED);
        allowed.addAll(ALLOWED_NEWER);
        rules.add(SyscallRule.of(Action.ALLOW, allowed));
        rules.add(SyscallRule.of(Action.ALLOW, PTRACE));
        // socket(2): every address family but AF_ALG (the kernel's crypto API) and AF_VSOCK
        rules.add(SyscallRule.of(Action.ALLOW, List.of("socket"), ArgCondition.of(0, Operator.LT, linux_h.AF_ALG())));
        rules.add(SyscallRule.of(Action.ALLOW, List.of("socket"), ArgCondition.of(0, Operator.EQ, linux_h.AF_NFC())));
        rules.add(SyscallRule.of(Action.ALLOW, List.of("socket"), ArgCondition.of(0, Operator.GT, linux_h.AF_VSOCK())));
        // personality(2): the personalities Docker allows, and 0xffffffff, which only queries
        long query = Integer.toUnsignedLong(-1);
        for (long persona : List.of((long) linux_h.PER_LINUX(), (long) linux_h.PER_LINUX32(), (long) linux_h.UNAME26(),
                (long) (linux_h.UNAME26() | linux_h.PER_LINUX32()), query)) {
            rules.add(SyscallRule.of(Action.ALLOW, List.of("personality"), ArgCondition.of(0, Operator.EQ, persona)));
        }
        rules.add(SyscallRule.of(Action.ALLOW, ARCH_SPECIFIC));
        BY_CAPABILITY.forEach((cap, names) -> {
            if (capabilities.contains(cap)) {
                rules.add(SyscallRule.of(Action.ALLOW, names));
            }
        });
        if (!capabilities.contains("SYS_ADMIN")) {
            long namespaceFlags = Integer.toUnsignedLong(linux_h.CLONE_NEWNS() | linux_h.CLONE_NEWUTS()
                    | linux_h.CLONE_NEWIPC() | linux_h.CLONE_NEWUSER() | linux_h.CLONE_NEWPID() | linux_h.CLONE_NEWNET()
                    | linux_h.CLONE_NEWCGROUP());
            // flags are clone's first argument on x86_64 and aarch64
            rules.add(SyscallRule.of(Action.ALLOW, List.of("clone"), ArgCondition.maskedEq(0, namespaceFlags, 0)));
            rules.add(SyscallRule.errno(linux_h.ENOSYS(), List.of("clone3")));
        }
        return new Profile(Action.ERRNO, linux_h.EPERM(), List.of(Arch.X86_64.ociName(), Arch.AARCH64.ociName()),
                List.of(), rules);
    }
}
