package dev.hako.seccomp;

import java.util.List;
import java.util.Objects;

/**
 * One entry of a profile's {@code syscalls}: for each call in {@code names}, when every
 * condition of {@code args} holds (all of them: AND), {@code action} applies. Rules are
 * tried in profile order and the first that matches wins (OR across the rules of one call);
 * when none does, the profile's default action applies. {@code errnoRet} is the errno of
 * {@link Action#ERRNO} (or the message of {@link Action#TRACE}); null means EPERM.
 */
public record SyscallRule(List<String> names, Action action, Integer errnoRet, List<ArgCondition> args) {
    public SyscallRule {
        names = List.copyOf(names);
        Objects.requireNonNull(action, "action");
        args = List.copyOf(args);
        if (names.isEmpty()) {
            throw new SeccompException("a syscall rule needs at least one name");
        }
    }

    public static SyscallRule of(Action action, List<String> names, ArgCondition... args) {
        return new SyscallRule(names, action, null, List.of(args));
    }

    public static SyscallRule errno(int errno, List<String> names, ArgCondition... args) {
        return new SyscallRule(names, Action.ERRNO, errno, List.of(args));
    }
}
