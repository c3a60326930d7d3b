package dev.hako.it;

import dev.hako.it.PodmanIT.AcceptanceRun;
import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * hako's runc-compatible launcher driven by real containerd through its runc shim:
 * {@code src/test/oci/containerd-accept.sh} (a private containerd, {@code ctr run
 * --runc-binary}, exec, ps, metrics, pause and resume, kill, delete; see the script). The
 * same script with runc first, as the control: when runc fails it, the machine is at fault.
 */
@KernelTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerdIT {

    static final String SCRIPT = "containerd-accept.sh";

    @Test
    @Order(1)
    @Timeout(1200)
    void runcPassesEveryCheckAsTheControl() throws Exception {
        AcceptanceRun.control(SCRIPT).assertAllPassed();
    }

    @Test
    @Order(2)
    @Timeout(1200)
    void hakoPassesEveryCheck() throws Exception {
        AcceptanceRun.hako(SCRIPT).assertAllPassed();
    }
}
