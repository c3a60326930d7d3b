/*
 * hako clone trampoline, aarch64 (GNU as).
 *
 *   long hako_spawn(struct control *c);      c arrives in x0 (AAPCS64)
 *
 * Blocks all signals, clone3()s, and in the parent restores the caller's mask
 * and returns the pid or -errno. In the child it runs the syscall program
 * from the control block and exits. See DESIGN.md, "Why the child runs a
 * list of syscalls, not Java", and TrampolineCode.java for the layouts.
 *
 * The bytes are embedded in TrampolineCode.java; TrampolineCodeTest
 * reassembles this file and compares. Rules for editing:
 *   - position-independent, no relocations, no data (no literal pools): the
 *     bytes are copied into an anonymous executable mapping and called there;
 *   - no kernel constant appears here: syscall numbers, SIG_SETMASK, the
 *     sigset size, the failure exit code and -ENOENT all come from the
 *     control block.
 */

/* Control block offsets (8-byte little-endian fields). */
        .equ    C_CLONE_ARGS, 0         /* C_CLONE_SIZE follows at 8 */
        .equ    C_PROGRAM, 16
        .equ    C_BLOCK, 24
        .equ    C_SAVED, 32
        .equ    C_NR_SIGMASK, 40
        .equ    C_NR_CLONE3, 48
        .equ    C_NR_EXIT, 56
        .equ    C_SIG_SETMASK, 64
        .equ    C_SIGSET_SIZE, 72
        .equ    C_FAIL_CODE, 80
        .equ    C_SKIP_RESULT, 88       /* -ENOENT */

/* Step layout: nr, a0..a5, flags, result. */
        .equ    S_NR, 0
        .equ    S_A0, 8                 /* a0..a5 are loaded in pairs */
        .equ    S_A2, 24
        .equ    S_A4, 40
        .equ    S_FLAGS, 56
        .equ    S_RESULT, 64
        .equ    STEP_SIZE, 72

/* Step flags word: bits 0..4 are flags, bits 8..15 the skip count K of
 * SKIP_ON_ENOENT, the rest is zero. Flag bit numbers (MAY_FAIL = 1 << 0,
 * ZERO_FAILS = 1 << 1, ARG0_FROM_PREV = 1 << 2, SKIP_ON_ENOENT = 1 << 3):
 * tbz/tbnz take the number, tst the mask. */
        .equ    MAY_FAIL_BIT, 0
        .equ    ZERO_FAILS_BIT, 1
        .equ    ARG0_FROM_PREV_BIT, 2
        .equ    SKIP_ON_ENOENT_BIT, 3   /* -ENOENT: no failure, skip K steps */
        .equ    EXIT_ON_POSITIVE_BIT, 4 /* > 0: done, exit 0 (the parent of a fork) */
        .equ    SKIP_COUNT_LSB, 8
        .equ    SKIP_COUNT_WIDTH, 8

        .text
        .globl  hako_spawn
        .type   hako_spawn, %function
        .p2align 2
