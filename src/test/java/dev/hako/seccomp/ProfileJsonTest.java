package dev.hako.seccomp;

import dev.hako.linux.linux_h;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OCI {@code linux.seccomp} objects read into profiles, and bad input named by its JSON path. */
class ProfileJsonTest {

    private static final String GOOD = """
            {
              "defaultAction": "SCMP_ACT_ERRNO",
              "defaultErrnoRet": 38,
              "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"],
              "flags": ["SECCOMP_FILTER_FLAG_LOG"],
              "syscalls": [
                {"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"},
                {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
                 "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
                {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
                 "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
                {"names": ["mmap"], "action": "SCMP_ACT_ERRNO", "errnoRet": 12,
                 "args": [{"index": 1, "value": 18446744073709551615, "op": "SCMP_CMP_GE"}]},
                {"names": ["kill"], "action": "SCMP_ACT_KILL"},
                {"names": ["getpid"], "action": "SCMP_ACT_LOG"}
              ]
            }
            """;

    @Test
    void readsAnOciProfile() {
        Profile p = Profile.parse(GOOD);
        assertEquals(Action.ERRNO, p.defaultAction());
        assertEquals(38, p.defaultErrnoRet());
        assertEquals(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"), p.architectures());
        assertEquals(linux_h.SECCOMP_FILTER_FLAG_LOG(), p.flagBits());
        assertEquals(6, p.syscalls().size());
        assertEquals(List.of("read", "write", "exit_group"), p.syscalls().get(0).names());
        assertEquals(new ArgCondition(0, 2114060288L, 0, Operator.MASKED_EQ), p.syscalls().get(2).args().get(0));
        assertEquals(-1L, p.syscalls().get(3).args().get(0).value(), "2^64-1 is held as the long -1");
        assertEquals(12, p.syscalls().get(3).errnoRet());
        assertEquals(Action.KILL_THREAD, p.syscalls().get(4).action(), "SCMP_ACT_KILL is KILL_THREAD");
        assertEquals(p, Profile.parse(GOOD), "equal JSON, equal profiles");
        for (Arch arch : Arch.values()) {
            if (arch.generated()) {
                Filter f = p.compile(arch);
                int nr = arch.syscall("write").orElseThrow();
                assertEquals(Action.ALLOW.returnValue(0),
                        BpfInterpreter.run(f.bytes(), new BpfInterpreter.SeccompData(nr, arch.auditArch(), 0)).value());
                int mount = arch.syscall("mount").orElseThrow();
                assertEquals(Action.ERRNO.returnValue(38),
                        BpfInterpreter.run(f.bytes(), new BpfInterpreter.SeccompData(mount, arch.auditArch(), 0)).value());
            }
        }
    }

    @Test
    void minimalAndUnconfined() {
        Profile p = Profile.parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
        assertEquals(Profile.unconfined(), p);
        assertTrue(p.isUnconfined());
        assertTrue(!Profile.dockerDefault().isUnconfined());
    }

    private static void refused(String json, String message) {
        SeccompException e = assertThrows(SeccompException.class, () -> Profile.parse(json));
        assertEquals(message, e.getMessage());
    }

    private static String rules(String... rules) {
        return "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [" + String.join(",", rules) + "]}";
    }

    private static final String OK = "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}";

    /** As runc: a name no architecture here knows is left out (Docker's profile lists bdflush); a rule of such names alone goes. */
    @Test
    void unknownSyscallNamesAreLeftOut() {
        Profile p = Profile.parse(rules(OK, "{\"names\": [\"read\", \"fooo\"], \"action\": \"SCMP_ACT_ALLOW\"}",
                "{\"names\": [\"bdflush\"], \"action\": \"SCMP_ACT_ALLOW\"}"));
        assertEquals(2, p.syscalls().size());
        assertEquals(List.of("read"), p.syscalls().get(1).names());
    }

    /** Docker's conditional rules would apply to every container if ignored: refused. Other unknown fields are ignored. */
    @Test
    void dockersIncludesAreRefusedAndOtherUnknownFieldsIgnored() {
        refused(rules("{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}}"),
                "syscalls[0].includes: is Docker's profile format, which makes the rule depend on capabilities or"
                        + " kernels; give the profile as the engine resolves it (without includes and excludes)");
        assertEquals(1, Profile.parse(rules("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"comment\": \"x\"}"))
                .syscalls().size());
    }

    @Test
    void badOperator() {
        refused(rules(OK, OK, OK, "{\"names\": [\"write\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
                        + "{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_FOO\"}]}"),
                "syscalls[3].args[0].op: \"SCMP_CMP_FOO\" is not an operator (one of SCMP_CMP_NE, SCMP_CMP_LT,"
                        + " SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ)");
    }

    @Test
    void missingFields() {
        refused("{\"syscalls\": []}", "defaultAction: is missing");
        refused(rules("{\"names\": [\"read\"]}"), "syscalls[0].action: is missing");
        refused(rules("{\"action\": \"SCMP_ACT_ALLOW\"}"), "syscalls[0].names: is missing");
        refused(rules(OK, "{\"names\": [\"write\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"op\": \"SCMP_CMP_EQ\"}]}"),
                "syscalls[1].args[0].value: is missing");
        refused(rules("{\"names\": [\"write\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]}"),
                "syscalls[0].args[0].index: is missing");
        refused(rules("{\"names\": [], \"action\": \"SCMP_ACT_ALLOW\"}"), "syscalls[0].names: is empty");
    }

    @Test
    void badValues() {
        refused("{\"defaultAction\": \"SCMP_ACT_MAYBE\"}", "defaultAction: \"SCMP_ACT_MAYBE\" is not an action (one of"
                + " SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL_THREAD, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP,"
                + " SCMP_ACT_TRACE, SCMP_ACT_LOG, SCMP_ACT_KILL)");
        refused(rules("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_NOTIFY\"}"),
                "syscalls[0].action: \"SCMP_ACT_NOTIFY\" is not supported (no seccomp notification)");
        refused("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": -1}",
                "defaultErrnoRet: -1 is not an errno (0 to " + linux_h.SECCOMP_RET_DATA() + ")");
        refused(rules("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": \"EPERM\"}"),
                "syscalls[0].errnoRet: \"EPERM\" is not an errno (0 to " + linux_h.SECCOMP_RET_DATA() + ")");
        refused(rules("{\"names\": [\"write\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 6, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]}"),
                "syscalls[0].args[0].index: 6 is not an argument index (0 to 5)");
        refused(rules("{\"names\": [\"write\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": -1, \"op\": \"SCMP_CMP_EQ\"}]}"),
                "syscalls[0].args[0].value: -1 is not an unsigned 64-bit integer");
        refused(rules("{\"names\": [\"write\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 18446744073709551616, \"op\": \"SCMP_CMP_EQ\"}]}"),
                "syscalls[0].args[0].value: 18446744073709551616 is not an unsigned 64-bit integer");
        refused(rules("{\"names\": [\"write\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, \"valueTwo\": 1.5, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}"),
                "syscalls[0].args[0].valueTwo: 1.5 is not an unsigned 64-bit integer");
        refused("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_Z80\"]}",
                "architectures[0]: \"SCMP_ARCH_Z80\" is not an architecture (one of " + String.join(", ",
                        new java.util.TreeSet<>(ProfileJson.OCI_ARCHES)) + ")");
        refused("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"flags\": [\"SECCOMP_FILTER_FLAG_TSYNC\", \"FAST\"]}",
                "flags[1]: \"FAST\" is not a seccomp filter flag (one of SECCOMP_FILTER_FLAG_LOG,"
                        + " SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)");
        refused(rules("{\"names\": \"read\", \"action\": \"SCMP_ACT_ALLOW\"}"),
                "syscalls[0].names: \"read\" is not an array of strings");
        refused("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"listenerPath\": \"/run/x.sock\"}",
                "listenerPath: seccomp notification (SCMP_ACT_NOTIFY) is not supported");
    }

    @Test
    void notJson() {
        SeccompException e = assertThrows(SeccompException.class, () -> Profile.parse("{\"defaultAction\": "));
        assertTrue(e.getMessage().startsWith("seccomp profile is not valid JSON"), e.getMessage());
        refused("[]", "seccomp profile is not a JSON object");
        e = assertThrows(SeccompException.class, () -> Profile.parse(
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultAction\": \"SCMP_ACT_ALLOW\"}"));
        assertTrue(e.getMessage().contains("Duplicate field 'defaultAction'"), e.getMessage());
    }

    @Test
    void dockerDefaultNamesOnlyKnownCalls() {
        for (String name : DockerDefault.ALLOWED) {
            assertTrue(Arch.X86_64.syscall(name).isPresent()
                    || Arch.AARCH64.generated() && Arch.AARCH64.syscall(name).isPresent(), name);
        }
        for (String name : List.of("mount", "reboot", "kexec_load", "init_module", "open_by_handle_at", "keyctl",
                "unshare", "clone", "personality", "setns", "bpf", "umount2", "pivot_root")) {
            assertTrue(!DockerDefault.ALLOWED.contains(name), name + " is not allowed outright");
        }
    }
}
