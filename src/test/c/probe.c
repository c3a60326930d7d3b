/*
 * probe: calls one system call, named on the command line, and prints what the kernel
 * answered, for kernel tests that need a call busybox has no applet for (or whose applet
 * hides the errno). Compiled at test time with gcc -static by dev.hako.testing.Probe, so it
 * runs inside any container rootfs. Never committed as a binary.
 *
 *   probe [-u UID] CALL ARGS...
 *
 * With -u, the probe first sets its groups, gid and uid to UID (it needs CAP_SETUID and
 * CAP_SETGID for that), so that one call can be made as another user.
 *
 * prints one line: "ok RESULT [details]" when the call succeeded, "errno N NAME" when it
 * failed (N from errno, NAME like EPERM), and exits 0 in both cases; a usage error exits 2.
 * Flags are numbers or names joined by '|' (MS_RDONLY|MS_BIND, CLONE_NEWUSER, O_WRONLY);
 * "-" stands for a NULL string.
 *
 * To add a case: a function below, one line in CALLS, and the usage in Probe.java.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>
#include <linux/keyctl.h>

struct flag {
    const char *name;
    unsigned long value;
};

static const struct flag FLAGS[] = {
    {"MS_RDONLY", MS_RDONLY}, {"MS_NOSUID", MS_NOSUID}, {"MS_NODEV", MS_NODEV}, {"MS_NOEXEC", MS_NOEXEC},
    {"MS_REMOUNT", MS_REMOUNT}, {"MS_BIND", MS_BIND}, {"MS_REC", MS_REC}, {"MS_PRIVATE", MS_PRIVATE},
    {"MNT_DETACH", MNT_DETACH}, {"MNT_FORCE", MNT_FORCE},
    {"CLONE_NEWNS", CLONE_NEWNS}, {"CLONE_NEWUSER", CLONE_NEWUSER}, {"CLONE_NEWPID", CLONE_NEWPID},
    {"CLONE_NEWNET", CLONE_NEWNET}, {"CLONE_NEWUTS", CLONE_NEWUTS}, {"CLONE_NEWIPC", CLONE_NEWIPC},
    {"CLONE_NEWCGROUP", CLONE_NEWCGROUP}, {"CLONE_FS", CLONE_FS}, {"CLONE_FILES", CLONE_FILES},
    {"O_RDONLY", O_RDONLY}, {"O_WRONLY", O_WRONLY}, {"O_RDWR", O_RDWR}, {"O_PATH", O_PATH},
    {"O_DIRECTORY", O_DIRECTORY}, {"O_NONBLOCK", O_NONBLOCK}, {"0", 0},
};

static void usage(const char *why) {
    fprintf(stderr, "probe: %s\n", why);
    exit(2);
}

static unsigned long flags(const char *text) {
    unsigned long value = 0;
    char *copy = strdup(text);
    for (char *tok = strtok(copy, "|"); tok; tok = strtok(NULL, "|")) {
        char *end;
        unsigned long n = strtoul(tok, &end, 0);
        if (*end == '\0') {
            value |= n;
            continue;
        }
        size_t i;
        for (i = 0; i < sizeof FLAGS / sizeof FLAGS[0]; i++) {
            if (strcmp(FLAGS[i].name, tok) == 0) {
                value |= FLAGS[i].value;
                break;
            }
        }
        if (i == sizeof FLAGS / sizeof FLAGS[0]) {
            usage("unknown flag name");
        }
    }
    free(copy);
    return value;
}

static const char *str(const char *text) {
    return strcmp(text, "-") == 0 ? NULL : text;
}

/* Prints the outcome of a call that returned r (-1 with errno set on failure). */
static int report(long r, const char *details) {
    if (r == -1) {
        int e = errno;
        const char *name = strerrorname_np(e);
        printf("errno %d %s\n", e, name ? name : "?");
    } else {
        printf("ok %ld%s%s\n", r, details ? " " : "", details ? details : "");
    }
    return 0;
}

static int do_syscall(int argc, char **argv) {
    long a[6] = {0};
    if (argc < 1 || argc > 7) {
        usage("syscall NR [ARG...]: up to six arguments");
    }
    for (int i = 1; i < argc; i++) {
        a[i - 1] = (long) flags(argv[i]);
    }
    return report(syscall(strtol(argv[0], NULL, 0), a[0], a[1], a[2], a[3], a[4], a[5]), NULL);
}

static int do_mount(int argc, char **argv) {
    if (argc != 5) {
        usage("mount SOURCE TARGET FSTYPE FLAGS DATA");
    }
    return report(mount(str(argv[0]), argv[1], str(argv[2]), flags(argv[3]), str(argv[4])), NULL);
}

static int do_umount2(int argc, char **argv) {
    if (argc != 2) {
        usage("umount2 TARGET FLAGS");
    }
    return report(umount2(argv[0], (int) flags(argv[1])), NULL);
}

static int do_unshare(int argc, char **argv) {
    if (argc != 1) {
        usage("unshare FLAGS");
    }
    return report(unshare((int) flags(argv[0])), NULL);
}

static int do_add_key(int argc, char **argv) {
    if (argc != 3) {
        usage("add_key TYPE DESCRIPTION PAYLOAD");
    }
    return report(syscall(SYS_add_key, argv[0], argv[1], argv[2], strlen(argv[2]), KEY_SPEC_PROCESS_KEYRING), NULL);
}

static int do_keyctl_join(int argc, char **argv) {
    if (argc != 1) {
        usage("keyctl_join NAME");
    }
    return report(syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, str(argv[0])), NULL);
}

