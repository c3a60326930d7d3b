package dev.hako.netlink;

import dev.hako.linux.linux_h;

import java.nio.charset.StandardCharsets;

/**
 * The kernel's rule for a network interface's name ({@code dev_valid_name}): 1 to
 * {@code IFNAMSIZ - 1} bytes, not {@code .} or {@code ..}, no {@code /}, {@code :} or
 * whitespace. hako also refuses control characters and {@code %}, which the kernel would
 * take as a template ({@code hako%d} makes {@code hako0}), so a name from user input names
 * exactly the interface it says.
 */
public final class InterfaceName {
    /** The most bytes a name may have: {@code IFNAMSIZ} less its terminating NUL. */
    public static final int MAX_BYTES = linux_h.IFNAMSIZ() - 1;

    private InterfaceName() {
    }

    /**
     * Returns {@code name} if it is a valid interface name.
     *
     * @throws IllegalArgumentException naming the name, what is wrong and what is allowed
     */
    public static String validate(String name) {
        String problem = problem(name);
        if (problem != null) {
            throw new IllegalArgumentException("interface name " + quote(name) + " is not valid: " + problem
                    + " (a name has 1 to " + MAX_BYTES + " bytes, is not \".\" or \"..\", and has no '/', ':', '%',"
                    + " whitespace or control characters)");
        }
        return name;
    }

    /** Whether {@code name} is a valid interface name. */
    public static boolean isValid(String name) {
        return problem(name) == null;
    }

    private static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "it is empty";
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            return "it has " + bytes + " bytes, more than IFNAMSIZ allows";
        }
        if (name.equals(".") || name.equals("..")) {
            return "it is a directory name under /sys/class/net";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == ':' || c == '%') {
                return "it contains '" + c + "'";
            }
            if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
                return "it contains whitespace";
            }
            if (Character.isISOControl(c)) {
                return "it contains a control character";
            }
        }
        return null;
    }

    private static String quote(String name) {
        if (name == null) {
            return "null";
        }
        StringBuilder s = new StringBuilder("\"");
        for (char c : name.toCharArray()) {
            s.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return s.append('"').toString();
    }
}
