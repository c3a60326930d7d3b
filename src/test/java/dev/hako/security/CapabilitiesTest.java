package dev.hako.security;

import dev.hako.linux.linux_h;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Capability sets from names: computed without root, numbers from the bindings. */
class CapabilitiesTest {
    private static final int LAST = linux_h.CAP_CHECKPOINT_RESTORE();

    private static long bits(int... caps) {
        long mask = 0;
        for (int cap : caps) {
            mask |= 1L << cap;
        }
        return mask;
    }

    private static final long DOCKER = bits(linux_h.CAP_CHOWN(), linux_h.CAP_DAC_OVERRIDE(), linux_h.CAP_FSETID(),
            linux_h.CAP_FOWNER(), linux_h.CAP_MKNOD(), linux_h.CAP_NET_RAW(), linux_h.CAP_SETGID(),
            linux_h.CAP_SETUID(), linux_h.CAP_SETFCAP(), linux_h.CAP_SETPCAP(), linux_h.CAP_NET_BIND_SERVICE(),
            linux_h.CAP_SYS_CHROOT(), linux_h.CAP_KILL(), linux_h.CAP_AUDIT_WRITE());

    @Test
    void theDefaultIsDockersFourteen() {
        Capabilities c = Capabilities.of(List.of(), List.of(), LAST);
        assertEquals(DOCKER, c.mask());
        assertEquals(14, Long.bitCount(c.mask()));
        assertEquals(0, c.grantedToUser());
        assertFalse(c.has(linux_h.CAP_SYS_ADMIN()));
    }

    @Test
    void namesAreCaseInsensitiveWithOrWithoutThePrefix() {
        Capabilities c = Capabilities.of(List.of("sys_admin", "CAP_NET_ADMIN", "Cap_Sys_Ptrace"), List.of("cap_mknod", "KILL"), LAST);
        assertEquals((DOCKER | bits(linux_h.CAP_SYS_ADMIN(), linux_h.CAP_NET_ADMIN(), linux_h.CAP_SYS_PTRACE()))
                & ~bits(linux_h.CAP_MKNOD(), linux_h.CAP_KILL()), c.mask());
        assertEquals(bits(linux_h.CAP_SYS_ADMIN(), linux_h.CAP_NET_ADMIN(), linux_h.CAP_SYS_PTRACE()), c.grantedToUser());
    }

    @Test
    void allCombinesAsDockerDoes() {
        assertEquals(0, Capabilities.of(List.of(), List.of("ALL"), LAST).mask());
        assertEquals(bits(linux_h.CAP_NET_BIND_SERVICE()),
                Capabilities.of(List.of("NET_BIND_SERVICE"), List.of("all"), LAST).mask(), "an add wins over drop ALL");
        long every = (1L << (LAST + 1)) - 1;
        assertEquals(every, Capabilities.of(List.of("ALL"), List.of(), LAST).mask());
        assertEquals(every & ~bits(linux_h.CAP_SYS_ADMIN()),
                Capabilities.of(List.of("ALL"), List.of("SYS_ADMIN"), LAST).mask());
    }

    @Test
    void capabilitiesTheKernelDoesNotKnowAreLeftOut() {
        Capabilities c = Capabilities.of(List.of("ALL"), List.of(), linux_h.CAP_AUDIT_READ());
        assertEquals((1L << (linux_h.CAP_AUDIT_READ() + 1)) - 1, c.mask());
        assertFalse(c.has(linux_h.CAP_BPF()));
    }

    @Test
    void anUnknownNameNamesTheOption() {
        var add = assertThrows(IllegalArgumentException.class, () -> Capabilities.of(List.of("NET_ADMINN"), List.of(), LAST));
        assertTrue(add.getMessage().startsWith("capAdd(\"NET_ADMINN\")") && add.getMessage().contains("NET_ADMIN"),
                add.getMessage());
        var drop = assertThrows(IllegalArgumentException.class, () -> Capabilities.of(List.of(), List.of("CAP_"), LAST));
        assertTrue(drop.getMessage().startsWith("capDrop(\"CAP_\")"), drop.getMessage());
    }

    @Test
    void namesAndNumbersComeFromTheBindings() {
        assertEquals(linux_h.CAP_SYS_ADMIN(), Capabilities.number("SYS_ADMIN", "capAdd"));
        assertEquals("CAP_NET_RAW", Capabilities.name(linux_h.CAP_NET_RAW()));
        for (int cap = 0; cap <= linux_h.CAP_LAST_CAP(); cap++) {
            assertTrue(Capabilities.name(cap).matches("CAP_[A-Z_]+"), "capability " + cap + " has a name");
        }
    }

    @Test
    void equalConfigurationsGiveEqualValues() {
        assertEquals(Capabilities.of(List.of("sys_admin"), List.of(), LAST), Capabilities.of(List.of("CAP_SYS_ADMIN"), List.of(), LAST));
    }
}
