package dev.hako.cgroup;

import dev.hako.linux.bpf_cgroup_dev_ctx;
import dev.hako.linux.linux_h;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Runs a device program the way the kernel would, for tests without root: only the
 * instructions {@link EbpfAssembler} emits (32-bit context loads, 64-bit AND, RSH and MOV,
 * JNE against an immediate, EXIT); anything else is refused. It also checks what the
 * verifier would refuse of those: reading a register never written, jumping backwards or
 * out of the program, loading outside {@code struct bpf_cgroup_dev_ctx}, writing r10 or
 * falling off the end.
 */
final class EbpfInterpreter {
    private final ByteBuffer code;
    private final int count;

    EbpfInterpreter(byte[] code) {
        int size = (int) linux_h.HAKO_BPF_INSN_SIZE();
        if (code.length % size != 0 || code.length == 0) {
            throw new IllegalArgumentException("not a whole number of instructions: " + code.length + " bytes");
        }
        this.code = ByteBuffer.wrap(code).order(ByteOrder.nativeOrder());
        this.count = code.length / size;
    }

    /** The program's verdict on one access: 1 allow, 0 refuse. */
    long run(int type, int access, int major, int minor) {
        long ctxAccessType = ((long) access << 16) | type;
        long[] reg = new long[11];
        boolean[] set = new boolean[11];
        set[1] = true; // r1 is the context pointer
        boolean r1IsContext = true;
        int size = (int) linux_h.HAKO_BPF_INSN_SIZE();
        for (int pc = 0, steps = 0; ; steps++) {
            if (pc < 0 || pc >= count) {
                throw new IllegalStateException("ran off the program at " + pc);
            }
            if (steps > count) {
                throw new IllegalStateException("more steps than instructions: a loop");
            }
            int at = pc * size;
            int op = code.get(at) & 0xff;
            int regs = code.get(at + 1) & 0xff;
            int dst = regs & 0x0f;
            int src = regs >>> 4;
            short off = code.getShort(at + 2);
            int imm = code.getInt(at + 4);
            if (dst == linux_h.BPF_REG_10() && op != EbpfAssembler.JNE_K && op != EbpfAssembler.EXIT) {
                throw new IllegalStateException("write to the frame pointer r10 at " + pc);
            }
            pc++;
            if (op == EbpfAssembler.LDX_MEM_W) {
                if (src != 1 || !r1IsContext) {
                    throw new IllegalStateException("load from r" + src + ", which is not the context, at " + (pc - 1));
                }
                if (off == bpf_cgroup_dev_ctx.access_type$offset()) {
                    reg[dst] = ctxAccessType;
                } else if (off == bpf_cgroup_dev_ctx.major$offset()) {
                    reg[dst] = major & 0xffffffffL;
                } else if (off == bpf_cgroup_dev_ctx.minor$offset()) {
                    reg[dst] = minor & 0xffffffffL;
                } else {
                    throw new IllegalStateException("load outside the context, offset " + off);
                }
                set[dst] = true;
                if (dst == 1) {
                    r1IsContext = false;
                }
            } else if (op == EbpfAssembler.AND_K) {
                need(set, dst, pc);
                reg[dst] &= imm; // the immediate is sign-extended to 64 bits
            } else if (op == EbpfAssembler.RSH_K) {
                need(set, dst, pc);
                reg[dst] >>>= imm;
            } else if (op == EbpfAssembler.MOV_K) {
                reg[dst] = imm;
                set[dst] = true;
                r1IsContext &= dst != 1;
            } else if (op == EbpfAssembler.MOV_X) {
                need(set, src, pc);
                reg[dst] = reg[src];
                set[dst] = true;
                r1IsContext &= dst != 1;
            } else if (op == EbpfAssembler.JNE_K) {
                need(set, dst, pc);
                if (off < 0) {
                    throw new IllegalStateException("backward jump at " + (pc - 1));
                }
                if (reg[dst] != (long) imm) {
                    pc += off;
                }
            } else if (op == EbpfAssembler.EXIT) {
                need(set, 0, pc);
                return reg[0];
            } else {
                throw new IllegalStateException(String.format("opcode 0x%02x at %d is not one the assembler emits", op, pc - 1));
            }
        }
    }

    private static void need(boolean[] set, int r, int pc) {
        if (!set[r]) {
            throw new IllegalStateException("r" + r + " read before it is written, at " + (pc - 1));
        }
    }
}
