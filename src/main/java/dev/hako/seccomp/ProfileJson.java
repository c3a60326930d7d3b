package dev.hako.seccomp;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Reads an OCI {@code linux.seccomp} object as a tree. Every error names the JSON path of
 * the field ({@code syscalls[3].args[0].op}) and what is wrong with its value. Unknown
 * fields are refused too, so a typo does not silently weaken a profile.
 */
final class ProfileJson {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** The OCI runtime-spec's {@code SCMP_ARCH_*} names. */
    static final Set<String> OCI_ARCHES = Set.of("SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",
            "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
            "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
            "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64",
            "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB");

    private static final Set<String> TOP = Set.of("defaultAction", "defaultErrnoRet", "architectures", "flags",
            "syscalls", "listenerPath", "listenerMetadata");
    private static final Set<String> RULE = Set.of("names", "action", "errnoRet", "args");
    private static final Set<String> ARG = Set.of("index", "value", "valueTwo", "op");
    private static final BigInteger UINT64_LIMIT = BigInteger.ONE.shiftLeft(64);

    private ProfileJson() {
    }

    static Profile parse(byte[] json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SeccompException("seccomp profile is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new SeccompException("seccomp profile could not be read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new SeccompException("seccomp profile is not a JSON object");
        }
        onlyFields(root, TOP, "");
        if (root.hasNonNull("listenerPath") || root.hasNonNull("listenerMetadata")) {
            throw new SeccompException("listenerPath: seccomp notification (SCMP_ACT_NOTIFY) is not supported");
        }
        Action defaultAction = action(required(root, "defaultAction", ""), "defaultAction");
        Integer defaultErrno = errno(root.get("defaultErrnoRet"), "defaultErrnoRet");
        List<String> arches = strings(root.get("architectures"), "architectures");
        for (int i = 0; i < arches.size(); i++) {
            if (!OCI_ARCHES.contains(arches.get(i))) {
                throw new SeccompException("architectures[" + i + "]: \"" + arches.get(i) + "\" is not an architecture (one of "
                        + String.join(", ", new TreeSet<>(OCI_ARCHES)) + ")");
            }
        }
        List<String> flags = strings(root.get("flags"), "flags");
        for (int i = 0; i < flags.size(); i++) {
            if (!Profile.FLAGS.containsKey(flags.get(i))) {
                throw new SeccompException("flags[" + i + "]: \"" + flags.get(i) + "\" is not a seccomp filter flag (one of "
                        + String.join(", ", new TreeSet<>(Profile.FLAGS.keySet())) + ")");
            }
        }
        List<SyscallRule> rules = new ArrayList<>();
        JsonNode syscalls = root.get("syscalls");
        if (syscalls != null && !syscalls.isNull()) {
            if (!syscalls.isArray()) {
                throw new SeccompException("syscalls: " + syscalls + " is not an array");
            }
            for (int i = 0; i < syscalls.size(); i++) {
                SyscallRule rule = rule(syscalls.get(i), "syscalls[" + i + "]");
                if (rule != null) {
                    rules.add(rule);
                }
            }
        }
        return new Profile(defaultAction, defaultErrno, arches, flags, rules);
    }

    /**
     * One rule, or null when none of its names is a system call of the architectures hako
     * knows. As runc and crun do, names unknown here are left out: profiles list calls of
     * other architectures and kernels (Docker's default has {@code bdflush}), which a filter
     * for this one cannot name.
     */
    private static SyscallRule rule(JsonNode node, String path) {
        if (!node.isObject()) {
            throw new SeccompException(path + ": " + node + " is not an object");
        }
        onlyFields(node, RULE, path + ".");
        List<String> names = strings(required(node, "names", path + "."), path + ".names");
        if (names.isEmpty()) {
            throw new SeccompException(path + ".names: is empty");
        }
        Set<String> known = knownSyscalls();
        names = names.stream().filter(known::contains).toList();
        Action action = action(required(node, "action", path + "."), path + ".action");
        Integer errno = errno(node.get("errnoRet"), path + ".errnoRet");
        List<ArgCondition> args = new ArrayList<>();
        JsonNode argsNode = node.get("args");
        if (argsNode != null && !argsNode.isNull()) {
            if (!argsNode.isArray()) {
                throw new SeccompException(path + ".args: " + argsNode + " is not an array");
            }
            for (int i = 0; i < argsNode.size(); i++) {
                args.add(arg(argsNode.get(i), path + ".args[" + i + "]"));
            }
        }
        return names.isEmpty() ? null : new SyscallRule(names, action, errno, args);
    }

