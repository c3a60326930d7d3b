/*
 * hako clone trampoline, x86_64 (GNU as, AT&T syntax).
 *
 *   long hako_spawn(struct control *c);      c arrives in %rdi (SysV)
 *
 * Blocks all signals, clone3()s, and in the parent restores the caller's mask
 * and returns the pid or -errno. In the child it runs the syscall program
 * from the control block and exits. See DESIGN.md, "Why the child runs a
 * list of syscalls, not Java", and TrampolineCode.java for the layouts.
 *
 * The bytes are embedded in TrampolineCode.java; TrampolineCodeTest
 * reassembles this file and compares. Rules for editing:
 *   - position-independent, no relocations, no data: the bytes are copied
 *     into an anonymous executable mapping and called from there;
 *   - no kernel constant appears here: syscall numbers, SIG_SETMASK, the
 *     sigset size, the failure exit code and -ENOENT all come from the
 *     control block.
 */

/* Control block offsets (8-byte little-endian fields). */
        .equ    C_CLONE_ARGS, 0
        .equ    C_CLONE_SIZE, 8
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

/* Step layout. */
        .equ    S_NR, 0
        .equ    S_A0, 8
        .equ    S_A1, 16
        .equ    S_A2, 24
        .equ    S_A3, 32
        .equ    S_A4, 40
        .equ    S_A5, 48
        .equ    S_FLAGS, 56
        .equ    S_RESULT, 64
        .equ    STEP_SIZE, 72

/* Step flags word: bits 0..4 are flags, bits 8..15 the skip count K of
 * SKIP_ON_ENOENT (the byte at S_FLAGS + 1), the rest is zero. */
        .equ    MAY_FAIL, 1
        .equ    ZERO_FAILS, 2
        .equ    ARG0_FROM_PREV, 4
        .equ    SKIP_ON_ENOENT, 8       /* -ENOENT: no failure, skip K steps */
        .equ    EXIT_ON_POSITIVE, 16    /* > 0: done, exit 0 (the parent of a fork) */
        .equ    S_SKIP_COUNT, S_FLAGS + 1

        .text
        .globl  hako_spawn
        .type   hako_spawn, @function
hako_spawn:
        /*
         * Parent path. `syscall` destroys only rax, rcx and r11, and the two
         * syscalls made here take at most four arguments, so r8 and r9 (caller-
         * saved, argument slots 5 and 6) survive them. Keeping c in r9 and the
         * clone3 result in r8 means the parent needs neither the stack nor any
         * callee-saved register: nothing to save, nothing to restore.
         */
        mov     %rdi, %r9

        /* rt_sigprocmask(SIG_SETMASK, &c->block, &c->saved, sigsetsize):
         * no signal handler may run in a child that shares the JVM's memory. */
        mov     C_NR_SIGMASK(%r9), %rax
        mov     C_SIG_SETMASK(%r9), %rdi
        lea     C_BLOCK(%r9), %rsi
        lea     C_SAVED(%r9), %rdx
        mov     C_SIGSET_SIZE(%r9), %r10
        syscall
        test    %rax, %rax
        js      .Lreturn                /* mask unchanged: nothing to undo */

        /* clone3(c->clone_args, c->size). The child gets a copy of every
         * register (r9 = c included) and resumes below on its own stack. */
        mov     C_NR_CLONE3(%r9), %rax
        mov     C_CLONE_ARGS(%r9), %rdi
        mov     C_CLONE_SIZE(%r9), %rsi
        syscall
        test    %rax, %rax
        jz      .Lchild

        /* Parent, pid or -errno: restore the caller's mask either way, then
         * return the clone3 result untouched. */
        mov     %rax, %r8
        mov     C_NR_SIGMASK(%r9), %rax
        mov     C_SIG_SETMASK(%r9), %rdi
        lea     C_SAVED(%r9), %rsi
        xor     %edx, %edx
        mov     C_SIGSET_SIZE(%r9), %r10
        syscall
        mov     %r8, %rax
.Lreturn:
        ret

        /*
         * Child. It shares the parent's memory (CLONE_VM) but runs on its own
         * stack, so it must never push, call or return: everything lives in
         * registers. Its registers are its own, so rbx/r12/r13 are free to use
         * without saving; they are chosen because `syscall` preserves them and
         * they are not syscall argument registers.
         *   rbx = c, r12 = current step, r13 = previous step's result
         * (rax is scratch after a step's result is stored.)
         */
.Lchild:
        mov     %r9, %rbx
        mov     C_PROGRAM(%rbx), %r12
        xor     %r13d, %r13d            /* the first step's "previous" is 0 */
.Lstep:
        mov     S_NR(%r12), %rax
        cmp     $-1, %rax               /* END_OF_PROGRAM */
        je      .Ldone
        mov     S_A0(%r12), %rdi
        testb   $ARG0_FROM_PREV, S_FLAGS(%r12)
        cmovnz  %r13, %rdi              /* e.g. an fd returned by open() */
        mov     S_A1(%r12), %rsi
        mov     S_A2(%r12), %rdx
        mov     S_A3(%r12), %r10
        mov     S_A4(%r12), %r8
        mov     S_A5(%r12), %r9
        syscall
        mov     %rax, S_RESULT(%r12)    /* the parent reads it after we are gone */
        mov     %rax, %r13
        /* Failure: -4095..-1, i.e. unsigned >= -4095, as the kernel returns
         * -errno; or 0 when the step says 0 means failure (EOF). */
        cmp     $-4095, %rax
        jae     .Lfailed
        test    %rax, %rax
        jnz     .Lnonzero
        testb   $ZERO_FAILS, S_FLAGS(%r12)
        jz      .Lnext
.Lfailed:
        /* A SKIP_ON_ENOENT step that found nothing is no failure: the path it
         * looked at is not there, so the K steps that would have dealt with
         * it are passed over and keep their "not run" results. Builder
         * checks that K steps follow it, so this never skips past the end. */
        testb   $SKIP_ON_ENOENT, S_FLAGS(%r12)
        jz      .Lmay_fail
        cmp     C_SKIP_RESULT(%rbx), %rax
        jne     .Lmay_fail
        movzbl  S_SKIP_COUNT(%r12), %eax
        imul    $STEP_SIZE, %rax, %rax
        add     %rax, %r12
        jmp     .Lnext
.Lmay_fail:
        testb   $MAY_FAIL, S_FLAGS(%r12)
        jz      .Lfail_exit
.Lnext:
        add     $STEP_SIZE, %r12
        jmp     .Lstep

.Lnonzero:
        /* A fork step's parent (the pid it got is in the result) is done: the
         * child, which got 0, goes on with the program. */
        testb   $EXIT_ON_POSITIVE, S_FLAGS(%r12)
        jz      .Lnext
.Ldone:
        xor     %edi, %edi
        jmp     .Lexit
.Lfail_exit:
        /* The failing step is identified by its result in memory; the exit
         * code only says "a step failed". */
        mov     C_FAIL_CODE(%rbx), %rdi
.Lexit:
        /* exit must not return; if it ever does, there is no stack frame to
         * return to, so try again (rdi survives the syscall). */
        mov     C_NR_EXIT(%rbx), %rax
        syscall
        jmp     .Lexit
        .size   hako_spawn, . - hako_spawn

        .section .note.GNU-stack, "", @progbits
