package dev.hako.seccomp;

import dev.hako.linux.linux_h;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A seccomp profile: the OCI runtime-spec's {@code linux.seccomp} object as values.
 * {@code defaultAction} applies to every call no rule matches ({@code defaultErrnoRet} its
 * errno, null meaning EPERM); {@code architectures} holds {@code SCMP_ARCH_*} names (empty:
 * the native one); {@code flags} holds {@code SECCOMP_FILTER_FLAG_*} names. Records compare
 * by value, so a profile is also the key under which its compiled filters are cached.
 */
public record Profile(Action defaultAction, Integer defaultErrnoRet, List<String> architectures,
                      List<String> flags, List<SyscallRule> syscalls) {

    /** The {@code flags} an OCI profile may name, and the bits they stand for. */
    static final Map<String, LongSupplier> FLAGS = Map.of(
            "SECCOMP_FILTER_FLAG_TSYNC", linux_h::SECCOMP_FILTER_FLAG_TSYNC,
            "SECCOMP_FILTER_FLAG_LOG", linux_h::SECCOMP_FILTER_FLAG_LOG,
            "SECCOMP_FILTER_FLAG_SPEC_ALLOW", linux_h::SECCOMP_FILTER_FLAG_SPEC_ALLOW,
            "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", linux_h::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);

    private static final Profile UNCONFINED = new Profile(Action.ALLOW, null, List.of(), List.of(), List.of());

    public Profile {
        Objects.requireNonNull(defaultAction, "defaultAction");
        architectures = List.copyOf(architectures);
        flags = List.copyOf(flags);
        syscalls = List.copyOf(syscalls);
        for (String flag : flags) {
            if (!FLAGS.containsKey(flag)) {
                throw new SeccompException("flags: \"" + flag + "\" is not a seccomp filter flag (one of "
                        + String.join(", ", new java.util.TreeSet<>(FLAGS.keySet())) + ")");
            }
        }
    }

    /** A profile with a default action and rules, for the native architecture and no flags. */
    public static Profile of(Action defaultAction, List<SyscallRule> syscalls) {
        return new Profile(defaultAction, null, List.of(), List.of(), syscalls);
    }

    /** No filter: every system call is allowed. */
    public static Profile unconfined() {
        return UNCONFINED;
    }

    /**
     * Docker's default profile for a container with Docker's default capabilities: its
     * allow-list, clone without namespace flags, clone3 failing with ENOSYS (so that libc
     * falls back to clone, whose flags a filter can see), socket without AF_ALG and
     * AF_VSOCK, the personalities it allows, chroot (CAP_SYS_CHROOT is a default
     * capability), everything else EPERM (mount, unshare, setns, keyctl, bpf,
     * init_module, open_by_handle_at, ...). See {@link #dockerDefault(Collection)}.
     */
    public static Profile dockerDefault() {
        return DockerDefault.PROFILE;
    }

    /**
     * Docker's default profile for a container whose bounding set holds
     * {@code capabilities} (names, {@code CAP_} optional): as Docker does, a capability
     * also allows its calls, such as mount, umount2, unshare, setns, sethostname and clone
     * with namespace flags for SYS_ADMIN, ptrace and kcmp for SYS_PTRACE, init_module for
     * SYS_MODULE, reboot for SYS_BOOT, clock_settime for SYS_TIME. This is the builder's
     * default. Made once per set of the capabilities that matter to it.
     */
    public static Profile dockerDefault(Collection<String> capabilities) {
        return DockerDefault.forCapabilities(capabilities);
    }

    /** Parses an OCI {@code linux.seccomp} object; errors name the JSON path. */
    public static Profile parse(String json) {
        return ProfileJson.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    public static Profile parse(byte[] json) {
        return ProfileJson.parse(json);
    }

    /** Whether this profile allows everything, so no filter needs to be installed. */
    public boolean isUnconfined() {
        return defaultAction == Action.ALLOW && syscalls.stream().allMatch(r -> r.action() == Action.ALLOW);
    }

    /** The {@code flags} argument of {@code seccomp(SECCOMP_SET_MODE_FILTER, flags, prog)}. */
    public long flagBits() {
        long bits = 0;
        for (String flag : flags) {
            bits |= FLAGS.get(flag).getAsLong();
        }
        return bits;
    }

    /** The compiled filter for {@code arch} (computed once per profile and architecture). */
    public Filter compile(Arch arch) {
        return FilterCompiler.compile(this, arch);
    }
}
