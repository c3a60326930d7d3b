package dev.hako.seccomp;

import dev.hako.linux.linux_h;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A compiled seccomp filter: classic BPF as the kernel takes it, an array of
 * {@code struct sock_filter} ({@code u16 code, u8 jt, u8 jf, u32 k}) in the target's byte
 * order (little endian on x86_64 and aarch64). Immutable.
 */
public final class Filter {
    /** {@code sizeof(struct seccomp_data)}'s argument slots ({@code u64 args[6]}). */
    public static final int ARG_COUNT = (linux_h.HAKO_SECCOMP_DATA_SIZE() - linux_h.HAKO_SECCOMP_DATA_ARGS()) / Long.BYTES;
    static final int NR_OFFSET = linux_h.HAKO_SECCOMP_DATA_NR();
    static final int ARCH_OFFSET = linux_h.HAKO_SECCOMP_DATA_ARCH();
    static final int ARGS_OFFSET = linux_h.HAKO_SECCOMP_DATA_ARGS();
    static final int INSN_SIZE = linux_h.HAKO_SOCK_FILTER_SIZE();
    /** The kernel's limit on a filter's length. */
    public static final int MAX_INSTRUCTIONS = linux_h.BPF_MAXINSNS();

    private final Arch arch;
    private final byte[] bytes;
    private final long flagBits;

    Filter(Arch arch, List<int[]> insns, long flagBits) {
        if (INSN_SIZE != Short.BYTES + 2 * Byte.BYTES + Integer.BYTES) {
            throw new IllegalStateException("struct sock_filter is " + INSN_SIZE + " bytes on this build");
        }
        this.arch = arch;
        ByteBuffer b = ByteBuffer.allocate(insns.size() * INSN_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int[] insn : insns) {
            b.putShort((short) insn[0]).put((byte) insn[1]).put((byte) insn[2]).putInt(insn[3]);
        }
        this.bytes = b.array();
        this.flagBits = flagBits;
    }

    public Arch arch() {
        return arch;
    }

    /** The profile's {@code SECCOMP_FILTER_FLAG_*} bits, which {@code seccomp(2)} installs it with. */
    public long flagBits() {
        return flagBits;
    }

    /** The number of instructions ({@code sock_fprog.len}). */
    public int length() {
        return bytes.length / INSN_SIZE;
    }

    /** The program's bytes, as {@code sock_fprog.filter} points at them. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Each instruction as one little-endian 64-bit word (code | jt << 16 | jf << 24 | k << 32). */
    public long[] words() {
        long[] w = new long[length()];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(w);
        return w;
    }

    /** Instruction {@code i}: {code, jt, jf, k}. */
    int[] instruction(int i) {
        ByteBuffer b = ByteBuffer.wrap(bytes, i * INSN_SIZE, INSN_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        return new int[] {Short.toUnsignedInt(b.getShort()), Byte.toUnsignedInt(b.get()), Byte.toUnsignedInt(b.get()), b.getInt()};
    }

    /** The program as text, one instruction a line, like {@code bpf_dbg}: for debugging and tests. */
    public List<String> render() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < length(); i++) {
            int[] x = instruction(i);
            String k = "0x" + Integer.toHexString(x[3]);
            String text;
            if (x[0] == Assembler.BpfCodes.LD_W_ABS) {
                text = "ld [" + x[3] + "]";
            } else if (x[0] == Assembler.BpfCodes.ALU_AND_K) {
                text = "and #" + k;
            } else if (x[0] == Assembler.BpfCodes.JA) {
                text = "ja " + (i + 1 + x[3]);
            } else if (x[0] == Assembler.BpfCodes.RET_K) {
                text = "ret #" + k;
            } else {
                String op = x[0] == Assembler.BpfCodes.JEQ_K ? "jeq" : x[0] == Assembler.BpfCodes.JGT_K ? "jgt" : "jge";
                text = op + " #" + k + ", " + (i + 1 + x[1]) + ", " + (i + 1 + x[2]);
            }
            lines.add(String.format("%04d: %s", i, text));
        }
        return lines;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Filter f && f.arch == arch && f.flagBits == flagBits && Arrays.equals(f.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return (arch.hashCode() * 31 + Long.hashCode(flagBits)) * 31 + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "seccomp filter for " + arch.bindingsName() + ", " + length() + " instructions";
    }
}
