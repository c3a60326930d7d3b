/*
 * Test-only harness for hako's clone trampoline (src/main/asm/trampoline-*.S).
 * Nothing here goes into the product; TrampolineCodeTest compiles it into
 * target/ at test time and runs it: natively; statically linked under
 * qemu-user for the other architecture; and, statically linked for aarch64, as
 * /init of an initramfs on a real arm64 kernel booted under qemu-system.
 *
 *   trampoline_harness ROUTINE.bin [--emulated]
 *   /init                 as PID 1 without arguments: runs /routine.bin, then
 *                         powers the machine off
 *
 * ROUTINE.bin holds the bytes embedded in TrampolineCode.java. They are mapped
 * executable and called with control blocks and programs built here, the way
 * the Java caller builds them. Output, one line each:
 *   LAYOUT name=value     the layout this harness assumes (the test compares
 *                         it with TrampolineCode's constants)
 *   PASS name / FAIL name: detail
 *   NOT VERIFIED: what    something this environment cannot check
 *   VERDICT: OK (...) / VERDICT: FAIL (...)
 * Exit status 0 only with VERDICT: OK.
 *
 * Two ways to run a program:
 *   clone3  the real thing: clone3(CLONE_VM, own stack, SIGCHLD), exactly as
 *           hako uses it (minus namespaces, so no root is needed). Steps,
 *           results and everything else the child writes live in private
 *           memory (static storage), so only CLONE_VM can bring the results
 *           back to the parent; a control run without CLONE_VM must not see
 *           them. The child's stack is PROT_NONE, and so is a stack's size
 *           of memory on either side of it: the routine must never touch its
 *           stack in the child, and a read or write near sp kills it with
 *           SIGSEGV (a second control proves that it would).
 *   fork    for environments whose clone3 cannot do that (qemu-user): a
 *           fork()ed process calls the routine with sched_yield standing in
 *           for clone3. sched_yield returns 0, so the routine takes its child
 *           path on the forked process's own stack and runs the same program,
 *           with the same instructions. A fork()ed child has no CLONE_VM, so
 *           here, by design, everything the checks look at lives in a
 *           MAP_SHARED mapping and the results come back through it: this
 *           mode checks the step interpreter, not shared memory or the stack.
 * Without --emulated, only clone3 counts, and it must work.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

/* Layout of the control block and steps, as documented in TrampolineCode. */
struct control {
    uint64_t clone_args, clone_args_size, program, block, saved;
    uint64_t nr_rt_sigprocmask, nr_clone3, nr_exit, sig_setmask, sigset_size;
    uint64_t failure_code, skip_result;
};
struct step {
    int64_t nr, a[6];
    uint64_t flags;
    int64_t result;
};
_Static_assert(sizeof(struct control) == 96, "control block is 12 longs");
_Static_assert(sizeof(struct step) == 72, "step is 9 longs");

enum { MAY_FAIL = 1, ZERO_FAILS = 2, ARG0_FROM_PREV = 4, SKIP_ON_ENOENT = 8, EXIT_ON_POSITIVE = 16 };
#define SKIP(k)        (SKIP_ON_ENOENT | ((uint64_t)(k) << 8))   /* skip count: bits 8..15 */
#define MISSING_PATH   "/hako-trampoline-harness/no-such-path"

#define END_OF_PROGRAM (-1L)
#define UNTOUCHED      ((int64_t)0x5a5a5a5a5a5a5a5aLL)  /* result of a step that never ran */
#define FAILURE_CODE   87
#define STACK_SIZE     (64 * 1024)

/* ---------- calling the routine while watching callee-saved registers ---------- */

/*
 * long checked_call(long (*fn)(void *), void *control, long *clobbered)
 * Loads every callee-saved general register (and the frame pointer) with a
 * known pattern, calls fn(control), and counts into *clobbered the registers
 * (and the stack pointer) that did not come back as they went in.
 * Floating-point callee-saved registers are not checked: the routine has no
 * FP instructions at all (see the disassembly).
 */
long checked_call(long (*fn)(void *), void *control, long *clobbered);
long checked_saved_sp;

#if defined(__x86_64__)
__asm__(
    ".text\n"
    ".globl checked_call\n"
    "checked_call:\n"
    "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
    "  push %rdx\n"                              /* 7 pushes: 16-aligned at the call */
    "  mov %rsp, checked_saved_sp(%rip)\n"
    "  movabs $0x1b1b1b1b1b1b1b1b, %rbx\n"
    "  movabs $0x2b2b2b2b2b2b2b2b, %rbp\n"
    "  movabs $0x3c3c3c3c3c3c3c3c, %r12\n"
    "  movabs $0x4d4d4d4d4d4d4d4d, %r13\n"
    "  movabs $0x5e5e5e5e5e5e5e5e, %r14\n"
    "  movabs $0x6f6f6f6f6f6f6f6f, %r15\n"
    "  mov %rdi, %rax\n"
    "  mov %rsi, %rdi\n"
    "  call *%rax\n"
    "  xor %ecx, %ecx\n"
    "  .macro hako_check reg, val\n"
    "    movabs $\\val, %r11\n"
    "    cmp %r11, \\reg\n"
    "    je 1f\n"
    "    inc %rcx\n"
    "  1:\n"
    "  .endm\n"
    "  hako_check %rbx, 0x1b1b1b1b1b1b1b1b\n"
    "  hako_check %rbp, 0x2b2b2b2b2b2b2b2b\n"
    "  hako_check %r12, 0x3c3c3c3c3c3c3c3c\n"
    "  hako_check %r13, 0x4d4d4d4d4d4d4d4d\n"
    "  hako_check %r14, 0x5e5e5e5e5e5e5e5e\n"
    "  hako_check %r15, 0x6f6f6f6f6f6f6f6f\n"
    "  .purgem hako_check\n"
    "  cmp checked_saved_sp(%rip), %rsp\n"
    "  je 2f\n"
    "  inc %rcx\n"
    "2:\n"
    "  pop %rdx\n"
    "  mov %rcx, (%rdx)\n"
    "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
    "  ret\n");
