package dev.hako;

import dev.hako.linux.linux_h;

import java.util.Locale;

/**
 * A signal by name, for {@link ContainerProcess#signal(Signal)}: numbers differ between
 * architectures (SIGUSR1 is 10 on x86_64 and aarch64, 30 on others), names do not. Each
 * name's number comes from this machine's headers through the generated bindings.
 */
public enum Signal {
    HUP, INT, QUIT, ILL, TRAP, ABRT, BUS, FPE, KILL, USR1, SEGV, USR2, PIPE, ALRM, TERM, STKFLT, CHLD, CONT,
    STOP, TSTP, TTIN, TTOU, URG, XCPU, XFSZ, VTALRM, PROF, WINCH, IO, PWR, SYS;

    /** This signal's number on this machine. */
    public int number() {
        return switch (this) {
            case HUP -> linux_h.SIGHUP();
            case INT -> linux_h.SIGINT();
            case QUIT -> linux_h.SIGQUIT();
            case ILL -> linux_h.SIGILL();
            case TRAP -> linux_h.SIGTRAP();
            case ABRT -> linux_h.SIGABRT();
            case BUS -> linux_h.SIGBUS();
            case FPE -> linux_h.SIGFPE();
            case KILL -> linux_h.SIGKILL();
            case USR1 -> linux_h.SIGUSR1();
            case SEGV -> linux_h.SIGSEGV();
            case USR2 -> linux_h.SIGUSR2();
            case PIPE -> linux_h.SIGPIPE();
            case ALRM -> linux_h.SIGALRM();
            case TERM -> linux_h.SIGTERM();
            case STKFLT -> linux_h.SIGSTKFLT();
            case CHLD -> linux_h.SIGCHLD();
            case CONT -> linux_h.SIGCONT();
            case STOP -> linux_h.SIGSTOP();
            case TSTP -> linux_h.SIGTSTP();
            case TTIN -> linux_h.SIGTTIN();
            case TTOU -> linux_h.SIGTTOU();
            case URG -> linux_h.SIGURG();
            case XCPU -> linux_h.SIGXCPU();
            case XFSZ -> linux_h.SIGXFSZ();
            case VTALRM -> linux_h.SIGVTALRM();
            case PROF -> linux_h.SIGPROF();
            case WINCH -> linux_h.SIGWINCH();
            case IO -> linux_h.SIGIO();
            case PWR -> linux_h.SIGPWR();
            case SYS -> linux_h.SIGSYS();
        };
    }

    /**
     * The signal called {@code name}, as {@code kill -s} takes it: {@code TERM},
     * {@code SIGTERM} or {@code term}.
     *
     * @throws IllegalArgumentException naming the signals there are, for an unknown name
     */
    public static Signal of(String name) {
        String n = name.strip().toUpperCase(Locale.ROOT);
        if (n.startsWith("SIG")) {
            n = n.substring(3);
        }
        try {
            return valueOf(n);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + name + "' is not a signal name: use one of "
                    + java.util.Arrays.toString(values()) + ", with or without SIG", e);
        }
    }

    /** {@code SIGTERM}, as the kernel's headers name it. */
    @Override
    public String toString() {
        return "SIG" + name();
    }
}
