package dev.hako.net;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The readiness signals on stdout, as each helper writes them (and as a failing one does not). */
class SlirpReadinessTest {

    @Test
    void slirp4netnsIsReadyWhenStdoutEndsWithOne() {
        assertNull(SlirpStarts.slirp4netnsReady(new SlirpOutput.State("1", false)), "not until it closes the fd");
        assertEquals(true, SlirpStarts.slirp4netnsReady(new SlirpOutput.State("1", true)));
        assertEquals(true, SlirpStarts.slirp4netnsReady(
                new SlirpOutput.State("WARNING: Support for seccomp is experimental\n1", true)));
        assertEquals(false, SlirpStarts.slirp4netnsReady(new SlirpOutput.State("", true)), "it exited");
        assertEquals(false, SlirpStarts.slirp4netnsReady(new SlirpOutput.State("exit code 1\n", true)));
    }

    @Test
    void pastaIsReadyWhenItsOwnPidIsTheFirstLine() {
        assertNull(SlirpStarts.pastaReady(new SlirpOutput.State("", false), 123));
        assertNull(SlirpStarts.pastaReady(new SlirpOutput.State("12", false), 123), "half a line");
        assertEquals(true, SlirpStarts.pastaReady(new SlirpOutput.State("123\n", false), 123));
        assertEquals(false, SlirpStarts.pastaReady(new SlirpOutput.State("124\n", false), 123), "another pid");
        assertEquals(false, SlirpStarts.pastaReady(new SlirpOutput.State("12", true), 123), "it exited");
    }
}
