/*
 * devprobe - one device system call, for the device policy tests (DevicesIT,
 * DevicePolicyIT). Prints the call's errno as a decimal number, 0 when it succeeded, and
 * exits 0, so that a test compares kernel results, not a tool's wording.
 *
 *   devprobe open PATH r|w|rw        open(2) with O_RDONLY, O_WRONLY or O_RDWR
 *   devprobe read PATH               open O_RDONLY, then read(2) one byte
 *   devprobe mknod PATH b|c MAJ MIN  mknod(2) with mode 0600
 *   devprobe pty                     open /dev/ptmx, unlock it, open its /dev/pts slave
 *
 * Compiled at test time with gcc -static (dev.hako.testing.DevProbe); never committed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int result(int ok) {
    printf("%d\n", ok ? 0 : errno);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 4 && strcmp(argv[1], "open") == 0) {
        int flags = strcmp(argv[3], "rw") == 0 ? O_RDWR : strcmp(argv[3], "w") == 0 ? O_WRONLY : O_RDONLY;
        return result(open(argv[2], flags | O_NOCTTY | O_CLOEXEC) >= 0);
    }
    if (argc >= 3 && strcmp(argv[1], "read") == 0) {
        char byte;
        int fd = open(argv[2], O_RDONLY | O_NOCTTY | O_CLOEXEC);
        return result(fd >= 0 && read(fd, &byte, 1) >= 0);
    }
    if (argc >= 6 && strcmp(argv[1], "mknod") == 0) {
        mode_t type = argv[3][0] == 'b' ? S_IFBLK : S_IFCHR;
        return result(mknod(argv[2], type | 0600, makedev(atoi(argv[4]), atoi(argv[5]))) == 0);
    }
    if (argc >= 2 && strcmp(argv[1], "pty") == 0) {
        int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0) {
            return result(0);
        }
        int unlock = 0;
        unsigned int n;
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0) {
            return result(0);
        }
        char slave[64];
        snprintf(slave, sizeof slave, "/dev/pts/%u", n);
        return result(open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC) >= 0);
    }
    fprintf(stderr, "usage: devprobe open PATH r|w|rw | read PATH | mknod PATH b|c MAJ MIN | pty\n");
    return 2;
}
