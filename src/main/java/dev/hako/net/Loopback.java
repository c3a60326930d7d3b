package dev.hako.net;

import dev.hako.linux.linux_h;
import dev.hako.program.ChildProgram;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/** Brings up {@code lo} in a new network namespace, where it starts down. */
public final class Loopback {
    private Loopback() {
    }

    /**
     * Adds the steps: a datagram socket (it gets the lowest free descriptor), SIOCSIFFLAGS
     * on "lo" with IFF_UP, close.
     */
    public static void addSteps(ChildProgram.Builder program) {
        program.setsUpInternals("the loopback interface of the new network namespace");
        MemorySegment ifreq = program.arena().allocate(linux_h.HAKO_IFREQ_SIZE(), 8);
        byte[] name = "lo".getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(name, 0, ifreq, java.lang.foreign.ValueLayout.JAVA_BYTE, linux_h.HAKO_IFR_NAME(), name.length);
        ifreq.set(JAVA_SHORT, linux_h.HAKO_IFR_FLAGS(), (short) (linux_h.IFF_UP() | linux_h.IFF_RUNNING()));
        int fd = program.socket(linux_h.AF_INET(), "AF_INET", linux_h.SOCK_DGRAM() | linux_h.SOCK_CLOEXEC(),
                "SOCK_DGRAM|SOCK_CLOEXEC");
        program.note("any socket will do for interface ioctls")
                .ioctl(fd, linux_h.SIOCSIFFLAGS(), "SIOCSIFFLAGS", ifreq, "{ifr_name=\"lo\", ifr_flags=IFF_UP|IFF_RUNNING}")
                .note("a new network namespace has lo, but down")
                .close(fd);
    }
}
