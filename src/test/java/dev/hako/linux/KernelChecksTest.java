package dev.hako.linux;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelChecksTest {
    @Test
    void comparesReleases() {
        assertTrue(Kernel.atLeast("5.10.0-23-amd64", 5, 10));
        assertTrue(Kernel.atLeast("6.1.0", 5, 10));
        assertFalse(Kernel.atLeast("5.4.0-150-generic", 5, 10));
        assertFalse(Kernel.atLeast("4.19.0", 5, 10));
        assertFalse(Kernel.atLeast("garbage", 5, 10));
    }

    @Test
    void namesErrnoValuesAndSignals() {
        assertEquals("ENOENT (No such file or directory)", Errno.describe(linux_h.ENOENT()));
        assertEquals("EAGAIN", Errno.name(linux_h.EAGAIN()), "the alias EWOULDBLOCK is not shown");
        assertEquals("SIGKILL", Signals.name(linux_h.SIGKILL()));
        assertEquals("MS_BIND|MS_REC", Flags.render("MS_", linux_h.MS_BIND() | linux_h.MS_REC()));
        assertEquals("O_WRONLY|O_CREAT|O_TRUNC", Flags.openFlags(linux_h.O_WRONLY() | linux_h.O_CREAT() | linux_h.O_TRUNC()));
    }
}
