package dev.hako.spawn;

import dev.hako.terminal.TerminalSize;

import java.util.ArrayList;
import java.util.List;

/**
 * The terminal's steps as a plan prints them: the same for a container's command and for
 * a process exec'd into it, so both plan tests expect them from here.
 */
final class PtyPlanSteps {
    private PtyPlanSteps() {
    }

    /**
     * {@code before}, then the pty's steps (the master on {@code master}, the slave on the
     * next number, sent over {@code socket}, owned by {@code uid}), then {@code after}.
     */
    static String[] around(List<String> before, int master, int socket, int uid, TerminalSize size,
                           String... after) {
        int slave = master + 1;
        List<String> all = new ArrayList<>(before);
        all.addAll(List.of(
                "-- the terminal (a pty of the container's /dev/pts) (terminal)",
                "openat(AT_FDCWD, \"/dev/pts/ptmx\", O_RDWR|O_NOCTTY|O_NONBLOCK|O_CLOEXEC, 00)", "gets fd " + master,
                "ioctl(" + master + ", TIOCSPTLCK, [0])",
                "ioctl(" + master + ", TIOCSWINSZ, {ws_row=" + size.rows() + ", ws_col=" + size.columns() + "})",
                "ioctl(" + master + ", TIOCGPTPEER, O_RDWR|O_NOCTTY)", "gets fd " + slave,
                "fchown(" + slave + ", " + uid + ", -1)",
                "ioctl(" + slave + ", TIOCSCTTY, 0)",
                "dup3(" + slave + ", 0, 0)", "dup3(" + slave + ", 1, 0)", "dup3(" + slave + ", 2, 0)",
                "sendmsg(" + socket + ", {[1 byte], SCM_RIGHTS [" + master + "]}, 0)",
                "close(" + master + ")", "close(" + slave + ")", "close(" + socket + ")"));
        all.addAll(List.of(after));
        return all.toArray(String[]::new);
    }
}