#elif defined(__aarch64__)
__asm__(
    ".text\n"
    ".globl checked_call\n"
    "checked_call:\n"
    "  stp x29, x30, [sp, #-112]!\n"
    "  stp x19, x20, [sp, #16]\n"
    "  stp x21, x22, [sp, #32]\n"
    "  stp x23, x24, [sp, #48]\n"
    "  stp x25, x26, [sp, #64]\n"
    "  stp x27, x28, [sp, #80]\n"
    "  str x2, [sp, #96]\n"
    "  adrp x9, checked_saved_sp\n"
    "  add x9, x9, :lo12:checked_saved_sp\n"
    "  mov x10, sp\n"
    "  str x10, [x9]\n"
    "  ldr x19, =0x1919191919191919\n"
    "  ldr x20, =0x2020202020202020\n"
    "  ldr x21, =0x2121212121212121\n"
    "  ldr x22, =0x2222222222222222\n"
    "  ldr x23, =0x2323232323232323\n"
    "  ldr x24, =0x2424242424242424\n"
    "  ldr x25, =0x2525252525252525\n"
    "  ldr x26, =0x2626262626262626\n"
    "  ldr x27, =0x2727272727272727\n"
    "  ldr x28, =0x2828282828282828\n"
    "  ldr x29, =0x2929292929292929\n"
    "  mov x16, x0\n"
    "  mov x0, x1\n"
    "  blr x16\n"
    "  mov x9, xzr\n"
    "  .macro hako_check reg, val\n"
    "    ldr x10, =\\val\n"
    "    cmp \\reg, x10\n"
    "    cinc x9, x9, ne\n"
    "  .endm\n"
    "  hako_check x19, 0x1919191919191919\n"
    "  hako_check x20, 0x2020202020202020\n"
    "  hako_check x21, 0x2121212121212121\n"
    "  hako_check x22, 0x2222222222222222\n"
    "  hako_check x23, 0x2323232323232323\n"
    "  hako_check x24, 0x2424242424242424\n"
    "  hako_check x25, 0x2525252525252525\n"
    "  hako_check x26, 0x2626262626262626\n"
    "  hako_check x27, 0x2727272727272727\n"
    "  hako_check x28, 0x2828282828282828\n"
    "  hako_check x29, 0x2929292929292929\n"
    "  .purgem hako_check\n"
    "  adrp x11, checked_saved_sp\n"
    "  add x11, x11, :lo12:checked_saved_sp\n"
    "  ldr x10, [x11]\n"
    "  mov x12, sp\n"
    "  cmp x12, x10\n"
    "  cinc x9, x9, ne\n"
    "  ldr x2, [sp, #96]\n"
    "  str x9, [x2]\n"
    "  ldp x19, x20, [sp, #16]\n"
    "  ldp x21, x22, [sp, #32]\n"
    "  ldp x23, x24, [sp, #48]\n"
    "  ldp x25, x26, [sp, #64]\n"
    "  ldp x27, x28, [sp, #80]\n"
    "  ldp x29, x30, [sp], #112\n"
    "  ret\n"
    "  .ltorg\n");
#else
#error "trampoline harness: unsupported architecture"
#endif

/* ---------- reporting ---------- */

static int passed, failed;
static int as_init;   /* PID 1 of a test machine: power off at the end */
static int finish(int code);

static void check(int ok, const char *name, const char *fmt, ...) {
    if (ok) {
        printf("PASS %s\n", name);
        passed++;
    } else {
        va_list ap;
        printf("FAIL %s: ", name);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        failed++;
    }
    fflush(stdout);
}

static void die(const char *what) {
    printf("FAIL harness: %s: %s\n", what, strerror(errno));
    printf("VERDICT: FAIL (harness error)\n");
    exit(finish(2));
}

/* ---------- fixtures ---------- */

static long (*routine)(void *);

/*
 * Everything a child writes or the checks read. sh points at private_area for
 * clone3 runs (static storage: private to the process, so only CLONE_VM
 * shares it with the child) and at a MAP_SHARED mapping for fork runs.
 */
struct area {
    struct control control;
    struct clone_args args;
    struct step steps[16];
    uint64_t child_mask;
    uint64_t no_signals;
    char buf[16];
    char text[16];
};
static struct area private_area;
static struct area *shared_area;
static struct area *sh = &private_area;
static unsigned char *child_stack;   /* PROT_NONE */
static uint64_t clone_flags = CLONE_VM;

