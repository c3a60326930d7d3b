package dev.hako.cgroup;

import dev.hako.linux.bpf_cgroup_dev_ctx;
import dev.hako.linux.linux_h;

import java.util.List;

/**
 * A device allow-list compiled to a {@code BPF_PROG_TYPE_CGROUP_DEVICE} program, the form
 * cgroup v2 takes it in. The kernel runs it on every open and mknod of a device node by a
 * process of the cgroup, with a {@code struct bpf_cgroup_dev_ctx}: {@code access_type}
 * (the device type in the low 16 bits, the access bits in the high 16), major, minor. It
 * returns 1 to allow, 0 to refuse (the caller gets EPERM).
 *
 * <p>The program reads the four fields into r2..r5 once, then tests the rules in order,
 * each a run of "if not this, go to the next rule" jumps ending in {@code return 1}; after
 * the last rule, {@code return 0}. A rule only tests what it constrains (no type test for
 * {@code a}, no access test for {@code rwm}, none for a {@code *}); a rule that constrains
 * nothing allows everything, and nothing after it is emitted (the verifier refuses
 * unreachable code).
 *
 * @param code the instructions, {@code HAKO_BPF_INSN_SIZE} bytes each
 * @param count how many instructions
 */
public record DeviceProgram(byte[] code, int count, List<DeviceRule> rules) {
    private static final int TYPE = linux_h.BPF_REG_2();
    private static final int ACCESS = linux_h.BPF_REG_3();
    private static final int MAJOR = linux_h.BPF_REG_4();
    private static final int MINOR = linux_h.BPF_REG_5();
    private static final int CTX = linux_h.BPF_REG_1();
    private static final int SCRATCH = linux_h.BPF_REG_1();
    private static final int RESULT = linux_h.BPF_REG_0();
    /** access_type's halves. */
    private static final int TYPE_MASK = 0xffff;
    private static final int ACCESS_SHIFT = 16;

    public DeviceProgram {
        code = code.clone();
        rules = List.copyOf(rules);
    }

    @Override
    public byte[] code() {
        return code.clone();
    }

    /** Compiles {@code rules}: a device is allowed when one rule matches its type, numbers and every access bit asked for. */
    public static DeviceProgram compile(List<DeviceRule> rules) {
        EbpfAssembler a = new EbpfAssembler();
        // The context is read before r1 becomes scratch space.
        a.ldxW(TYPE, CTX, bpf_cgroup_dev_ctx.access_type$offset()).and(TYPE, TYPE_MASK);
        a.ldxW(ACCESS, CTX, bpf_cgroup_dev_ctx.access_type$offset()).rsh(ACCESS, ACCESS_SHIFT);
        a.ldxW(MAJOR, CTX, bpf_cgroup_dev_ctx.major$offset());
        a.ldxW(MINOR, CTX, bpf_cgroup_dev_ctx.minor$offset());
        boolean allowsAll = false;
        for (DeviceRule rule : rules) {
            EbpfAssembler.Label next = new EbpfAssembler.Label();
            boolean tested = false;
            if (rule.type() != DeviceRule.Type.ALL) {
                a.jne(TYPE, rule.type() == DeviceRule.Type.CHAR ? linux_h.BPF_DEVCG_DEV_CHAR()
                        : linux_h.BPF_DEVCG_DEV_BLOCK(), next);
                tested = true;
            }
            int refused = ~accessBits(rule.access()) & accessBits(DeviceRule.ALL_ACCESS);
            if (refused != 0) {
                // Allowed only if no access bit outside the rule's is asked for.
                a.movReg(SCRATCH, ACCESS).and(SCRATCH, refused).jne(SCRATCH, 0, next);
                tested = true;
            }
            if (rule.major() != DeviceRule.ANY) {
                a.jne(MAJOR, rule.major(), next);
                tested = true;
            }
            if (rule.minor() != DeviceRule.ANY) {
                a.jne(MINOR, rule.minor(), next);
                tested = true;
            }
            a.mov(RESULT, 1).exit();
            if (!tested) {
                allowsAll = true;
                break;
            }
            a.bind(next);
        }
        if (!allowsAll) {
            a.mov(RESULT, 0).exit();
        }
        return new DeviceProgram(a.assemble(), a.count(), rules);
    }

    /** The {@code BPF_DEVCG_ACC_*} bits of access letters. */
    static int accessBits(String access) {
        int bits = 0;
        for (char c : access.toCharArray()) {
            bits |= switch (c) {
                case 'r' -> linux_h.BPF_DEVCG_ACC_READ();
                case 'w' -> linux_h.BPF_DEVCG_ACC_WRITE();
                case 'm' -> linux_h.BPF_DEVCG_ACC_MKNOD();
                default -> throw new IllegalArgumentException("access letter " + c);
            };
        }
        return bits;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeviceProgram p && java.util.Arrays.equals(code, p.code) && rules.equals(p.rules);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(code);
    }

    @Override
    public String toString() {
        return "cgroup device program of " + count + " eBPF instructions allowing " + rules;
    }
}
