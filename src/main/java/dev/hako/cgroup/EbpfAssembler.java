package dev.hako.cgroup;

import dev.hako.linux.linux_h;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Just enough of an eBPF assembler for the device program: 32-bit loads from the context,
 * 64-bit AND, right shift and moves, a jump on not-equal to a forward label, and exit.
 * Opcodes are the bindings' {@code BPF_*} class, operation and source bits; an instruction
 * is {@code HAKO_BPF_INSN_SIZE} bytes: opcode, registers, a 16-bit offset, a 32-bit
 * immediate, in the machine's byte order. The two registers share one byte as C bit fields
 * {@code dst_reg:4, src_reg:4}, which on these little-endian machines puts dst in the low
 * nibble.
 */
final class EbpfAssembler {
    static final int LDX_MEM_W = linux_h.BPF_LDX() | linux_h.BPF_MEM() | linux_h.BPF_W();
    static final int AND_K = linux_h.BPF_ALU64() | linux_h.BPF_AND() | linux_h.BPF_K();
    static final int RSH_K = linux_h.BPF_ALU64() | linux_h.BPF_RSH() | linux_h.BPF_K();
    static final int MOV_K = linux_h.BPF_ALU64() | linux_h.BPF_MOV() | linux_h.BPF_K();
    static final int MOV_X = linux_h.BPF_ALU64() | linux_h.BPF_MOV() | linux_h.BPF_X();
    static final int JNE_K = linux_h.BPF_JMP() | linux_h.BPF_JNE() | linux_h.BPF_K();
    static final int EXIT = linux_h.BPF_JMP() | linux_h.BPF_EXIT();

    /** A place to jump to; bound once, after every jump to it (jumps only go forward). */
    static final class Label {
        private int at = -1;
    }

    private record Insn(int code, int dst, int src, Label target, int off, int imm) {
    }

    private final List<Insn> insns = new ArrayList<>();

    /** {@code dst = *(u32 *)(src + off)}. */
    EbpfAssembler ldxW(int dst, int src, long off) {
        return add(new Insn(LDX_MEM_W, dst, src, null, Math.toIntExact(off), 0));
    }

    /** {@code dst &= imm}. */
    EbpfAssembler and(int dst, int imm) {
        return add(new Insn(AND_K, dst, 0, null, 0, imm));
    }

    /** {@code dst >>= imm} (logical). */
    EbpfAssembler rsh(int dst, int imm) {
        return add(new Insn(RSH_K, dst, 0, null, 0, imm));
    }

    /** {@code dst = imm}. */
    EbpfAssembler mov(int dst, int imm) {
        return add(new Insn(MOV_K, dst, 0, null, 0, imm));
    }

    /** {@code dst = src}. */
    EbpfAssembler movReg(int dst, int src) {
        return add(new Insn(MOV_X, dst, src, null, 0, 0));
    }

    /** {@code if (dst != imm) goto target}. */
    EbpfAssembler jne(int dst, int imm, Label target) {
        if (target.at >= 0) {
            throw new IllegalStateException("eBPF jumps here only go forward");
        }
        return add(new Insn(JNE_K, dst, 0, target, 0, imm));
    }

    /** {@code return r0}. */
    EbpfAssembler exit() {
        return add(new Insn(EXIT, 0, 0, null, 0, 0));
    }

    /** Binds {@code label} to the next instruction. */
    EbpfAssembler bind(Label label) {
        if (label.at >= 0) {
            throw new IllegalStateException("label bound twice");
        }
        label.at = insns.size();
        return this;
    }

    int count() {
        return insns.size();
    }

    /** The encoded program; every label must be bound, to an instruction that exists. */
    byte[] assemble() {
        int size = (int) linux_h.HAKO_BPF_INSN_SIZE();
        ByteBuffer out = ByteBuffer.allocate(insns.size() * size).order(ByteOrder.nativeOrder());
        for (int pc = 0; pc < insns.size(); pc++) {
            Insn i = insns.get(pc);
            int off = i.off();
            if (i.target() != null) {
                if (i.target().at < 0 || i.target().at >= insns.size()) {
                    throw new IllegalStateException("jump at " + pc + " to a label that is not bound to an instruction");
                }
                off = i.target().at - pc - 1;
            }
            out.put((byte) i.code()).put((byte) ((i.src() << 4) | i.dst())).putShort((short) off).putInt(i.imm());
        }
        return out.array();
    }

    private EbpfAssembler add(Insn insn) {
        insns.add(insn);
        return this;
    }
}