/* The signal mask the "JVM" runs with: only SIGUSR1 blocked. */
static uint64_t caller_mask(void) { return 1ULL << (SIGUSR1 - 1); }
static uint64_t current_mask(void) {
    uint64_t m = 0;
    if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, sizeof m) != 0) die("rt_sigprocmask");
    return m;
}

static void set_mask(uint64_t m) {
    if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &m, NULL, sizeof m) != 0) die("rt_sigprocmask");
}

/*
 * The mask that asking to block all 64 signals really gives. The kernel
 * silently keeps SIGKILL and SIGSTOP deliverable; qemu-user also keeps the
 * two highest signals for itself (seen with qemu 7.2: 0x3ffffffffffbfeff).
 * So ask this environment rather than assume.
 */
static uint64_t all_blockable(void) {
    uint64_t before = current_mask();
    set_mask(~0ULL);
    uint64_t all = current_mask();
    set_mask(before);
    return all;
}

static int nsteps;

static void program_reset(void) {
    nsteps = 0;
    for (int i = 0; i < 16; i++) {
        memset(&sh->steps[i], 0, sizeof sh->steps[i]);
        sh->steps[i].nr = END_OF_PROGRAM;
        sh->steps[i].result = UNTOUCHED;
    }
}

static int add(uint64_t flags, long nr, long a0, long a1, long a2, long a3) {
    struct step *s = &sh->steps[nsteps];
    s->nr = nr;
    s->a[0] = a0; s->a[1] = a1; s->a[2] = a2; s->a[3] = a3;
    s->a[4] = 0x4444; s->a[5] = 0x5555;   /* ignored by these syscalls */
    s->flags = flags;
    return nsteps++;
}

static void control_reset(long nr_clone3) {
    struct control *c = &sh->control;
    memset(&sh->args, 0, sizeof sh->args);
    sh->args.flags = clone_flags;
    sh->args.exit_signal = SIGCHLD;
    sh->args.stack = (uint64_t)(uintptr_t)child_stack;
    sh->args.stack_size = STACK_SIZE;

    c->clone_args = (uint64_t)(uintptr_t)&sh->args;
    c->clone_args_size = sizeof sh->args;
    c->program = (uint64_t)(uintptr_t)sh->steps;
    c->block = ~0ULL;
    c->saved = (uint64_t)UNTOUCHED;
    c->nr_rt_sigprocmask = SYS_rt_sigprocmask;
    c->nr_clone3 = nr_clone3;
    c->nr_exit = SYS_exit;
    c->sig_setmask = SIG_SETMASK;
    c->sigset_size = 8;
    c->failure_code = FAILURE_CODE;
    c->skip_result = -ENOENT;
}

/* ---------- running a program ---------- */

enum mode { MODE_CLONE3, MODE_FORK };

/* Where a test's fixtures live: private memory for clone3, shared for fork. */
static void use_memory_for(enum mode mode) {
    sh = mode == MODE_CLONE3 ? &private_area : shared_area;
}

struct run {
    long ret;          /* what the routine returned to its caller (clone3 mode) */
    pid_t pid;         /* the process that ran the program */
    int status;        /* its wait status */
    long clobbered;    /* callee-saved registers not preserved */
    uint64_t mask_after;
};

static void run_program(enum mode mode, struct run *r) {
    memset(r, 0, sizeof *r);
    if (sh != (mode == MODE_CLONE3 ? &private_area : shared_area)) {
        printf("FAIL harness: fixtures in the wrong memory for this mode\n");
        printf("VERDICT: FAIL (harness error)\n");
        exit(finish(2));
    }
    set_mask(caller_mask());
    if (mode == MODE_CLONE3) {
        control_reset(SYS_clone3);
        r->ret = checked_call(routine, &sh->control, &r->clobbered);
        r->mask_after = current_mask();
        r->pid = r->ret > 0 ? (pid_t)r->ret : -1;
    } else {
        control_reset(SYS_sched_yield);
        r->pid = fork();
        if (r->pid < 0) die("fork");
        if (r->pid == 0) {
            long clob = 0;
            checked_call(routine, &sh->control, &clob);
            _exit(99);   /* the routine exits by itself; reaching here is a failure */
        }
        r->mask_after = current_mask();
    }
    if (r->pid > 0 && waitpid(r->pid, &r->status, 0) != r->pid) die("waitpid");
}

static int exited_with(int status, int code) {
    return WIFEXITED(status) && WEXITSTATUS(status) == code;
}