    private static ArgCondition arg(JsonNode node, String path) {
        if (!node.isObject()) {
            throw new SeccompException(path + ": " + node + " is not an object");
        }
        onlyFields(node, ARG, path + ".");
        JsonNode indexNode = required(node, "index", path + ".");
        if (!indexNode.canConvertToInt() || !indexNode.isIntegralNumber()
                || indexNode.intValue() < 0 || indexNode.intValue() >= Filter.ARG_COUNT) {
            throw new SeccompException(path + ".index: " + indexNode + " is not an argument index (0 to "
                    + (Filter.ARG_COUNT - 1) + ")");
        }
        long value = uint64(required(node, "value", path + "."), path + ".value");
        JsonNode two = node.get("valueTwo");
        long valueTwo = two == null || two.isNull() ? 0 : uint64(two, path + ".valueTwo");
        JsonNode opNode = required(node, "op", path + ".");
        Operator op = Operator.ofOciName(opNode.isTextual() ? opNode.textValue() : "")
                .orElseThrow(() -> new SeccompException(path + ".op: " + opNode + " is not an operator (one of "
                        + Arrays.stream(Operator.values()).map(Operator::ociName).collect(Collectors.joining(", ")) + ")"));
        return new ArgCondition(indexNode.intValue(), value, valueTwo, op);
    }

    /** Names known on any architecture this build has bindings for. */
    private static Set<String> knownSyscalls() {
        Set<String> known = new TreeSet<>();
        for (Arch arch : Arch.values()) {
            if (arch.generated()) {
                known.addAll(arch.syscalls().keySet());
            }
        }
        return known;
    }

    private static JsonNode required(JsonNode parent, String field, String prefix) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            throw new SeccompException(prefix + field + ": is missing");
        }
        return node;
    }

    /**
     * Unknown fields are ignored, as the runtime spec says of config.json (a profile's
     * {@code comment}, fields of newer spec versions), except Docker's {@code includes} and
     * {@code excludes}: they make a rule conditional, and ignoring them would apply it to
     * every container, so a profile in Docker's own format, which its engine resolves before
     * it reaches a runtime, is refused.
     */
    private static void onlyFields(JsonNode node, Set<String> allowed, String prefix) {
        for (String docker : List.of("includes", "excludes")) {
            if (node.has(docker) && !allowed.contains(docker)) {
                throw new SeccompException(prefix + docker + ": is Docker's profile format, which makes the rule"
                        + " depend on capabilities or kernels; give the profile as the engine resolves it"
                        + " (without includes and excludes)");
            }
        }
    }

    private static Action action(JsonNode node, String path) {
        return Action.ofOciName(node.isTextual() ? node.textValue() : "").orElseThrow(() -> new SeccompException(
                path + ": " + node + (node.isTextual() && node.textValue().equals("SCMP_ACT_NOTIFY")
                        ? " is not supported (no seccomp notification)"
                        : " is not an action (one of " + Arrays.stream(Action.values()).map(Action::ociName)
                        .collect(Collectors.joining(", ")) + ", " + Action.KILL_ALIAS + ")")));
    }

    private static Integer errno(JsonNode node, String path) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < 0
                || node.intValue() > dev.hako.linux.linux_h.SECCOMP_RET_DATA()) {
            throw new SeccompException(path + ": " + node + " is not an errno (0 to "
                    + dev.hako.linux.linux_h.SECCOMP_RET_DATA() + ")");
        }
        return node.intValue();
    }

    private static long uint64(JsonNode node, String path) {
        if (!node.isIntegralNumber()) {
            throw new SeccompException(path + ": " + node + " is not an unsigned 64-bit integer");
        }
        BigInteger v = node.bigIntegerValue();
        if (v.signum() < 0 || v.compareTo(UINT64_LIMIT) >= 0) {
            throw new SeccompException(path + ": " + node + " is not an unsigned 64-bit integer");
        }
        return v.longValue();
    }

    private static List<String> strings(JsonNode node, String path) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new SeccompException(path + ": " + node + " is not an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            if (!node.get(i).isTextual()) {
                throw new SeccompException(path + "[" + i + "]: " + node.get(i) + " is not a string");
            }
            out.add(node.get(i).textValue());
        }
        return out;
    }
}
