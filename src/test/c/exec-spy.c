/*
 * exec-spy: runs inside a container and attacks every process it sees whose comm is
 * argv[1] (the JVM's spawner thread's name, which a child cloned from it keeps until its
 * execve: a "joining" exec child, on the JVM's memory) or argv[2] (an ordinary process of
 * the container: the control, which must be attackable, or the test proves nothing).
 *
 * Each round, for each such pid: PTRACE_ATTACH, PTRACE_SEIZE, open of /proc/PID/mem, open of
 * /proc/PID/root, and process_vm_readv. A success against a joining child is a breach when
 * the target was still the joining child at that moment: for ptrace, seen while it is
 * stopped under us; for the others, its comm still being argv[1] afterwards. A success
 * that races with the target's execve (comm changed meanwhile) proves nothing either way:
 * the held child of the test, which cannot exec while it is attacked, is the sure case.
 *
 * Protocol on stdout, one line each, flushed:
 *   REFUSED <pid> <attack> <errno>   a joining child refused an attack (EPERM/EACCES)
 *   BREACH <pid> <attack>            a joining child was attacked successfully
 *   CONTROL <pid> <attack>           the control was attacked successfully
 * and when stdin reaches EOF or gets a byte, a last line
 *   SUMMARY joining=<n> refused=<n> breaches=<n> control=<n> vanished=<n>
 * "vanished" counts attacks that failed because the target was gone or had exec'd
 * (ESRCH, ENOENT): they prove nothing either way.
 *
 * Built by the test with gcc -static; never committed as a binary.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *joining_name;
static const char *control_name;
static long joining, refused, breaches, control, vanished;

static int read_comm(int pid, char *buf, size_t size) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/comm", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n <= 0) {
        return -1;
    }
    buf[n] = 0;
    char *nl = strchr(buf, '\n');
    if (nl) {
        *nl = 0;
    }
    return 0;
}

static int is_joining(int pid) {
    char comm[64];
    return read_comm(pid, comm, sizeof comm) == 0 && strcmp(comm, joining_name) == 0;
}

/* Prints a line only the first time for this (kind, pid, attack): the loop repeats them. */
static int first_time(char kind, int pid, const char *attack) {
    static char seen[4096][32];
    static int count;
    char key[32];
    snprintf(key, sizeof key, "%c%d%s", kind, pid, attack);
    for (int i = 0; i < count; i++) {
        if (strcmp(seen[i], key) == 0) {
            return 0;
        }
    }
    if (count < 4096) {
        strcpy(seen[count++], key);
    }
    return 1;
}

/* What one attack came to, against a target that was joining (or the control). */
static void record(int pid, int was_joining, const char *attack, int ok, int err, int still_joining) {
    if (!was_joining) {
        if (ok) {
            control++;
            if (first_time('C', pid, attack)) {
                printf("CONTROL %d %s\n", pid, attack);
            }
        }
        return;
    }
    joining++;
    if (ok && still_joining) {
        breaches++;
        printf("BREACH %d %s\n", pid, attack);
    } else if (!ok && (err == EPERM || err == EACCES)) {
        refused++;
        if (first_time('R', pid, attack)) {
            printf("REFUSED %d %s %d\n", pid, attack, err);
        }
    } else {
        vanished++; /* failed as gone, or succeeded only once the target had exec'd */
    }
    fflush(stdout);
}

/*
 * Waits for the tracee's next stop; returns its status, or -1 when it is gone. Other
 * stops come first at times (a SIGTRAP from an execve the tracee finished while attached,
 * a signal meant for it): it is continued from those, so that the stop we asked for is
 * the one we detach from and no SIGSTOP of ours is left pending to stop it for good.
 */
