package dev.hako.linux;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Maps values back to the names of the generated constants, for readable plans and
 * errors. Reads them off {@link linux_h} by reflection, so every name printed is one the
 * headers define and the bindings carry.
 */
final class ConstantNames {
    private ConstantNames() {
    }

    /** value -> name for every constant whose name starts with {@code prefix} followed by an upper-case letter. */
    static Map<Long, String> withPrefix(String prefix, Set<String> skip) {
        Map<Long, String> byValue = new HashMap<>();
        for (Map.Entry<String, Long> e : all(prefix).entrySet()) {
            if (!skip.contains(e.getKey())) {
                byValue.putIfAbsent(e.getValue(), e.getKey());
            }
        }
        return Map.copyOf(byValue);
    }

    /** name -> value, sorted by name, for the constants starting with {@code prefix}. */
    static Map<String, Long> all(String prefix) {
        Map<String, Long> found = new TreeMap<>();
        for (Method m : linux_h.class.getMethods()) {
            String name = m.getName();
            if (!Modifier.isStatic(m.getModifiers()) || m.getParameterCount() != 0
                    || !name.startsWith(prefix) || name.length() <= prefix.length()
                    || !Character.isUpperCase(name.charAt(prefix.length()))
                    || name.contains("$")) {
                continue;
            }
            Class<?> type = m.getReturnType();
            try {
                if (type == int.class) {
                    found.put(name, (long) (int) m.invoke(null));
                } else if (type == long.class) {
                    found.put(name, (long) m.invoke(null));
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read generated constant " + name, e);
            }
        }
        return found;
    }

    /** The single-bit flags among the constants with {@code prefix}, lowest bit first. */
    static Map<String, Long> singleBits(String prefix) {
        Map<String, Long> bits = new LinkedHashMap<>();
        all(prefix).entrySet().stream()
                .filter(e -> Long.bitCount(e.getValue()) == 1)
                .sorted(Map.Entry.comparingByValue(Long::compareUnsigned))
                .forEach(e -> bits.putIfAbsent(e.getKey(), e.getValue()));
        return bits;
    }
}
