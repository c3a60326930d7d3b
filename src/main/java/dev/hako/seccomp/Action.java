package dev.hako.seccomp;

import dev.hako.linux.linux_h;

import java.util.Arrays;
import java.util.Optional;

/**
 * What a filter does with a system call: the OCI runtime-spec's {@code SCMP_ACT_*} names and
 * the kernel's {@code SECCOMP_RET_*} value each stands for. {@code SCMP_ACT_NOTIFY} (a
 * listener fd handed to a supervisor) is not supported.
 */
public enum Action {
    ALLOW("SCMP_ACT_ALLOW"),
    /** Fails the call with an errno ({@code errnoRet}, EPERM when not given). */
    ERRNO("SCMP_ACT_ERRNO"),
    KILL_THREAD("SCMP_ACT_KILL_THREAD"),
    KILL_PROCESS("SCMP_ACT_KILL_PROCESS"),
    TRAP("SCMP_ACT_TRAP"),
    /** Notifies a ptrace tracer, with {@code errnoRet} as the message (EPERM when not given). */
    TRACE("SCMP_ACT_TRACE"),
    LOG("SCMP_ACT_LOG");

    /** {@code SCMP_ACT_KILL}: libseccomp's older name of {@code SCMP_ACT_KILL_THREAD}. */
    static final String KILL_ALIAS = "SCMP_ACT_KILL";

    private final String ociName;

    Action(String ociName) {
        this.ociName = ociName;
    }

    public String ociName() {
        return ociName;
    }

    /** Whether the action's 16 data bits carry {@code errnoRet}. */
    public boolean takesErrno() {
        return this == ERRNO || this == TRACE;
    }

    /** The filter's return value for this action with {@code data} (an errno, or a trace message). */
    int returnValue(int data) {
        int base = switch (this) {
            case ALLOW -> linux_h.SECCOMP_RET_ALLOW();
            case ERRNO -> linux_h.SECCOMP_RET_ERRNO();
            case KILL_THREAD -> linux_h.SECCOMP_RET_KILL_THREAD();
            case KILL_PROCESS -> linux_h.SECCOMP_RET_KILL_PROCESS();
            case TRAP -> linux_h.SECCOMP_RET_TRAP();
            case TRACE -> linux_h.SECCOMP_RET_TRACE();
            case LOG -> linux_h.SECCOMP_RET_LOG();
        };
        return takesErrno() ? base | (data & linux_h.SECCOMP_RET_DATA()) : base;
    }

    static Optional<Action> ofOciName(String name) {
        if (KILL_ALIAS.equals(name)) {
            return Optional.of(KILL_THREAD);
        }
        return Arrays.stream(values()).filter(a -> a.ociName.equals(name)).findFirst();
    }
}
