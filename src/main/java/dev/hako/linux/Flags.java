package dev.hako.linux;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Renders flag words as the C names they are made of, like {@code MS_BIND|MS_REC}. */
public final class Flags {
    private static final Map<String, Map<String, Long>> BITS = new ConcurrentHashMap<>();

    private Flags() {
    }

    /** {@code value} as {@code PREFIX_A|PREFIX_B|0x..}, using the single-bit constants named {@code prefix*}. */
    public static String render(String prefix, long value) {
        if (value == 0) {
            return "0";
        }
        StringBuilder out = new StringBuilder();
        long rest = value;
        for (Map.Entry<String, Long> bit : BITS.computeIfAbsent(prefix, ConstantNames::singleBits).entrySet()) {
            if ((rest & bit.getValue()) != 0) {
                out.append(out.isEmpty() ? "" : "|").append(bit.getKey());
                rest &= ~bit.getValue();
            }
        }
        if (rest != 0) {
            out.append(out.isEmpty() ? "" : "|").append("0x").append(Long.toHexString(rest));
        }
        return out.toString();
    }

    /** open(2) flags: the access mode ({@code O_RDONLY} is 0) and the other bits. */
    public static String openFlags(int flags) {
        int accessMode = flags & (linux_h.O_WRONLY() | linux_h.O_RDWR());
        String mode = accessMode == linux_h.O_WRONLY() ? "O_WRONLY" : accessMode == linux_h.O_RDWR() ? "O_RDWR" : "O_RDONLY";
        int rest = flags & ~accessMode;
        return rest == 0 ? mode : mode + "|" + render("O_", rest);
    }

    /** open_tree(2) flags, like {@code OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_RECURSIVE}. */
    public static String openTreeFlags(int flags) {
        StringBuilder out = new StringBuilder();
        int rest = flags;
        rest = appendBit(out, rest, linux_h.OPEN_TREE_CLONE(), "OPEN_TREE_CLONE");
        rest = appendBit(out, rest, linux_h.OPEN_TREE_CLOEXEC(), "OPEN_TREE_CLOEXEC");
        rest = appendBit(out, rest, linux_h.AT_RECURSIVE(), "AT_RECURSIVE");
        if (rest != 0) {
            out.append(out.isEmpty() ? "" : "|").append("0x").append(Integer.toHexString(rest));
        }
        return out.isEmpty() ? "0" : out.toString();
    }

    private static int appendBit(StringBuilder out, int flags, int bit, String name) {
        if ((flags & bit) == 0) {
            return flags;
        }
        out.append(out.isEmpty() ? "" : "|").append(name);
        return flags & ~bit;
    }
}
