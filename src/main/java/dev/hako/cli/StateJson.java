package dev.hako.cli;

import dev.hako.oci.ContainerState;

import java.util.List;
import java.util.Map;

/**
 * A container's state in runc's layout: {@code state} prints it indented by two spaces
 * without a final newline, {@code list --format json} as one compact array (or
 * {@code null} when there is none, as runc's Go encoder writes an empty list), the table
 * with ID, PID, STATUS, BUNDLE, CREATED and OWNER. Field order is runc's: ociVersion, id,
 * pid, status, bundle, rootfs, created, annotations (left out when empty), owner.
 */
final class StateJson {

    private StateJson() {
    }

    static String indented(ContainerState s) {
        return "{\n" + String.join(",\n", fields(s, "  ", ": ")) + "\n}";
    }

    static String compact(ContainerState s) {
        return "{" + String.join(",", fields(s, "", ":")) + "}";
    }

    static String array(List<ContainerState> states) {
        if (states.isEmpty()) {
            return "null\n";
        }
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < states.size(); i++) {
            b.append(i == 0 ? "" : ",").append(compact(states.get(i)));
        }
        return b.append("]\n").toString();
    }

    static String table(List<ContainerState> states) {
        TabTable t = new TabTable().row("ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
        for (ContainerState s : states) {
            t.row(s.id(), Long.toString(s.pid()), s.status(), s.bundle() == null ? "" : s.bundle().toString(),
                    s.created() == null ? "" : GoSyntax.rfc3339Nano(s.created()), s.owner() == null ? "" : s.owner());
        }
        return t.toString();
    }

    private static List<String> fields(ContainerState s, String indent, String colon) {
        List<String> f = new java.util.ArrayList<>();
        f.add(indent + "\"ociVersion\"" + colon + Json.string(s.ociVersion()));
        f.add(indent + "\"id\"" + colon + Json.string(s.id()));
        f.add(indent + "\"pid\"" + colon + s.pid());
        f.add(indent + "\"status\"" + colon + Json.string(s.status()));
        f.add(indent + "\"bundle\"" + colon + Json.string(s.bundle() == null ? "" : s.bundle().toString()));
        f.add(indent + "\"rootfs\"" + colon + Json.string(s.rootfs() == null ? "" : s.rootfs().toString()));
        f.add(indent + "\"created\"" + colon + Json.string(s.created() == null
                ? "0001-01-01T00:00:00Z" : GoSyntax.rfc3339Nano(s.created())));
        Map<String, String> annotations = s.annotations();
        if (annotations != null && !annotations.isEmpty()) {
            // Go sorts a map's keys when it encodes one.
            List<String> entries = new java.util.ArrayList<>();
            String inner = indent.isEmpty() ? "" : indent + indent;
            annotations.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
                    entries.add(inner + Json.string(e.getKey()) + colon + Json.string(e.getValue())));
            f.add(indent + "\"annotations\"" + colon + (indent.isEmpty()
                    ? "{" + String.join(",", entries) + "}"
                    : "{\n" + String.join(",\n", entries) + "\n" + indent + "}"));
        }
        f.add(indent + "\"owner\"" + colon + Json.string(s.owner() == null ? "" : s.owner()));
        return f;
    }
}
