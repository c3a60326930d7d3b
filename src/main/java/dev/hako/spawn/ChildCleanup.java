package dev.hako.spawn;

import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;
import dev.hako.process.Reaper;

/** What a start or an exec that failed leaves to undo: its stdio, its two pipes and its child. */
final class ChildCleanup {
    private ChildCleanup() {
    }

    /** Closes the pipes (a waiting child then gives up), kills and reaps the child if there is one. */
    static void undo(Stdio stdio, int[] sync, int[] error, int pidfd) {
        if (stdio != null) {
            stdio.closeChildEnds();
            stdio.close();
        }
        for (int fd : new int[] {sync[0], sync[1], error[0], error[1]}) {
            Libc.closeQuietly(fd);
        }
        if (pidfd >= 0) {
            // Closing the sync pipe above already made a waiting child give up; make sure.
            try {
                Libc.pidfdSendSignal(pidfd, linux_h.SIGKILL());
            } catch (SyscallException ignored) {
                // Already gone.
            }
            try {
                Reaper.reapNow(pidfd);
            } catch (SyscallException ignored) {
                // Reaped already.
            }
            Libc.closeQuietly(pidfd);
        }
    }
}
