package dev.hako.cgroup;

import java.util.BitSet;
import java.util.Collection;
import java.util.Collections;
import java.util.SortedSet;
import java.util.StringJoiner;
import java.util.TreeSet;

/**
 * The kernel's list format for sets of CPUs and memory nodes, as in {@code cpuset.cpus}
 * and {@code /sys/devices/system/cpu/online}: comma-separated numbers and inclusive
 * ranges, like {@code 0-3,8,10-11}. An empty text is the empty set.
 */
public final class CpusetList {
    /** Far above any real CPU count (the kernel's NR_CPUS is at most 8192). */
    static final int MAX_INDEX = 65535;

    private CpusetList() {
    }

    /**
     * The numbers {@code text} lists, ascending.
     *
     * @throws IllegalArgumentException if it is not in the list format
     */
    public static SortedSet<Integer> parse(String text) {
        return parse(text, "cpuset list");
    }

    /** {@link #parse(String)}, with {@code option} named in the error message. */
    public static SortedSet<Integer> parse(String text, String option) {
        String list = text.strip();
        BitSet bits = new BitSet();
        if (!list.isEmpty()) {
            for (String item : list.split(",", -1)) {
                int dash = item.indexOf('-');
                int from = number(text, option, dash < 0 ? item : item.substring(0, dash));
                int to = dash < 0 ? from : number(text, option, item.substring(dash + 1));
                if (to < from) {
                    throw new IllegalArgumentException(option + " \"" + text + "\" has the range " + item
                            + ", which runs backwards: write it as " + to + "-" + from);
                }
                bits.set(from, to + 1);
            }
        }
        SortedSet<Integer> out = new TreeSet<>();
        bits.stream().forEach(out::add);
        return Collections.unmodifiableSortedSet(out);
    }

    private static int number(String text, String option, String digits) {
        if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException(option + " \"" + text + "\" is not a list of numbers and ranges:"
                    + " write it like 0-3,8 (numbers from 0, ranges inclusive, no spaces)");
        }
        if (digits.length() > 5 || Integer.parseInt(digits) > MAX_INDEX) {
            throw new IllegalArgumentException(option + " \"" + text + "\" names " + digits
                    + ", beyond any CPU or memory node (at most " + MAX_INDEX + ")");
        }
        return Integer.parseInt(digits);
    }

    /** {@code numbers} in the list format, ranges merged: {0, 1, 2, 5} is {@code 0-2,5}. */
    public static String format(Collection<Integer> numbers) {
        StringJoiner out = new StringJoiner(",");
        Integer start = null;
        Integer prev = null;
        for (int n : new TreeSet<>(numbers)) {
            if (prev != null && n == prev + 1) {
                prev = n;
                continue;
            }
            if (start != null) {
                out.add(start.equals(prev) ? start.toString() : start + "-" + prev);
            }
            start = n;
            prev = n;
        }
        if (start != null) {
            out.add(start.equals(prev) ? start.toString() : start + "-" + prev);
        }
        return out.toString();
    }
}
