package dev.hako.linux;

import java.util.List;

/**
 * The character devices every container gets, as Docker and runc give them: made in its
 * /dev by the child ({@code dev.hako.fs}) and allowed by its device policy
 * ({@code dev.hako.cgroup}). One table for both, so that the two cannot disagree.
 *
 * <p>The majors come from {@code <linux/major.h>}; the minors are the kernel's fixed
 * numbers for these devices (Documentation/admin-guide/devices.txt, drivers/char/mem.c
 * and tty_io.c), which no header exports.
 */
public final class StandardDevices {
    /** A node in the container's /dev: {@code /dev/<name>}, a character device major:minor, mode 0666. */
    public record Node(String name, int major, int minor) {
    }

    /** null, zero, full, random, urandom and tty. */
    public static final List<Node> NODES = List.of(
            new Node("null", linux_h.MEM_MAJOR(), 3), new Node("zero", linux_h.MEM_MAJOR(), 5),
            new Node("full", linux_h.MEM_MAJOR(), 7), new Node("random", linux_h.MEM_MAJOR(), 8),
            new Node("urandom", linux_h.MEM_MAJOR(), 9), new Node("tty", linux_h.TTYAUX_MAJOR(), 0));

    /**
     * /dev/ptmx: the container's /dev/ptmx is a link to its private devpts instance's
     * {@code pts/ptmx}, which is this device.
     */
    public static final Node PTMX = new Node("ptmx", linux_h.TTYAUX_MAJOR(), 2);

    /** The major of every /dev/pts/N (the terminals' slave side). */
    public static final int PTY_SLAVE_MAJOR = linux_h.UNIX98_PTY_SLAVE_MAJOR();

    private StandardDevices() {
    }
}
