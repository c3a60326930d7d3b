package dev.hako.seccomp;

import dev.hako.linux.linux_h;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A classic BPF interpreter for seccomp filters, written for the tests: it runs a filter on
 * one {@code struct seccomp_data} as the kernel would, checking what the kernel's
 * verifier checks on the way (known opcodes, aligned in-bounds loads, jumps inside the
 * program, an end in a return). Opcodes and offsets come from the generated bindings.
 */
final class BpfInterpreter {
    private static final int LD_W_ABS = linux_h.BPF_LD() | linux_h.BPF_W() | linux_h.BPF_ABS();
    private static final int AND_K = linux_h.BPF_ALU() | linux_h.BPF_AND() | linux_h.BPF_K();
    private static final int OR_K = linux_h.BPF_ALU() | linux_h.BPF_OR() | linux_h.BPF_K();
    private static final int JA = linux_h.BPF_JMP() | linux_h.BPF_JA();
    private static final int JEQ_K = linux_h.BPF_JMP() | linux_h.BPF_JEQ() | linux_h.BPF_K();
    private static final int JGT_K = linux_h.BPF_JMP() | linux_h.BPF_JGT() | linux_h.BPF_K();
    private static final int JGE_K = linux_h.BPF_JMP() | linux_h.BPF_JGE() | linux_h.BPF_K();
    private static final int JSET_K = linux_h.BPF_JMP() | linux_h.BPF_JSET() | linux_h.BPF_K();
    private static final int RET_K = linux_h.BPF_RET() | linux_h.BPF_K();

    /** What one run returned, and how many instructions it executed. */
    record Result(int value, int steps) {
    }

    /** The input of a filter: a system call as the kernel describes it. */
    record SeccompData(int nr, int arch, long ip, long... args) {
        byte[] bytes() {
            ByteBuffer b = ByteBuffer.allocate(linux_h.HAKO_SECCOMP_DATA_SIZE()).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(linux_h.HAKO_SECCOMP_DATA_NR(), nr);
            b.putInt(linux_h.HAKO_SECCOMP_DATA_ARCH(), arch);
            b.putLong(linux_h.HAKO_SECCOMP_DATA_IP(), ip);
            for (int i = 0; i < args.length; i++) {
                b.putLong(linux_h.HAKO_SECCOMP_DATA_ARGS() + Long.BYTES * i, args[i]);
            }
            return b.array();
        }
    }

    private BpfInterpreter() {
    }

    static Result run(byte[] filter, SeccompData data) {
        int size = linux_h.HAKO_SOCK_FILTER_SIZE();
        if (filter.length == 0 || filter.length % size != 0) {
            throw new AssertionError("filter of " + filter.length + " bytes is not a whole number of instructions");
        }
        int n = filter.length / size;
        if (n > linux_h.BPF_MAXINSNS()) {
            throw new AssertionError("filter has " + n + " instructions, more than BPF_MAXINSNS");
        }
        ByteBuffer prog = ByteBuffer.wrap(filter).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer mem = ByteBuffer.wrap(data.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        int a = 0;
        int pc = 0;
        int steps = 0;
        while (true) {
            if (pc < 0 || pc >= n) {
                throw new AssertionError("ran off the filter at instruction " + pc);
            }
            int base = pc * size;
            int code = Short.toUnsignedInt(prog.getShort(base));
            int jt = Byte.toUnsignedInt(prog.get(base + 2));
            int jf = Byte.toUnsignedInt(prog.get(base + 3));
            int k = prog.getInt(base + 4);
            steps++;
            pc++;
            if (code == LD_W_ABS) {
                if (k < 0 || k % Integer.BYTES != 0 || k + Integer.BYTES > mem.capacity()) {
                    throw new AssertionError("load of seccomp_data offset " + k + " at instruction " + (pc - 1));
                }
                a = mem.getInt(k);
            } else if (code == AND_K) {
                a &= k;
            } else if (code == OR_K) {
                a |= k;
            } else if (code == JA) {
                pc += k;
            } else if (code == JEQ_K) {
                pc += a == k ? jt : jf;
            } else if (code == JGT_K) {
                pc += Integer.compareUnsigned(a, k) > 0 ? jt : jf;
            } else if (code == JGE_K) {
                pc += Integer.compareUnsigned(a, k) >= 0 ? jt : jf;
            } else if (code == JSET_K) {
                pc += (a & k) != 0 ? jt : jf;
            } else if (code == RET_K) {
                return new Result(k, steps);
            } else {
                throw new AssertionError("opcode 0x" + Integer.toHexString(code) + " at instruction " + (pc - 1));
            }
        }
    }
}
