package dev.hako.seccomp;

import java.util.Arrays;
import java.util.Optional;

/**
 * How an argument is compared, as the OCI runtime-spec names it. All comparisons are of
 * unsigned 64-bit values; {@link #MASKED_EQ} is {@code (arg & value) == valueTwo}.
 */
public enum Operator {
    NE("SCMP_CMP_NE"),
    LT("SCMP_CMP_LT"),
    LE("SCMP_CMP_LE"),
    EQ("SCMP_CMP_EQ"),
    GE("SCMP_CMP_GE"),
    GT("SCMP_CMP_GT"),
    MASKED_EQ("SCMP_CMP_MASKED_EQ");

    private final String ociName;

    Operator(String ociName) {
        this.ociName = ociName;
    }

    public String ociName() {
        return ociName;
    }

    /** What the kernel-side comparison means, for the rendering of a profile and the tests. */
    public boolean test(long arg, long value, long valueTwo) {
        return switch (this) {
            case NE -> arg != value;
            case LT -> Long.compareUnsigned(arg, value) < 0;
            case LE -> Long.compareUnsigned(arg, value) <= 0;
            case EQ -> arg == value;
            case GE -> Long.compareUnsigned(arg, value) >= 0;
            case GT -> Long.compareUnsigned(arg, value) > 0;
            case MASKED_EQ -> (arg & value) == valueTwo;
        };
    }

    static Optional<Operator> ofOciName(String name) {
        return Arrays.stream(values()).filter(o -> o.ociName.equals(name)).findFirst();
    }
}