static int wait_for_stop(int pid, int wanted_signal, int wanted_event) {
    int status;
    for (;;) {
        if (waitpid(pid, &status, __WALL) < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        if (!WIFSTOPPED(status)) {
            return -1; /* exited or killed */
        }
        if (WSTOPSIG(status) == wanted_signal && (status >> 16) == wanted_event) {
            return status;
        }
        ptrace(PTRACE_CONT, pid, 0, 0);
    }
}

/*
 * A tracee stopped under us with the joining child's comm was stopped before its execve:
 * comm changes inside execve after the switch to the new program's memory, and no stop can
 * happen between the two. So that is a breach; a stop with any other comm proves nothing.
 */
static void attack_attach(int pid, int was_joining) {
    if (ptrace(PTRACE_ATTACH, pid, 0, 0) != 0) {
        record(pid, was_joining, "attach", 0, errno, 0);
        return;
    }
    int status = wait_for_stop(pid, SIGSTOP, 0);
    record(pid, was_joining, "attach", 1, 0, status != -1 && is_joining(pid));
    ptrace(PTRACE_DETACH, pid, 0, 0);
}

static void attack_seize(int pid, int was_joining) {
    if (ptrace(PTRACE_SEIZE, pid, 0, 0) != 0) {
        record(pid, was_joining, "seize", 0, errno, 0);
        return;
    }
    ptrace(PTRACE_INTERRUPT, pid, 0, 0);
    int status = wait_for_stop(pid, SIGTRAP, PTRACE_EVENT_STOP);
    record(pid, was_joining, "seize", 1, 0, status != -1 && is_joining(pid));
    ptrace(PTRACE_DETACH, pid, 0, 0);
}

static void attack_open(int pid, int was_joining, const char *what, int flags) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", pid, what);
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0) {
        record(pid, was_joining, what, 0, errno, 0);
        return;
    }
    int still = is_joining(pid);
    if (strcmp(what, "mem") == 0) {
        char byte;
        /* any readable address will do; a refusal here would come too late anyway */
        (void) pread(fd, &byte, 1, 0x400000);
    }
    close(fd);
    record(pid, was_joining, what, 1, 0, still);
}

/* process_vm_readv: EFAULT means the access check passed and only the address was bad. */
static void attack_vm_readv(int pid, int was_joining) {
    char byte;
    struct iovec local = {.iov_base = &byte, .iov_len = 1};
    struct iovec remote = {.iov_base = (void *) 0x400000, .iov_len = 1};
    ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    int err = n < 0 ? errno : 0;
    int ok = n >= 0 || err == EFAULT;
    record(pid, was_joining, "vm_readv", ok, err, ok && is_joining(pid));
}

static int stdin_done(void) {
    struct pollfd p = {.fd = 0, .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

/*
 * exec-spy --hold PID: seizes PID and never waits for it, until stdin reaches EOF. Once
 * PID dies it is a ptrace zombie that its real parent (the JVM) cannot reap meanwhile.
 */
static int hold(int pid) {
    if (ptrace(PTRACE_SEIZE, pid, 0, 0) != 0) {
        printf("SEIZE-FAILED %d\n", errno);
        return 1;
    }
    printf("HOLDING %d\n", pid);
    fflush(stdout);
    char buf[64];
    while (read(0, buf, sizeof buf) > 0) {
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--hold") == 0) {
        return hold(atoi(argv[2]));
    }
    if (argc != 3) {
        fprintf(stderr, "usage: exec-spy JOINING_COMM CONTROL_COMM | exec-spy --hold PID\n");
        return 2;
    }
    joining_name = argv[1];
    control_name = argv[2];
    int self = getpid();
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("READY\n");
    while (!stdin_done()) {
        /* A tracee killed while stopped under us (the test kills the control) cannot be
           detached any more and waits for us as its tracer: collect it, so that its parent,
           the JVM, can reap it. As PID 1 this also reaps any orphan. */
        int status;
        while (waitpid(-1, &status, WNOHANG | __WALL) > 0) {
        }
        DIR *proc = opendir("/proc");
        if (!proc) {
            perror("opendir /proc");
            return 1;
        }
        struct dirent *e;
        while ((e = readdir(proc)) != NULL) {
            int pid = atoi(e->d_name);
            if (pid <= 0 || pid == self) {
                continue;
            }
            char comm[64];
            if (read_comm(pid, comm, sizeof comm) != 0) {
                continue;
            }
            int was_joining = strcmp(comm, joining_name) == 0;
            if (!was_joining && strcmp(comm, control_name) != 0) {
                continue;
            }
            attack_attach(pid, was_joining);
            attack_seize(pid, was_joining);
            attack_open(pid, was_joining, "mem", O_RDONLY);
            attack_open(pid, was_joining, "root", O_RDONLY | O_DIRECTORY);
            attack_vm_readv(pid, was_joining);
        }
        closedir(proc);
    }
    printf("SUMMARY joining=%ld refused=%ld breaches=%ld control=%ld vanished=%ld\n",
           joining, refused, breaches, control, vanished);
    return 0;
}
