package dev.hako.oci;

import dev.hako.cgroup.ContainerCgroup;
import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;
import dev.hako.spawn.ExecTarget;

/**
 * A container's first process as an earlier command left it: known by pid and start time,
 * its pidfd opened here and checked against the start time once open, so that a reused
 * pid is never joined.
 */
record AttachedProcess(long pid, long startTime, ContainerCgroup cgroup) implements ExecTarget {
    @Override
    public int duplicatePidfd() throws SyscallException {
        int pidfd = Libc.pidfdOpen(pid);
        if (!ProcessIdentity.isAlive(pid, startTime)) {
            Libc.closeQuietly(pidfd);
            throw new SyscallException("pidfd_open(" + pid + ")", linux_h.ESRCH());
        }
        return pidfd;
    }

    @Override
    public boolean hasExited() {
        return !ProcessIdentity.isAlive(pid, startTime);
    }
}