static int killed_by(int status, int sig) {
    return WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

/* The parent sees what the child's write and dup steps returned. */
static int results_written_back(int s_write, int s_dup) {
    return sh->steps[s_write].result == 2 && sh->steps[s_dup].result > 2;
}

/* ---------- the checks ---------- */

static void test_program(enum mode mode, const char *m) {
    char name[128];
    int p[2], eof[2];
    use_memory_for(mode);
    if (pipe(p) || pipe(eof)) die("pipe");
    close(eof[1]);   /* reading eof[0] gives EOF */
    strcpy(sh->text, "okab");

    program_reset();
    int s_pgid = add(ARG0_FROM_PREV, SYS_getpgid, 999999999, 0, 0, 0); /* a0 ignored: prev = 0 */
    int s_write = add(0, SYS_write, p[1], (long)sh->text, 2, 0);
    int s_close = add(MAY_FAIL, SYS_close, -1, 0, 0, 0);                /* -EBADF, go on */
    int s_dup = add(0, SYS_dup, p[1], 0, 0, 0);
    int s_prev = add(ARG0_FROM_PREV, SYS_write, -1, (long)sh->text + 2, 2, 0); /* write(dup'd fd) */
    int s_mask = add(0, SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&sh->child_mask, 8);
    int s_eof = add(0, SYS_read, eof[0], (long)sh->buf, 1, 0);          /* 0 is fine here */
    int s_eof2 = add(ZERO_FAILS | MAY_FAIL, SYS_read, eof[0], (long)sh->buf, 1, 0);
    int s_pid = add(0, SYS_getpid, 0, 0, 0, 0);
    sh->child_mask = 0;

    struct run r;
    run_program(mode, &r);
    close(p[1]);
    close(eof[0]);
    char got[8] = {0};
    ssize_t n = read(p[0], got, sizeof got - 1);
    close(p[0]);

    if (mode == MODE_CLONE3) {
        snprintf(name, sizeof name, "%s: returns the child's pid", m);
        check(r.ret > 0, name, "returned %ld", r.ret);
        snprintf(name, sizeof name, "%s: callee-saved registers and sp preserved", m);
        check(r.clobbered == 0, name, "%ld registers changed", r.clobbered);
        snprintf(name, sizeof name, "%s: caller's mask saved into the control block", m);
        check(sh->control.saved == caller_mask(), name, "saved %#llx, expected %#llx",
              (unsigned long long)sh->control.saved, (unsigned long long)caller_mask());
        snprintf(name, sizeof name, "%s: caller's mask restored in the parent", m);
        check(r.mask_after == caller_mask(), name, "mask %#llx", (unsigned long long)r.mask_after);
    }
    if (r.pid <= 0) return;
    if (mode == MODE_CLONE3) {
        snprintf(name, sizeof name, "%s: child never touched its (PROT_NONE) stack", m);
        check(!killed_by(r.status, SIGSEGV), name, "child killed by SIGSEGV");
    }
    snprintf(name, sizeof name, "%s: program ran to the end, exit 0", m);
    check(exited_with(r.status, 0), name, "wait status %#x", r.status);
    snprintf(name, sizeof name, "%s: ARG0_FROM_PREV on the first step passes 0", m);
    check(sh->steps[s_pgid].result == getpgrp(), name, "getpgid gave %lld, expected %d",
          (long long)sh->steps[s_pgid].result, (int)getpgrp());
    snprintf(name, sizeof name, "%s: results written back", m);
    check(results_written_back(s_write, s_dup), name, "write %lld, dup %lld", (long long)sh->steps[s_write].result,
          (long long)sh->steps[s_dup].result);
    snprintf(name, sizeof name, "%s: MAY_FAIL step stores -errno and continues", m);
    check(sh->steps[s_close].result == -EBADF, name, "close(-1) gave %lld",
          (long long)sh->steps[s_close].result);
    snprintf(name, sizeof name, "%s: ARG0_FROM_PREV uses the previous result", m);
    check(sh->steps[s_prev].result == 2 && n == 4 && memcmp(got, "okab", 4) == 0, name,
          "write(prev) gave %lld, pipe held %zd bytes \"%s\"",
          (long long)sh->steps[s_prev].result, n, got);
    snprintf(name, sizeof name, "%s: all signals blocked while the program runs", m);
    check(sh->steps[s_mask].result == 0 && sh->child_mask == all_blockable(), name,
          "child mask %#llx", (unsigned long long)sh->child_mask);
    snprintf(name, sizeof name, "%s: a 0 result without ZERO_FAILS is success", m);
    check(sh->steps[s_eof].result == 0, name, "read gave %lld", (long long)sh->steps[s_eof].result);
    snprintf(name, sizeof name, "%s: ZERO_FAILS|MAY_FAIL continues", m);
    check(sh->steps[s_eof2].result == 0 && sh->steps[s_pid].result == r.pid, name,
          "read %lld, getpid %lld (pid %d)", (long long)sh->steps[s_eof2].result,
          (long long)sh->steps[s_pid].result, (int)r.pid);
}

static void test_failure_stops(enum mode mode, const char *m) {
    char name[128];
    int p[2];
    use_memory_for(mode);
    if (pipe(p)) die("pipe");
    strcpy(sh->text, "xy");

    program_reset();
    int s_x = add(0, SYS_write, p[1], (long)sh->text, 1, 0);
    int s_bad = add(0, SYS_close, -1, 0, 0, 0);
    int s_y = add(0, SYS_write, p[1], (long)sh->text + 1, 1, 0);

    struct run r;
    run_program(mode, &r);
    close(p[1]);
    char got[8] = {0};
    ssize_t n = read(p[0], got, sizeof got - 1);
    close(p[0]);

    snprintf(name, sizeof name, "%s: failing step exits with the failure code", m);
    check(r.pid > 0 && exited_with(r.status, FAILURE_CODE), name, "pid %d, wait status %#x",
          (int)r.pid, r.status);
    snprintf(name, sizeof name, "%s: failing step's -errno written back", m);
    check(sh->steps[s_x].result == 1 && sh->steps[s_bad].result == -EBADF, name,
          "write %lld, close(-1) %lld", (long long)sh->steps[s_x].result,
          (long long)sh->steps[s_bad].result);
    snprintf(name, sizeof name, "%s: no step runs after a failure", m);
    check(sh->steps[s_y].result == UNTOUCHED && n == 1 && got[0] == 'x', name,
          "next step result %#llx, pipe \"%s\"", (unsigned long long)sh->steps[s_y].result, got);
}

static void test_zero_fails(enum mode mode, const char *m) {
    char name[128];
    int eof[2];
    use_memory_for(mode);
    if (pipe(eof)) die("pipe");
    close(eof[1]);

    program_reset();
    int s_eof = add(ZERO_FAILS, SYS_read, eof[0], (long)sh->buf, 1, 0);
    int s_next = add(0, SYS_getpid, 0, 0, 0, 0);

    struct run r;
    run_program(mode, &r);
    close(eof[0]);

    snprintf(name, sizeof name, "%s: ZERO_FAILS turns EOF into a failure", m);
    check(r.pid > 0 && exited_with(r.status, FAILURE_CODE) && sh->steps[s_eof].result == 0
              && sh->steps[s_next].result == UNTOUCHED,
          name, "wait status %#x, read %lld, next %#llx", r.status,
          (long long)sh->steps[s_eof].result, (unsigned long long)sh->steps[s_next].result);
}

/*
 * SKIP_ON_ENOENT. The steps it skips would fail the program or write to the
 * pipe if they ran, so a routine that skipped too few shows, and one that
 * skipped too many leaves out a write that must be there.
 */
static void test_skip_on_enoent(enum mode mode, const char *m) {
    char name[128];
    int p[2];
    use_memory_for(mode);
    if (pipe(p)) die("pipe");
    strcpy(sh->text, "xbcd");

    program_reset();
    int s_missing = add(SKIP(2), SYS_openat, AT_FDCWD, (long)MISSING_PATH, O_PATH | O_CLOEXEC, 0);
    int s_skip1 = add(0, SYS_write, p[1], (long)sh->text, 1, 0);        /* "x" if it ran */
    int s_skip2 = add(0, SYS_close, -1, 0, 0, 0);                       /* would stop the child */
    int s_after = add(0, SYS_write, p[1], (long)sh->text + 1, 1, 0);    /* step 1 + K: runs */
    int s_found = add(SKIP(1), SYS_getpid, 0, 0, 0, 0);                 /* success: no skip */
    int s_kept = add(0, SYS_write, p[1], (long)sh->text + 2, 1, 0);
    int s_other = add(SKIP(1) | MAY_FAIL, SYS_close, -1, 0, 0, 0);      /* EBADF: no skip */
    int s_last = add(0, SYS_write, p[1], (long)sh->text + 3, 1, 0);

    struct run r;
    run_program(mode, &r);
    close(p[1]);
    char got[8] = {0};
    ssize_t n = read(p[0], got, sizeof got - 1);
    close(p[0]);

    snprintf(name, sizeof name, "%s: SKIP_ON_ENOENT skips exactly K steps", m);
    check(r.pid > 0 && exited_with(r.status, 0) && sh->steps[s_missing].result == -ENOENT
              && sh->steps[s_skip1].result == UNTOUCHED && sh->steps[s_skip2].result == UNTOUCHED
              && sh->steps[s_after].result == 1,
          name, "wait status %#x, openat %lld, skipped %#llx %#llx, next %lld", r.status,
          (long long)sh->steps[s_missing].result, (unsigned long long)sh->steps[s_skip1].result,
          (unsigned long long)sh->steps[s_skip2].result, (long long)sh->steps[s_after].result);
    snprintf(name, sizeof name, "%s: SKIP_ON_ENOENT does not skip on success", m);
    check(sh->steps[s_found].result == r.pid && sh->steps[s_kept].result == 1, name,
          "getpid %lld (pid %d), next %lld", (long long)sh->steps[s_found].result, (int)r.pid,
          (long long)sh->steps[s_kept].result);
    snprintf(name, sizeof name, "%s: SKIP_ON_ENOENT|MAY_FAIL with another errno continues", m);
    check(sh->steps[s_other].result == -EBADF && sh->steps[s_last].result == 1 && n == 3
              && memcmp(got, "bcd", 3) == 0,
          name, "close(-1) %lld, next %lld, pipe held %zd bytes \"%s\"",
          (long long)sh->steps[s_other].result, (long long)sh->steps[s_last].result, n, got);

    /* Another errno without MAY_FAIL stops the child like any failure. */
    program_reset();
    int s_bad = add(SKIP(1), SYS_close, -1, 0, 0, 0);
    int s_next = add(0, SYS_getpid, 0, 0, 0, 0);
    int s_past = add(0, SYS_getpid, 0, 0, 0, 0);
    run_program(mode, &r);
    snprintf(name, sizeof name, "%s: SKIP_ON_ENOENT with another errno fails", m);
    check(r.pid > 0 && exited_with(r.status, FAILURE_CODE) && sh->steps[s_bad].result == -EBADF
              && sh->steps[s_next].result == UNTOUCHED && sh->steps[s_past].result == UNTOUCHED,
          name, "wait status %#x, close(-1) %lld, next %#llx, after %#llx", r.status,
          (long long)sh->steps[s_bad].result, (unsigned long long)sh->steps[s_next].result,
          (unsigned long long)sh->steps[s_past].result);
}

/*
 * EXIT_ON_POSITIVE: a step that returns more than 0 ends the child at once with
 * exit code 0, the end of the program (the parent of a fork step is done); a 0
 * result (the forked child's) and a failure go on as without the flag.
 */
static void test_exit_on_positive(enum mode mode, const char *m) {
    char name[128];
    use_memory_for(mode);

    program_reset();
    int s_zero = add(EXIT_ON_POSITIVE, SYS_getppid, 0, 0, 0, 0);        /* > 0: exits here */
    int s_after = add(0, SYS_close, -1, 0, 0, 0);                       /* would fail the child */
    struct run r;
    run_program(mode, &r);
    snprintf(name, sizeof name, "%s: EXIT_ON_POSITIVE ends the child with 0 on a positive result", m);
    check(r.pid > 0 && exited_with(r.status, 0) && sh->steps[s_zero].result > 0
              && sh->steps[s_after].result == UNTOUCHED,
          name, "wait status %#x, getppid %lld, next %#llx", r.status, (long long)sh->steps[s_zero].result,
          (unsigned long long)sh->steps[s_after].result);

    program_reset();
    int s_null = add(0, SYS_umask, 0, 0, 0, 0);                         /* the old mask; now 0 */
    int s_null2 = add(EXIT_ON_POSITIVE, SYS_umask, 0, 0, 0, 0);         /* 0 now: goes on */
    int s_fail = add(EXIT_ON_POSITIVE | MAY_FAIL, SYS_close, -1, 0, 0, 0); /* -EBADF: goes on */
    int s_last = add(0, SYS_getpid, 0, 0, 0, 0);
    run_program(mode, &r);
    snprintf(name, sizeof name, "%s: EXIT_ON_POSITIVE goes on after 0 and after a failure", m);
    check(r.pid > 0 && exited_with(r.status, 0) && sh->steps[s_null2].result == 0
              && sh->steps[s_fail].result == -EBADF && sh->steps[s_last].result == r.pid,
          name, "wait status %#x, umask %lld then %lld, close %lld, getpid %lld (pid %d)", r.status,
          (long long)sh->steps[s_null].result, (long long)sh->steps[s_null2].result,
          (long long)sh->steps[s_fail].result, (long long)sh->steps[s_last].result, (int)r.pid);
}

/*
 * Control: the same write/dup/write program without CLONE_VM. The child runs
 * it (the pipe gets its bytes) but writes its results into its own copy of
 * the private memory, so the check that passes with CLONE_VM must fail here.
 * If it did not, "results written back" would prove nothing.
 */
static void test_control_without_vm(void) {
    int p[2];
    use_memory_for(MODE_CLONE3);
    if (pipe(p)) die("pipe");
    strcpy(sh->text, "okab");

    program_reset();
    int s_write = add(0, SYS_write, p[1], (long)sh->text, 2, 0);
    int s_dup = add(0, SYS_dup, p[1], 0, 0, 0);
    add(ARG0_FROM_PREV, SYS_write, -1, (long)sh->text + 2, 2, 0);

    struct run r;
    clone_flags = 0;
    run_program(MODE_CLONE3, &r);
    clone_flags = CLONE_VM;
    close(p[1]);
    char got[8] = {0};
    ssize_t n = read(p[0], got, sizeof got - 1);
    close(p[0]);

    check(r.pid > 0 && exited_with(r.status, 0) && n == 4 && memcmp(got, "okab", 4) == 0,
          "clone3: control run without CLONE_VM runs the program",
          "returned %ld, wait status %#x, pipe held %zd bytes \"%s\"", r.ret, r.status, n, got);
    check(!results_written_back(s_write, s_dup),
          "clone3: control run without CLONE_VM does not see results",
          "the parent saw write %lld, dup %lld without CLONE_VM: the steps are not in private "
          "memory, so the results check cannot tell CLONE_VM from no CLONE_VM",
          (long long)sh->steps[s_write].result, (long long)sh->steps[s_dup].result);
}

static volatile sig_atomic_t handler_ran;
static void on_sigusr2(int sig) {
    (void)sig;
    handler_ran = 1;
}

/*
 * Control: the PROT_NONE stack catches a child that touches it. The child
 * unblocks signals and sends itself SIGUSR2, which has a handler: the kernel
 * must write a signal frame onto the child's stack, cannot, and kills the
 * child with SIGSEGV. A routine that pushed, called or loaded from its stack
 * would die the same way, failing "child never touched its (PROT_NONE) stack".
 */
static void test_control_stack(void) {
    use_memory_for(MODE_CLONE3);
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigusr2;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR2, &sa, &old) != 0) die("sigaction");
    handler_ran = 0;

    program_reset();
    sh->no_signals = 0;
    add(0, SYS_rt_sigprocmask, SIG_SETMASK, (long)&sh->no_signals, 0, 8);
    add(0, SYS_getpid, 0, 0, 0, 0);
    int s_kill = add(ARG0_FROM_PREV, SYS_kill, 0, SIGUSR2, 0, 0);

    struct run r;
    run_program(MODE_CLONE3, &r);
    if (sigaction(SIGUSR2, &old, NULL) != 0) die("sigaction");

    check(r.pid > 0 && killed_by(r.status, SIGSEGV) && !handler_ran,
          "clone3: control: a signal frame pushed onto the PROT_NONE stack kills the child "
          "(SIGSEGV)",
          "pid %d, wait status %#x, kill step %#llx, handler ran %d", (int)r.pid, r.status,
          (unsigned long long)sh->steps[s_kill].result, (int)handler_ran);
}

