package dev.hako.seccomp;

import dev.hako.linux.linux_h;

import java.util.List;

/**
 * hako's default profile, written to equal in effect Docker's default profile for a
 * container with Docker's default capabilities: the same allow-list of system calls,
 * clone and unshare only without namespace flags, personality only with the values Docker
 * allows, clone3 failing with ENOSYS (its flags sit in memory a filter cannot read, so libc
 * falls back to clone), and EPERM for the rest (mount, reboot, kexec_load, init_module,
 * open_by_handle_at, keyctl, bpf, ...). The list names 64-bit x86_64 and aarch64 calls
 * the build's headers know; a name one architecture lacks is left out of its filter.
 */
final class DockerDefault {
    /** Allowed outright. */
    static final List<String> ALLOWED = List.of(
            "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "capget", "capset", "chdir", "chmod",
            "chown", "clock_adjtime", "clock_getres", "clock_gettime", "clock_nanosleep", "close", "close_range",
            "connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1",
            "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd",
            "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64",
            "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchown", "fchownat", "fcntl",
            "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstatfs",
            "fsync", "ftruncate", "futex", "futex_waitv", "futimesat", "getcpu", "getcwd", "getdents", "getdents64",
            "getegid", "geteuid", "getgid", "getgroups", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid",
            "getppid", "getpriority", "getrandom", "getresgid", "getresuid", "getrlimit", "get_robust_list",
            "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday", "getuid",
            "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel",
            "ioctl", "io_destroy", "io_getevents", "io_pgetevents", "ioprio_get", "ioprio_set", "io_setup",
            "io_submit", "kill", "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown",
            "lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr", "lremovexattr", "lseek", "lsetxattr",
            "lstat", "madvise", "membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod",
            "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mprotect", "mq_getsetattr", "mq_notify", "mq_open",
            "mq_timedreceive", "mq_timedsend", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv", "msgsnd", "msync",
            "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep", "newfstatat", "open", "openat",
            "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free",
            "pkey_mprotect", "poll", "ppoll", "prctl", "pread64", "preadv", "preadv2", "prlimit64",
            "process_mrelease", "process_vm_readv", "process_vm_writev", "pselect6", "ptrace", "pwrite64", "pwritev",
            "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recvfrom", "recvmmsg", "recvmsg",
            "remap_file_pages", "removexattr", "rename", "renameat", "renameat2", "restart_syscall", "rmdir", "rseq",
            "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend",
            "rt_sigtimedwait", "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr", "sched_getparam",
            "sched_get_priority_max", "sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval",
            "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp",
            "select", "semctl", "semget", "semop", "semtimedop", "sendfile", "sendmmsg", "sendmsg", "sendto",
            "setfsgid", "setfsuid", "setgid", "setgroups", "setitimer", "setpgid", "setpriority", "setregid",
            "setresgid", "setresuid", "setreuid", "setrlimit", "set_robust_list", "setsid", "setsockopt",
            "set_thread_area", "set_tid_address", "setuid", "setxattr", "shmat", "shmctl", "shmdt", "shmget",
            "shutdown", "sigaltstack", "signalfd", "signalfd4", "socket", "socketpair", "splice", "stat", "statfs",
            "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time",
            "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime", "timer_settime", "timerfd_create",
            "timerfd_gettime", "timerfd_settime", "times", "tkill", "truncate", "umask", "uname", "unlink",
            "unlinkat", "utime", "utimensat", "utimes", "vfork", "vmsplice", "wait4", "waitid", "write", "writev",
            // x86_64 only
            "arch_prctl", "modify_ldt");

    static final Profile PROFILE = build();

    private DockerDefault() {
    }

    private static Profile build() {
        long namespaceFlags = Integer.toUnsignedLong(linux_h.CLONE_NEWNS() | linux_h.CLONE_NEWUTS()
                | linux_h.CLONE_NEWIPC() | linux_h.CLONE_NEWUSER() | linux_h.CLONE_NEWPID() | linux_h.CLONE_NEWNET()
                | linux_h.CLONE_NEWCGROUP());
        // personality(2): the personalities Docker allows, and 0xffffffff, which only queries
        long query = Integer.toUnsignedLong(-1);
        List<SyscallRule> rules = new java.util.ArrayList<>();
        rules.add(SyscallRule.of(Action.ALLOW, ALLOWED));
        for (long persona : List.of((long) linux_h.PER_LINUX(), (long) linux_h.PER_LINUX32(), (long) linux_h.UNAME26(),
                (long) (linux_h.UNAME26() | linux_h.PER_LINUX32()), query)) {
            rules.add(SyscallRule.of(Action.ALLOW, List.of("personality"), ArgCondition.of(0, Operator.EQ, persona)));
        }
        // flags are clone's first argument on x86_64 and aarch64, and unshare's only one
        rules.add(SyscallRule.of(Action.ALLOW, List.of("clone", "unshare"), ArgCondition.maskedEq(0, namespaceFlags, 0)));
        rules.add(SyscallRule.errno(linux_h.ENOSYS(), List.of("clone3")));
        return new Profile(Action.ERRNO, linux_h.EPERM(), List.of(Arch.X86_64.ociName(), Arch.AARCH64.ociName()),
                List.of(), rules);
    }
}
