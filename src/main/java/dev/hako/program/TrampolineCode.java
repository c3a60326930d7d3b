package dev.hako.program;

import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * The clone trampoline: the one piece of machine code in hako, as bytes per architecture,
 * and the layout of the memory it reads.
 *
 * <p>The routine is {@code long hako_spawn(struct control *c)}. It blocks all signals,
 * calls {@code clone3}, and in the parent restores the caller's signal mask and returns the
 * child's pid or {@code -errno}. The child, which shares the caller's memory but runs on its
 * own stack, executes the program of raw syscall steps and exits: with {@code 0} after the
 * {@link #END_OF_PROGRAM} step, or with the control block's failure code at the first step
 * that fails without {@link #MAY_FAIL}. Each step's return value is stored in its
 * {@link #STEP_RESULT} field. A {@link #SKIP_ON_ENOENT} step that returns {@code -ENOENT}
 * does not fail: the child goes on {@linkplain #skipCount(long) K} steps further, and the
 * steps passed over keep the result they had before the run. See DESIGN.md, "Why the child runs a list of syscalls, not Java".
 *
 * <p>The code knows no kernel constant: syscall numbers, {@code SIG_SETMASK}, the kernel's
 * sigset size, the failure exit code and {@code -ENOENT} all come from the control block. It is
 * position-independent and has no data, so it can be copied into any executable mapping.
 *
 * <p>All fields of the control block and of a step are 8-byte little-endian integers, at
 * 8-byte aligned offsets; the control block and the steps must be 8-byte aligned.
 */
public final class TrampolineCode {

    // ---- control block ----

    /** Pointer to {@code struct clone_args}. */
    public static final long CONTROL_CLONE_ARGS = 0;
    /** Size of that {@code struct clone_args}, the second argument of {@code clone3}. */
    public static final long CONTROL_CLONE_ARGS_SIZE = 8;
    /** Pointer to the first step of the child's program. */
    public static final long CONTROL_PROGRAM = 16;
    /** The signal set blocked around {@code clone3} (and so in the child): all ones. */
    public static final long CONTROL_BLOCK_MASK = 24;
    /** Written by the routine: the caller's signal mask before it was replaced. */
    public static final long CONTROL_SAVED_MASK = 32;
    /** Syscall number of {@code rt_sigprocmask}. */
    public static final long CONTROL_NR_RT_SIGPROCMASK = 40;
    /** Syscall number of {@code clone3}. */
    public static final long CONTROL_NR_CLONE3 = 48;
    /** Syscall number with which the child ends: {@code exit} (or {@code exit_group}). */
    public static final long CONTROL_NR_EXIT = 56;
    /** The value of {@code SIG_SETMASK}. */
    public static final long CONTROL_SIG_SETMASK = 64;
    /** The kernel's sigset size in bytes (8), {@code rt_sigprocmask}'s last argument. */
    public static final long CONTROL_SIGSET_SIZE = 72;
    /** Exit code of the child when a step fails. */
    public static final long CONTROL_FAILURE_CODE = 80;
    /** The result that makes a {@link #SKIP_ON_ENOENT} step skip: {@code -ENOENT}. */
    public static final long CONTROL_SKIP_RESULT = 88;
    /** Size of the control block in bytes. */
    public static final long CONTROL_SIZE = 96;

    // ---- program steps: {nr, arg0..arg5, flags, result} ----

    /** Syscall number, or {@link #END_OF_PROGRAM}. */
    public static final long STEP_NR = 0;
    /** First syscall argument; argument {@code i} is at {@link #stepArg(int)}. */
    public static final long STEP_ARG0 = 8;
    /** Syscall argument 1. */
    public static final long STEP_ARG1 = 16;
    /** Syscall argument 2. */
    public static final long STEP_ARG2 = 24;
    /** Syscall argument 3. */
    public static final long STEP_ARG3 = 32;
    /** Syscall argument 4. */
    public static final long STEP_ARG4 = 40;
    /** Syscall argument 5. */
    public static final long STEP_ARG5 = 48;
    /** Number of syscall arguments a step carries. */
    public static final int STEP_ARG_COUNT = 6;
    /**
     * The flags word: bits 0 to 4 are {@link #MAY_FAIL}, {@link #ZERO_FAILS},
     * {@link #ARG0_FROM_PREV}, {@link #SKIP_ON_ENOENT} and {@link #EXIT_ON_POSITIVE}, or'ed; bits 8 to 15 are the skip
     * count of {@link #SKIP_ON_ENOENT} (see {@link #skipCount(long)}); all other bits are 0.
     */
    public static final long STEP_FLAGS = 56;
    /** Written by the child: the syscall's return value, {@code -errno} on failure. */
    public static final long STEP_RESULT = 64;
    /** Size of one step in bytes; steps follow each other without gaps. */
    public static final long STEP_SIZE = 72;

    /** The syscall number that ends the program. */
    public static final long END_OF_PROGRAM = -1;

    // ---- step flags ----

    /** A failure of this step does not stop the program (its result still records it). */
    public static final long MAY_FAIL = 1;
    /** A result of 0 counts as failure, e.g. {@code read} returning EOF. */
    public static final long ZERO_FAILS = 2;
    /** Argument 0 is replaced by the previous step's result (0 for the first step). */
    public static final long ARG0_FROM_PREV = 4;
    /**
     * A result of {@code -ENOENT} (the control block's {@link #CONTROL_SKIP_RESULT}) is no
     * failure: the child stores it and continues with the step {@code 1 + K} further on,
     * where K is {@link #skipCount(long) the skip count} in the same flags word. Any other
     * failure counts as without this flag. For a path that is not there, the K steps that
     * would deal with it are one test instead of K system calls that fail.
     */
    public static final long SKIP_ON_ENOENT = 8;
    /**
     * A result above 0 ends the child at once with exit code 0, as the end of the program
     * does: after a fork step (clone3), the parent, which got the new child's pid, is done,
     * and the child, which got 0, goes on with the steps. A 0 result or a failure goes on
     * as without this flag.
     */
    public static final long EXIT_ON_POSITIVE = 16;
    /** The lowest bit of the skip count within the flags word. */
    public static final int SKIP_COUNT_SHIFT = 8;
    /** The largest skip count: it is one byte of the flags word. */
    public static final int MAX_SKIP_COUNT = 0xff;

    /** The flags-word bits for {@link #SKIP_ON_ENOENT} with skip count {@code k}. */
    public static long skipOnEnoent(int k) {
        if (k < 0 || k > MAX_SKIP_COUNT) {
            throw new IllegalArgumentException("skip count " + k + " not in 0.." + MAX_SKIP_COUNT);
        }
        return SKIP_ON_ENOENT | ((long) k << SKIP_COUNT_SHIFT);
    }

    /** The skip count in a flags word (0 without {@link #SKIP_ON_ENOENT}). */
    public static int skipCount(long flags) {
        return (flags & SKIP_ON_ENOENT) == 0 ? 0 : (int) (flags >>> SKIP_COUNT_SHIFT) & MAX_SKIP_COUNT;
    }

    /** Offset of argument {@code i} (0 to 5) within a step. */
    public static long stepArg(int i) {
        Objects.checkIndex(i, STEP_ARG_COUNT);
        return STEP_ARG0 + 8L * i;
    }

    /*
     * The code. Each line holds one instruction's bytes, in memory order, and after the '|'
     * its disassembly (offset: instruction), which is for readers only. The bytes are
     * produced from src/main/asm/trampoline-<arch>.S by GNU as and `objcopy -O binary -j .text`;
     * TrampolineCodeTest assembles the sources again, compares, and on a mismatch prints these
     * blocks as they should read.
     */

    private static final String X86_64 =
            """
            49 89 f9          | 00: mov %rdi,%r9
            49 8b 41 28       | 03: mov 0x28(%r9),%rax
            49 8b 79 40       | 07: mov 0x40(%r9),%rdi
            49 8d 71 18       | 0b: lea 0x18(%r9),%rsi
            49 8d 51 20       | 0f: lea 0x20(%r9),%rdx
            4d 8b 51 48       | 13: mov 0x48(%r9),%r10
            0f 05             | 17: syscall
            48 85 c0          | 19: test %rax,%rax
            78 2c             | 1c: js 4a
            49 8b 41 30       | 1e: mov 0x30(%r9),%rax
            49 8b 39          | 22: mov (%r9),%rdi
            49 8b 71 08       | 25: mov 0x8(%r9),%rsi
            0f 05             | 29: syscall
            48 85 c0          | 2b: test %rax,%rax
            74 1b             | 2e: je 4b
            49 89 c0          | 30: mov %rax,%r8
            49 8b 41 28       | 33: mov 0x28(%r9),%rax
            49 8b 79 40       | 37: mov 0x40(%r9),%rdi
            49 8d 71 20       | 3b: lea 0x20(%r9),%rsi
            31 d2             | 3f: xor %edx,%edx
            4d 8b 51 48       | 41: mov 0x48(%r9),%r10
            0f 05             | 45: syscall
            4c 89 c0          | 47: mov %r8,%rax
            c3                | 4a: ret
            4c 89 cb          | 4b: mov %r9,%rbx
            4c 8b 63 10       | 4e: mov 0x10(%rbx),%r12
            45 31 ed          | 52: xor %r13d,%r13d
            49 8b 04 24       | 55: mov (%r12),%rax
            48 83 f8 ff       | 59: cmp $0xffffffffffffffff,%rax
            74 7a             | 5d: je d9
            49 8b 7c 24 08    | 5f: mov 0x8(%r12),%rdi
            41 f6 44 24 38 04 | 64: testb $0x4,0x38(%r12)
            49 0f 45 fd       | 6a: cmovne %r13,%rdi
            49 8b 74 24 10    | 6e: mov 0x10(%r12),%rsi
            49 8b 54 24 18    | 73: mov 0x18(%r12),%rdx
            4d 8b 54 24 20    | 78: mov 0x20(%r12),%r10
            4d 8b 44 24 28    | 7d: mov 0x28(%r12),%r8
            4d 8b 4c 24 30    | 82: mov 0x30(%r12),%r9
            0f 05             | 87: syscall
            49 89 44 24 40    | 89: mov %rax,0x40(%r12)
            49 89 c5          | 8e: mov %rax,%r13
            48 3d 01 f0 ff ff | 91: cmp $0xfffffffffffff001,%rax
            73 0d             | 97: jae a6
            48 85 c0          | 99: test %rax,%rax
            75 33             | 9c: jne d1
            41 f6 44 24 38 02 | 9e: testb $0x2,0x38(%r12)
            74 25             | a4: je cb
            41 f6 44 24 38 08 | a6: testb $0x8,0x38(%r12)
            74 15             | ac: je c3
            48 3b 43 58       | ae: cmp 0x58(%rbx),%rax
            75 0f             | b2: jne c3
            41 0f b6 44 24 39 | b4: movzbl 0x39(%r12),%eax
            48 6b c0 48       | ba: imul $0x48,%rax,%rax
            49 01 c4          | be: add %rax,%r12
            eb 08             | c1: jmp cb
            41 f6 44 24 38 01 | c3: testb $0x1,0x38(%r12)
            74 12             | c9: je dd
            49 83 c4 48       | cb: add $0x48,%r12
            eb 84             | cf: jmp 55
            41 f6 44 24 38 10 | d1: testb $0x10,0x38(%r12)
            74 f2             | d7: je cb
            31 ff             | d9: xor %edi,%edi
            eb 04             | db: jmp e1
            48 8b 7b 50       | dd: mov 0x50(%rbx),%rdi
            48 8b 43 38       | e1: mov 0x38(%rbx),%rax
            0f 05             | e5: syscall
            eb f8             | e7: jmp e1
            """;

    private static final String AARCH64 =
            """
            e9 03 00 aa | 00: mov x9, x0
            28 15 40 f9 | 04: ldr x8, [x9, #40]
            20 21 40 f9 | 08: ldr x0, [x9, #64]
            21 61 00 91 | 0c: add x1, x9, #0x18
            22 81 00 91 | 10: add x2, x9, #0x20
            23 25 40 f9 | 14: ldr x3, [x9, #72]
            01 00 00 d4 | 18: svc #0x0
            a0 01 f8 b7 | 1c: tbnz x0, #63, 50
            28 19 40 f9 | 20: ldr x8, [x9, #48]
            20 05 40 a9 | 24: ldp x0, x1, [x9]
            01 00 00 d4 | 28: svc #0x0
            40 01 00 b4 | 2c: cbz x0, 54
            ea 03 00 aa | 30: mov x10, x0
            28 15 40 f9 | 34: ldr x8, [x9, #40]
            20 21 40 f9 | 38: ldr x0, [x9, #64]
            21 81 00 91 | 3c: add x1, x9, #0x20
            e2 03 1f aa | 40: mov x2, xzr
            23 25 40 f9 | 44: ldr x3, [x9, #72]
            01 00 00 d4 | 48: svc #0x0
            e0 03 0a aa | 4c: mov x0, x10
            c0 03 5f d6 | 50: ret
            2a 09 40 f9 | 54: ldr x10, [x9, #16]
            eb 03 1f aa | 58: mov x11, xzr
            48 01 40 f9 | 5c: ldr x8, [x10]
            1f 05 00 b1 | 60: cmn x8, #0x1
            40 03 00 54 | 64: b.eq cc
            4c 1d 40 f9 | 68: ldr x12, [x10, #56]
            40 85 40 a9 | 6c: ldp x0, x1, [x10, #8]
            9f 01 7e f2 | 70: tst x12, #0x4
            60 11 80 9a | 74: csel x0, x11, x0, ne
            42 8d 41 a9 | 78: ldp x2, x3, [x10, #24]
            44 95 42 a9 | 7c: ldp x4, x5, [x10, #40]
            01 00 00 d4 | 80: svc #0x0
            40 21 00 f9 | 84: str x0, [x10, #64]
            eb 03 00 aa | 88: mov x11, x0
            1f fc 3f b1 | 8c: cmn x0, #0xfff
            62 00 00 54 | 90: b.cs 9c
            a0 01 00 b5 | 94: cbnz x0, c8
            4c 01 08 36 | 98: tbz w12, #1, c0
            0c 01 18 36 | 9c: tbz w12, #3, bc
            2d 2d 40 f9 | a0: ldr x13, [x9, #88]
            1f 00 0d eb | a4: cmp x0, x13
            a1 00 00 54 | a8: b.ne bc
            8d 3d 48 d3 | ac: ubfx x13, x12, #8, #8
            0e 09 80 d2 | b0: mov x14, #0x48
            aa 29 0e 9b | b4: madd x10, x13, x14, x10
            02 00 00 14 | b8: b c0
            cc 00 00 36 | bc: tbz w12, #0, d4
            4a 21 01 91 | c0: add x10, x10, #0x48
            e6 ff ff 17 | c4: b 5c
            cc ff 27 36 | c8: tbz w12, #4, c0
            ed 03 1f aa | cc: mov x13, xzr
            02 00 00 14 | d0: b d8
            2d 29 40 f9 | d4: ldr x13, [x9, #80]
            e0 03 0d aa | d8: mov x0, x13
            28 1d 40 f9 | dc: ldr x8, [x9, #56]
            01 00 00 d4 | e0: svc #0x0
            fd ff ff 17 | e4: b d8
            """;

    private static final byte[] X86_64_BYTES = parse(X86_64);
    private static final byte[] AARCH64_BYTES = parse(AARCH64);

    private TrampolineCode() {}

    /** The routine for x86_64 (System V calling convention). */
    public static byte[] x86_64() {
        return X86_64_BYTES.clone();
    }

    /** The routine for aarch64 (AAPCS64). */
    public static byte[] aarch64() {
        return AARCH64_BYTES.clone();
    }

    /**
     * The routine for a value of the {@code os.arch} system property.
     *
     * @throws IllegalStateException for an architecture hako has no trampoline for
     */
    public static byte[] forArch(String osArch) {
        Objects.requireNonNull(osArch, "osArch");
        return switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> x86_64();
            case "aarch64", "arm64" -> aarch64();
            default -> throw new IllegalStateException("hako has no clone trampoline for os.arch \""
                    + osArch + "\"; supported: amd64 (x86_64) and aarch64 (arm64)");
        };
    }

    /** The routine for this JVM's {@code os.arch}. */
    public static byte[] forThisMachine() {
        return forArch(System.getProperty("os.arch"));
    }

    private static byte[] parse(String listing) {
        StringBuilder hex = new StringBuilder();
        listing.lines().forEach(line -> {
            int bar = line.indexOf('|');
            hex.append((bar < 0 ? line : line.substring(0, bar)).replace(" ", ""));
        });
        return HexFormat.of().parseHex(hex);
    }
}