static int do_ptrace_attach(int argc, char **argv) {
    if (argc != 1) {
        usage("ptrace_attach PID");
    }
    pid_t pid = (pid_t) strtol(argv[0], NULL, 0);
    long r = ptrace(PTRACE_ATTACH, pid, NULL, NULL);
    int e = errno;
    if (r == 0) {
        waitpid(pid, NULL, __WALL);
        ptrace(PTRACE_DETACH, pid, NULL, NULL);
    }
    errno = e;
    return report(r, NULL);
}

static int do_init_module(int argc, char **argv) {
    (void) argv;
    if (argc != 0) {
        usage("init_module: no arguments (an empty image, which no kernel loads)");
    }
    static char empty[1];
    return report(syscall(SYS_init_module, empty, 0UL, ""), NULL);
}

static int do_finit_module(int argc, char **argv) {
    if (argc != 1) {
        usage("finit_module PATH (a file that is no module, like /dev/null)");
    }
    int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        usage("cannot open the file for finit_module");
    }
    return report(syscall(SYS_finit_module, fd, "", 0), NULL);
}

static int do_delete_module(int argc, char **argv) {
    if (argc != 1) {
        usage("delete_module NAME");
    }
    return report(syscall(SYS_delete_module, argv[0], O_NONBLOCK), NULL);
}

static int do_name_to_handle_at(int argc, char **argv) {
    if (argc != 1) {
        usage("name_to_handle_at PATH");
    }
    struct file_handle *h = malloc(sizeof *h + MAX_HANDLE_SZ);
    h->handle_bytes = MAX_HANDLE_SZ;
    int mount_id;
    if (name_to_handle_at(AT_FDCWD, argv[0], h, &mount_id, 0) != 0) {
        return report(-1, NULL);
    }
    char details[2 * MAX_HANDLE_SZ + 32];
    int n = snprintf(details, sizeof details, "type=%d handle=", h->handle_type);
    for (unsigned i = 0; i < h->handle_bytes; i++) {
        n += snprintf(details + n, sizeof details - n, "%02x", h->f_handle[i]);
    }
    return report(0, details);
}

static int do_open_by_handle_at(int argc, char **argv) {
    if (argc != 3) {
        usage("open_by_handle_at MOUNT_PATH TYPE HEX (as name_to_handle_at printed them)");
    }
    size_t len = strlen(argv[2]) / 2;
    struct file_handle *h = malloc(sizeof *h + len);
    h->handle_bytes = (unsigned) len;
    h->handle_type = (int) strtol(argv[1], NULL, 0);
    for (size_t i = 0; i < len; i++) {
        sscanf(argv[2] + 2 * i, "%2hhx", &h->f_handle[i]);
    }
    int mount_fd = open(argv[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (mount_fd < 0) {
        usage("cannot open the mount path for open_by_handle_at");
    }
    int fd = (int) syscall(SYS_open_by_handle_at, mount_fd, h, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        return report(-1, NULL);
    }
    struct stat st;
    fstat(fd, &st);
    char details[64];
    snprintf(details, sizeof details, "dev=%lu ino=%lu", (unsigned long) st.st_dev, (unsigned long) st.st_ino);
    return report(fd, details);
}

static int do_stat(int argc, char **argv) {
    if (argc != 1) {
        usage("stat PATH");
    }
    struct stat st;
    if (stat(argv[0], &st) != 0) {
        return report(-1, NULL);
    }
    char details[64];
    snprintf(details, sizeof details, "dev=%lu ino=%lu", (unsigned long) st.st_dev, (unsigned long) st.st_ino);
    return report(0, details);
}

static int do_open(int argc, char **argv) {
    if (argc != 2) {
        usage("open PATH FLAGS");
    }
    return report(open(argv[0], (int) flags(argv[1]) | O_CLOEXEC), NULL);
}

/* open(PATH, O_WRONLY) then write(DATA): the errno of whichever fails first. */
static int do_write(int argc, char **argv) {
    if (argc != 2) {
        usage("write PATH DATA");
    }
    int fd = open(argv[0], O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return report(-1, "open");
    }
    return report(write(fd, argv[1], strlen(argv[1])), NULL);
}

struct call {
    const char *name;
    int (*run)(int argc, char **argv);
};

static const struct call CALLS[] = {
    {"syscall", do_syscall}, {"mount", do_mount}, {"umount2", do_umount2}, {"unshare", do_unshare},
    {"add_key", do_add_key}, {"keyctl_join", do_keyctl_join}, {"ptrace_attach", do_ptrace_attach},
    {"init_module", do_init_module}, {"finit_module", do_finit_module}, {"delete_module", do_delete_module},
    {"name_to_handle_at", do_name_to_handle_at}, {"open_by_handle_at", do_open_by_handle_at},
    {"stat", do_stat}, {"open", do_open}, {"write", do_write},
};

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "-u") == 0) {
        uid_t id = (uid_t) strtoul(argv[2], NULL, 0);
        if (setgroups(0, NULL) != 0 || setresgid(id, id, id) != 0 || setresuid(id, id, id) != 0) {
            usage("-u: cannot change to that user");
        }
        argc -= 2;
        argv += 2;
    }
    if (argc < 2) {
        usage("probe [-u UID] CALL ARGS...");
    }
    for (size_t i = 0; i < sizeof CALLS / sizeof CALLS[0]; i++) {
        if (strcmp(CALLS[i].name, argv[1]) == 0) {
            return CALLS[i].run(argc - 2, argv + 2);
        }
    }
    usage("unknown call");
    return 2;
}
