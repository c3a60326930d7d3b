package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerProcess;
import dev.hako.Network;
import dev.hako.testing.Containers;

/**
 * A child JVM of {@link BridgeCrashIT}. {@code hold}: starts a container with a published
 * port on the test's bridge, prints its id and pid, and waits to be killed. {@code again}:
 * runs one more such container to completion (its start sweeps what the killed JVM left).
 */
public final class BridgeCrashProbe {
    static final Network.Bridge NET = Network.bridge().named("hktb7").subnet("10.240.0.0/24");

    private BridgeCrashProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("hold")) {
            Container c = Containers.builder().network(NET).publish("0:80").command("sleep", "600").build();
            ContainerProcess p = c.start();
            System.out.println("id=" + c.id());
            System.out.println("pid=" + p.pid());
            System.out.println("address=" + p.ipAddress().orElseThrow().getHostAddress());
            System.out.flush();
            Thread.sleep(600_000);
        } else {
            Container.Result r = Containers.builder().network(NET).publish("0:80").command("true").run();
            System.out.println("exit=" + r.exitCode());
        }
        System.exit(0);
    }
}
