package dev.hako.seccomp;

/**
 * One comparison of a system call argument: argument {@code index} (0 to 5) compared with
 * {@code value} (and, for {@link Operator#MASKED_EQ}, {@code valueTwo}) as unsigned 64-bit
 * numbers, which Java holds in a {@code long}.
 */
public record ArgCondition(int index, long value, long valueTwo, Operator op) {
    public ArgCondition {
        if (index < 0 || index >= Filter.ARG_COUNT) {
            throw new SeccompException("argument index " + index + " is not between 0 and " + (Filter.ARG_COUNT - 1));
        }
        java.util.Objects.requireNonNull(op, "op");
    }

    public static ArgCondition of(int index, Operator op, long value) {
        return new ArgCondition(index, value, 0, op);
    }

    public static ArgCondition maskedEq(int index, long mask, long value) {
        return new ArgCondition(index, mask, value, Operator.MASKED_EQ);
    }

    boolean matches(long[] args) {
        return op.test(args[index], value, valueTwo);
    }
}