hako_spawn:
        /*
         * Parent path. `svc #0` returns in x0 and preserves every other
         * general register, so c can live in a caller-saved scratch register
         * (x9) across the syscalls: the parent touches neither the stack nor
         * any callee-saved register, and x30 still holds the return address.
         */
        mov     x9, x0

        /* rt_sigprocmask(SIG_SETMASK, &c->block, &c->saved, sigsetsize):
         * no signal handler may run in a child that shares the JVM's memory. */
        ldr     x8, [x9, #C_NR_SIGMASK]
        ldr     x0, [x9, #C_SIG_SETMASK]
        add     x1, x9, #C_BLOCK
        add     x2, x9, #C_SAVED
        ldr     x3, [x9, #C_SIGSET_SIZE]
        svc     #0
        tbnz    x0, #63, .Lreturn       /* mask unchanged: nothing to undo */

        /* clone3(c->clone_args, c->size). The child gets a copy of every
         * register (x9 = c included) and resumes below on its own stack. */
        ldr     x8, [x9, #C_NR_CLONE3]
        ldp     x0, x1, [x9, #C_CLONE_ARGS]
        svc     #0
        cbz     x0, .Lchild

        /* Parent, pid or -errno: restore the caller's mask either way, then
         * return the clone3 result untouched. */
        mov     x10, x0
        ldr     x8, [x9, #C_NR_SIGMASK]
        ldr     x0, [x9, #C_SIG_SETMASK]
        add     x1, x9, #C_SAVED
        mov     x2, xzr
        ldr     x3, [x9, #C_SIGSET_SIZE]
        svc     #0
        mov     x0, x10
.Lreturn:
        ret

        /*
         * Child. It shares the parent's memory (CLONE_VM) but runs on its own
         * stack, so it must never touch sp, call or return: everything lives
         * in registers, which the syscalls leave alone.
         *   x9 = c, x10 = current step, x11 = previous step's result,
         *   x12 = current step's flags, x13 = exit code (scratch before),
         *   x14 = scratch
         */
.Lchild:
        ldr     x10, [x9, #C_PROGRAM]
        mov     x11, xzr                /* the first step's "previous" is 0 */
.Lstep:
        ldr     x8, [x10, #S_NR]
        cmn     x8, #1                  /* END_OF_PROGRAM */
        b.eq    .Ldone
        ldr     x12, [x10, #S_FLAGS]
        ldp     x0, x1, [x10, #S_A0]
        tst     x12, #(1 << ARG0_FROM_PREV_BIT)
        csel    x0, x11, x0, ne         /* e.g. an fd returned by open() */
        ldp     x2, x3, [x10, #S_A2]
        ldp     x4, x5, [x10, #S_A4]
        svc     #0
        str     x0, [x10, #S_RESULT]    /* the parent reads it after we are gone */
        mov     x11, x0
        /* Failure: -4095..-1, i.e. unsigned >= -4095, as the kernel returns
         * -errno (x0 + 4095 carries exactly then); or 0 when the step says
         * 0 means failure (EOF). */
        cmn     x0, #4095
        b.hs    .Lfailed
        cbnz    x0, .Lnonzero
        tbz     x12, #ZERO_FAILS_BIT, .Lnext
.Lfailed:
        /* A SKIP_ON_ENOENT step that found nothing is no failure: the path it
         * looked at is not there, so the K steps that would have dealt with
         * it are passed over and keep their "not run" results. Builder
         * checks that K steps follow it, so this never skips past the end. */
        tbz     x12, #SKIP_ON_ENOENT_BIT, .Lmay_fail
        ldr     x13, [x9, #C_SKIP_RESULT]
        cmp     x0, x13
        b.ne    .Lmay_fail
        ubfx    x13, x12, #SKIP_COUNT_LSB, #SKIP_COUNT_WIDTH
        mov     x14, #STEP_SIZE
        madd    x10, x13, x14, x10
        b       .Lnext
.Lmay_fail:
        tbz     x12, #MAY_FAIL_BIT, .Lfail_exit
.Lnext:
        add     x10, x10, #STEP_SIZE
        b       .Lstep

.Lnonzero:
        /* A fork step's parent (the pid it got is in the result) is done: the
         * child, which got 0, goes on with the program. */
        tbz     x12, #EXIT_ON_POSITIVE_BIT, .Lnext
.Ldone:
        mov     x13, xzr
        b       .Lexit
.Lfail_exit:
        /* The failing step is identified by its result in memory; the exit
         * code only says "a step failed". */
        ldr     x13, [x9, #C_FAIL_CODE]
.Lexit:
        /* exit must not return; if it ever does, there is no frame to
         * return to, so try again. */
        mov     x0, x13
        ldr     x8, [x9, #C_NR_EXIT]
        svc     #0
        b       .Lexit
        .size   hako_spawn, . - hako_spawn

        .section .note.GNU-stack, "", %progbits