/* Parent-only paths: no child is created. */
static void test_errors(void) {
    long clobbered;
    long ret;
    use_memory_for(MODE_CLONE3);

    /* clone3 itself fails: its -errno comes back unchanged, the mask is restored.
     * A size below CLONE_ARGS_SIZE_VER0 is EINVAL for the kernel; an emulator
     * may say otherwise, so the expectation is what the same call gives
     * directly (safe to make from C: it cannot create a process). */
    program_reset();
    set_mask(caller_mask());
    control_reset(SYS_clone3);
    sh->control.clone_args_size = 8;
    long direct = syscall(SYS_clone3, &sh->args, (size_t)8);
    long expected = direct < 0 ? -errno : direct;
    if (expected >= 0) {
        check(0, "clone3 with a too-small clone_args fails", "returned %ld", direct);
        return;
    }
    ret = checked_call(routine, &sh->control, &clobbered);
    check(ret == expected && clobbered == 0 && current_mask() == caller_mask()
              && sh->control.saved == caller_mask(),
          "clone3 error: -errno returned unchanged, mask restored, registers preserved",
          "returned %ld, expected %ld, %ld registers changed, mask %#llx, saved %#llx", ret,
          expected, clobbered, (unsigned long long)current_mask(),
          (unsigned long long)sh->control.saved);
    if (expected != -EINVAL)
        printf("NOTE clone3 with a too-small clone_args gives %ld here, not -EINVAL\n", expected);

    /* a syscall number the kernel does not know */
    set_mask(caller_mask());
    control_reset(4000);
    ret = checked_call(routine, &sh->control, &clobbered);
    check(ret == -ENOSYS && clobbered == 0 && current_mask() == caller_mask(),
          "clone3 error: -ENOSYS returned, mask restored, registers preserved",
          "returned %ld, %ld registers changed, mask %#llx", ret, clobbered,
          (unsigned long long)current_mask());

    /* rt_sigprocmask fails: nothing else happens. getpid in clone3's place
     * would make a non-error return visible if the routine went on. */
    set_mask(caller_mask());
    control_reset(SYS_getpid);
    sh->control.sigset_size = 4;
    ret = checked_call(routine, &sh->control, &clobbered);
    check(ret == -EINVAL && clobbered == 0 && current_mask() == caller_mask()
              && sh->control.saved == (uint64_t)UNTOUCHED,
          "rt_sigprocmask error: returned at once, mask untouched, registers preserved",
          "returned %ld, %ld registers changed, mask %#llx, saved %#llx", ret, clobbered,
          (unsigned long long)current_mask(), (unsigned long long)sh->control.saved);
}

