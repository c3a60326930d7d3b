package dev.hako.seccomp;

import dev.hako.linux.linux_h;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes classic BPF with labels: conditional jumps name their targets, and
 * {@link #assemble()} resolves them. A conditional jump reaches at most 255 instructions
 * ahead; a farther target gets an unconditional {@code BPF_JA} (32-bit offset) right after
 * the jump, which then jumps to that. Jumps go forward only, so every program ends.
 */
final class Assembler {
    /** A place in the program; bound to the instruction emitted after {@link #bind}. */
    static final class Label {
        private Insn at;
    }

    /** One instruction; for jumps, the targets are labels until assembly. */
    private static final class Insn {
        final int code;
        final int k;
        Label jt;
        Label jf;

        Insn(int code, int k, Label jt, Label jf) {
            this.code = code;
            this.k = k;
            this.jt = jt;
            this.jf = jf;
        }

        boolean conditional() {
            return BpfCodes.isJump(code) && !BpfCodes.isJa(code);
        }
    }

    private final List<Insn> insns = new ArrayList<>();
    private final List<Label> pending = new ArrayList<>();

    Label label() {
        return new Label();
    }

    /** Binds {@code label} to the next instruction emitted. */
    void bind(Label label) {
        if (label.at != null) {
            throw new IllegalStateException("label bound twice");
        }
        pending.add(label);
    }

    private void emit(Insn insn) {
        insns.add(insn);
        for (Label l : pending) {
            l.at = insn;
        }
        pending.clear();
    }

    /** {@code A = *(u32 *)(seccomp_data + offset)} */
    void loadWord(int offset) {
        emit(new Insn(BpfCodes.LD_W_ABS, offset, null, null));
    }

    /** {@code A &= k} */
    void and(int k) {
        emit(new Insn(BpfCodes.ALU_AND_K, k, null, null));
    }

    void jeq(int k, Label jt, Label jf) {
        emit(new Insn(BpfCodes.JEQ_K, k, jt, jf));
    }

    void jgt(int k, Label jt, Label jf) {
        emit(new Insn(BpfCodes.JGT_K, k, jt, jf));
    }

    void jge(int k, Label jt, Label jf) {
        emit(new Insn(BpfCodes.JGE_K, k, jt, jf));
    }

    void ja(Label target) {
        emit(new Insn(BpfCodes.JA, 0, target, null));
    }

    void ret(int k) {
        emit(new Insn(BpfCodes.RET_K, k, null, null));
    }

    /** The program as {@code struct sock_filter} values: code, jt, jf, k. */
    List<int[]> assemble() {
        if (!pending.isEmpty()) {
            throw new IllegalStateException("a label is bound past the last instruction");
        }
        while (insertLongJump()) {
            // each pass inserts one BPF_JA, until every conditional jump is short enough
        }
        Map<Insn, Integer> pos = positions();
        List<int[]> out = new ArrayList<>(insns.size());
        for (int i = 0; i < insns.size(); i++) {
            Insn x = insns.get(i);
            if (BpfCodes.isJa(x.code)) {
                out.add(new int[] {x.code, 0, 0, offset(pos, i, x.jt)});
            } else if (x.conditional()) {
                out.add(new int[] {x.code, offset(pos, i, x.jt), offset(pos, i, x.jf), x.k});
            } else {
                out.add(new int[] {x.code, 0, 0, x.k});
            }
        }
        return out;
    }

    private boolean insertLongJump() {
        Map<Insn, Integer> pos = positions();
        for (int i = 0; i < insns.size(); i++) {
            Insn x = insns.get(i);
            if (!x.conditional()) {
                continue;
            }
            boolean farTrue = offset(pos, i, x.jt) > BpfCodes.MAX_SHORT_JUMP;
            boolean farFalse = offset(pos, i, x.jf) > BpfCodes.MAX_SHORT_JUMP;
            if (!farTrue && !farFalse) {
                continue;
            }
            int at = i + 1;
            if (farTrue) {
                x.jt = longJump(at++, x.jt);
            }
            if (farFalse) {
                x.jf = longJump(at, x.jf);
            }
            return true;
        }
        return false;
    }

    private Label longJump(int index, Label target) {
        Insn ja = new Insn(BpfCodes.JA, 0, target, null);
        insns.add(index, ja);
        Label l = new Label();
        l.at = ja;
        return l;
    }

    private Map<Insn, Integer> positions() {
        Map<Insn, Integer> pos = new IdentityHashMap<>();
        for (int i = 0; i < insns.size(); i++) {
            pos.put(insns.get(i), i);
        }
        return pos;
    }

    private static int offset(Map<Insn, Integer> pos, int from, Label to) {
        if (to == null || to.at == null) {
            throw new IllegalStateException("jump to an unbound label at instruction " + from);
        }
        int off = pos.get(to.at) - from - 1;
        if (off < 0) {
            throw new IllegalStateException("backward jump at instruction " + from);
        }
        return off;
    }

    int size() {
        return insns.size();
    }

    /** Opcodes built from the generated {@code BPF_*} constants. */
    static final class BpfCodes {
        static final int LD_W_ABS = linux_h.BPF_LD() | linux_h.BPF_W() | linux_h.BPF_ABS();
        static final int ALU_AND_K = linux_h.BPF_ALU() | linux_h.BPF_AND() | linux_h.BPF_K();
        static final int JA = linux_h.BPF_JMP() | linux_h.BPF_JA();
        static final int JEQ_K = linux_h.BPF_JMP() | linux_h.BPF_JEQ() | linux_h.BPF_K();
        static final int JGT_K = linux_h.BPF_JMP() | linux_h.BPF_JGT() | linux_h.BPF_K();
        static final int JGE_K = linux_h.BPF_JMP() | linux_h.BPF_JGE() | linux_h.BPF_K();
        static final int RET_K = linux_h.BPF_RET() | linux_h.BPF_K();
        /** jt and jf are one unsigned byte each ({@code __u8} in {@code struct sock_filter}). */
        static final int MAX_SHORT_JUMP = (1 << Byte.SIZE) - 1;

        private BpfCodes() {
        }

        static boolean isJump(int code) {
            return code == JA || code == JEQ_K || code == JGT_K || code == JGE_K;
        }

        static boolean isJa(int code) {
            return code == JA;
        }
    }
}
