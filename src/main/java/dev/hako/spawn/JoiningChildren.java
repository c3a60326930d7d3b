package dev.hako.spawn;

import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;

/**
 * Keeps the JVM's memory non-dumpable while any exec child shares it inside a container,
 * and gives the JVM its dumpable flag back after a start that changed the child's ids.
 *
 * <p>A child cloned with CLONE_VM runs on the JVM's own memory (the "mm") until its execve,
 * and "dumpable" is a property of that memory, not of a process. While the flag is off, the
 * kernel lets only a holder of CAP_SYS_PTRACE ptrace a process on that memory, open its
 * /proc/PID/mem, or follow its /proc/PID/root, cwd, fd or environ; and it writes no core
 * dump of it. So the flag is turned off here <em>before</em> the clone, and the joining
 * child is non-dumpable from its first instruction (its first step turns it off again, so
 * that its program says so on its own). It is turned back on, if it was on, only when the
 * last such child is gone from the JVM's memory: exec'd (the new program has its own
 * memory before the close-on-exec error pipe is closed) or reaped.
 *
 * <p>Meanwhile the JVM itself is non-dumpable: no core dump if it crashed then, and
 * /proc/JVM-PID belongs to root. A child that changes uid or gid has the same effect (the
 * kernel sets the flag to {@code fs.suid_dumpable}, 0 by default, when credentials change),
 * which would leave the JVM non-dumpable for good after a container started as a non-root
 * user: such a start is held here too, so that the flag comes back once its child has
 * exec'd.
 */
final class JoiningChildren {
    private static int inFlight;
    private static boolean restore;

    private JoiningChildren() {
    }

    /** Before a joining child is cloned. */
    static synchronized void enter() throws SyscallException {
        if (inFlight == 0) {
            restore = Libc.prctl(linux_h.PR_GET_DUMPABLE(), 0) == 1;
            if (restore) {
                Libc.prctl(linux_h.PR_SET_DUMPABLE(), 0);
            }
        }
        inFlight++;
    }

    /** After the child has exec'd or been reaped (or was never cloned). */
    static synchronized void leave() {
        if (--inFlight == 0 && restore) {
            try {
                Libc.prctl(linux_h.PR_SET_DUMPABLE(), 1);
            } catch (SyscallException e) {
                // Left non-dumpable: the safe side.
            }
        }
    }
}