/* Does clone3 with CLONE_VM and our own stack work here? */
static long probe_clone3(void) {
    use_memory_for(MODE_CLONE3);
    program_reset();
    add(0, SYS_getpid, 0, 0, 0, 0);
    set_mask(caller_mask());
    control_reset(SYS_clone3);
    long clobbered;
    long ret = checked_call(routine, &sh->control, &clobbered);
    if (ret > 0) {
        int status;
        if (waitpid((pid_t)ret, &status, 0) != ret) die("waitpid");
    }
    return ret;
}

/*
 * As PID 1 (the /init of an initramfs) there is nobody to return to: say how
 * it ended and power off. If reboot fails, exiting panics the kernel, which
 * with panic=-1 and qemu's -no-reboot ends the machine too.
 */
static int finish(int code) {
    if (as_init) {
        printf("HARNESS EXIT %d\n", code);
        fflush(stdout);
        sync();
        reboot(RB_POWER_OFF);
        printf("FAIL harness: reboot(RB_POWER_OFF): %s\n", strerror(errno));
    }
    return code;
}

int main(int argc, char **argv) {
    as_init = getpid() == 1;
    const char *routine_file = argc >= 2 ? argv[1] : as_init ? "/routine.bin" : NULL;
    if (!routine_file) {
        fprintf(stderr, "usage: %s ROUTINE.bin [--emulated]\n", argv[0]);
        return 2;
    }
    int emulated = argc > 2 && strcmp(argv[2], "--emulated") == 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (as_init) {
        struct utsname u;
        if (uname(&u) == 0)
            printf("KERNEL %s %s %s, harness running as PID 1\n", u.sysname, u.release,
                   u.machine);
    }

    printf("LAYOUT CONTROL_SIZE=%zu\n", sizeof(struct control));
    printf("LAYOUT CONTROL_CLONE_ARGS=%zu\n", offsetof(struct control, clone_args));
    printf("LAYOUT CONTROL_CLONE_ARGS_SIZE=%zu\n", offsetof(struct control, clone_args_size));
    printf("LAYOUT CONTROL_PROGRAM=%zu\n", offsetof(struct control, program));
    printf("LAYOUT CONTROL_BLOCK_MASK=%zu\n", offsetof(struct control, block));
    printf("LAYOUT CONTROL_SAVED_MASK=%zu\n", offsetof(struct control, saved));
    printf("LAYOUT CONTROL_NR_RT_SIGPROCMASK=%zu\n", offsetof(struct control, nr_rt_sigprocmask));
    printf("LAYOUT CONTROL_NR_CLONE3=%zu\n", offsetof(struct control, nr_clone3));
    printf("LAYOUT CONTROL_NR_EXIT=%zu\n", offsetof(struct control, nr_exit));
    printf("LAYOUT CONTROL_SIG_SETMASK=%zu\n", offsetof(struct control, sig_setmask));
    printf("LAYOUT CONTROL_SIGSET_SIZE=%zu\n", offsetof(struct control, sigset_size));
    printf("LAYOUT CONTROL_FAILURE_CODE=%zu\n", offsetof(struct control, failure_code));
    printf("LAYOUT CONTROL_SKIP_RESULT=%zu\n", offsetof(struct control, skip_result));
    printf("LAYOUT STEP_SIZE=%zu\n", sizeof(struct step));
    printf("LAYOUT STEP_NR=%zu\n", offsetof(struct step, nr));
    printf("LAYOUT STEP_ARG0=%zu\n", offsetof(struct step, a[0]));
    printf("LAYOUT STEP_ARG5=%zu\n", offsetof(struct step, a[5]));
    printf("LAYOUT STEP_FLAGS=%zu\n", offsetof(struct step, flags));
    printf("LAYOUT STEP_RESULT=%zu\n", offsetof(struct step, result));

    int fd = open(routine_file, O_RDONLY);
    if (fd < 0) die(routine_file);
    struct stat st;
    if (fstat(fd, &st) != 0) die("fstat routine file");
    if (st.st_size == 0) {
        printf("FAIL harness: routine file %s is empty\nVERDICT: FAIL (harness error)\n",
               routine_file);
        return finish(2);
    }
    void *code = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
    if (code == MAP_FAILED) die("mmap routine");
    close(fd);
    routine = (long (*)(void *))code;

    shared_area = mmap(NULL, sizeof *shared_area, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared_area == MAP_FAILED) die("mmap shared");
    /* Neither readable nor writable: the child must not touch its stack at all.
     * PROT_NONE goes on for STACK_SIZE past both ends, so a load above the
     * initial sp (where the stack's top meets the next mapping) faults too. */
    unsigned char *guarded = mmap(NULL, 3 * STACK_SIZE, PROT_NONE,
                                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (guarded == MAP_FAILED) die("mmap stack");
    child_stack = guarded + STACK_SIZE;

    test_errors();

    long probe = probe_clone3();
    if (probe > 0) {
        test_program(MODE_CLONE3, "clone3");
        test_failure_stops(MODE_CLONE3, "clone3");
        test_zero_fails(MODE_CLONE3, "clone3");
        test_skip_on_enoent(MODE_CLONE3, "clone3");
        test_exit_on_positive(MODE_CLONE3, "clone3");
        test_control_without_vm();
        test_control_stack();
    } else if (emulated) {
        printf("NOT VERIFIED: clone3(CLONE_VM|SIGCHLD, own stack) returned %ld (%s) here, so the "
               "child path after a real clone3 (own stack, shared memory, pid returned, mask "
               "restored after a successful clone3) is not exercised; the step interpreter is "
               "checked through fork mode instead\n",
               probe, strerror((int)-probe));
    } else {
        check(0, "clone3(CLONE_VM|SIGCHLD, own stack) works", "returned %ld (%s)", probe,
              strerror((int)-probe));
    }
    if (emulated || probe <= 0) {
        printf("NOTE fork mode: a fork()ed child has no CLONE_VM, so its steps and results are "
               "in a MAP_SHARED mapping by design; these checks prove the step interpreter, not "
               "results through shared memory nor a stack the routine never touches\n");
        test_program(MODE_FORK, "fork");
        test_failure_stops(MODE_FORK, "fork");
        test_zero_fails(MODE_FORK, "fork");
        test_skip_on_enoent(MODE_FORK, "fork");
        test_exit_on_positive(MODE_FORK, "fork");
    }

    if (failed == 0 && passed > 0) {
        printf("VERDICT: OK (%d checks passed)\n", passed);
        return finish(0);
    }
    printf("VERDICT: FAIL (%d failed, %d passed)\n", failed, passed);
    return finish(1);
}
