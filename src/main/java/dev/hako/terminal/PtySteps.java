package dev.hako.terminal;

import dev.hako.linux.FdSocket;
import dev.hako.linux.linux_h;
import dev.hako.linux.winsize;
import dev.hako.program.ChildProgram;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The child's side of a terminal, as runc makes a container's console: the child opens a
 * new pty in the container's own devpts instance (so the container sees it as
 * {@code /dev/pts/N} and the host's ptys stay out of reach), makes the slave its stdin,
 * stdout, stderr and controlling terminal, and sends the master to the JVM over a socket.
 *
 * <p>Needs no configuration beyond its arguments, so that every child program that wants a
 * terminal (a container's first process, or one joining it) adds the same steps: after
 * /dev/pts is mounted, while the child is still a session leader without a terminal
 * (after {@code setsid}), and before the parent releases it, because the parent waits for
 * the master ({@link ConsoleSocket#receiveMaster()}).
 */
public final class PtySteps {
    /** Inside the container, after its /dev/pts is mounted (a {@code newinstance} devpts). */
    static final String PTMX = "/dev/pts/ptmx";

    private PtySteps() {
    }

    /**
     * Adds the steps. {@code socketFd} is the child's end of the {@link ConsoleSocket}
     * (closed here once the master is sent); {@code uid} becomes the slave's owner, as
     * runc gives the container's user its terminal (the group stays devpts's {@code tty}).
     */
    public static void addSteps(ChildProgram.Builder p, int socketFd, TerminalSize size, int uid) {
        int masterFlags = linux_h.O_RDWR() | linux_h.O_NOCTTY() | linux_h.O_CLOEXEC() | linux_h.O_NONBLOCK();
        int master = p.open(PTMX, masterFlags, 0);
        p.note("a new pty of the container's own devpts instance; non-blocking, for the JVM's poll loop");
        MemorySegment unlocked = p.arena().allocate(JAVA_INT); // zeroed: "not locked"
        p.ioctl(master, linux_h.TIOCSPTLCK(), "TIOCSPTLCK", unlocked, "[0]").note("unlock the slave, as unlockpt(3)");
        MemorySegment ws = winsize.allocate(p.arena());
        ws.fill((byte) 0);
        winsize.ws_col(ws, (short) size.columns());
        winsize.ws_row(ws, (short) size.rows());
        p.ioctl(master, linux_h.TIOCSWINSZ(), "TIOCSWINSZ", ws,
                "{ws_row=" + size.rows() + ", ws_col=" + size.columns() + "}").note("the initial size");
        int slaveFlags = linux_h.O_RDWR() | linux_h.O_NOCTTY();
        int slave = p.ioctlOpeningFd(master, linux_h.TIOCGPTPEER(), "TIOCGPTPEER", slaveFlags, "O_RDWR|O_NOCTTY");
        p.note("the slave, opened from the master: no path lookup in a /dev/pts the container could have changed");
        p.fchown(slave, uid, -1).note("the container's user owns its terminal");
        p.ioctl(slave, linux_h.TIOCSCTTY(), "TIOCSCTTY", 0, "0")
                .note("the controlling terminal of the session setsid() began; its foreground group is the child's");
        p.dup3(slave, 0, 0).dup3(slave, 1, 0).dup3(slave, 2, 0).note("the terminal is stdin, stdout and stderr");
        p.sendmsg(socketFd, FdSocket.messageCarrying(p.arena(), master), "{[1 byte], SCM_RIGHTS [" + master + "]}", 0)
                .note("the master to the JVM, which waits for it before it releases the child");
        p.close(master).close(slave).close(socketFd);
    }
}
