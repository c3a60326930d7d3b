package dev.hako.netlink;

import dev.hako.linux.Libc;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.Optional;

/**
 * A plain timing loop (not a test: no timing belongs in tests) for a bridged container
 * start's two netlink steps, all inside namespaces it makes: (1) in the "host" namespace,
 * the veth pair with its peer made in the container's namespace as eth0, enslaved and up;
 * (2) a socket in the container's namespace, then address, eth0 up, lo up and the default
 * route in one send. Each container's namespace is made and removed off the clock.
 *
 * <p>Run as root: {@code java --enable-native-access=ALL-UNNAMED -cp target/classes:target/test-classes
 * dev.hako.netlink.StartStepsTiming [iterations [settle-ms]]}
 */
public final class StartStepsTiming {
    private StartStepsTiming() {
    }

    public static void main(String[] args) throws Exception {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        // milliseconds to wait after each container's teardown, so that the kernel's cleanup of
        // the namespace (which takes the rtnl lock) is not measured as part of the next start
        int settleMillis = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        int warmUp = 300;
        InetAddress bridgeAddress = InetAddress.getByName("10.200.0.1");
        InetAddress boxAddress = InetAddress.getByName("10.200.0.2");
        long[] step1 = new long[iterations];
        long[] step2 = new long[iterations];
        long[] hop = new long[iterations];
        long[] configureOnly = new long[iterations];
        int hostNs = NetworkNamespace.create();
        try (RouteNetlink host = RouteNetlink.openIn(hostNs)) {
            Link bridge = host.createBridge("hkt-br0", 0, true);
            host.addAddress("hkt-br0", bridgeAddress, 24);
            for (int i = -warmUp; i < iterations; i++) {
                int boxNs = NetworkNamespace.create();
                try {
                    long t0 = System.nanoTime();
                    Optional<Link> hostEnd = host.createVeth(VethPair.of("hkt-c", "eth0").peerIn(boxNs)
                            .master(bridge.index()).withUp());
                    long t1 = System.nanoTime();
                    try (RouteNetlink box = RouteNetlink.openIn(boxNs)) {
                        long t2 = System.nanoTime();
                        InterfaceSetup eth0 = new InterfaceSetup("eth0", boxAddress, 24, Optional.of(bridgeAddress), true);
                        if (hostEnd.isPresent()) {
                            box.configure(eth0, hostEnd.get().linkIndex());
                        } else {
                            box.configure(eth0);
                        }
                        long t3 = System.nanoTime();
                        NetworkNamespace.callIn(boxNs, () -> null);
                        long t4 = System.nanoTime();
                        if (i >= 0) {
                            step1[i] = t1 - t0;
                            step2[i] = t3 - t1;
                            configureOnly[i] = t3 - t2;
                            hop[i] = t4 - t3;
                        }
                    }
                    host.deleteLink("hkt-c");
                } finally {
                    Libc.closeQuietly(boxNs);
                }
                if (settleMillis > 0) {
                    Thread.sleep(settleMillis);
                }
            }
        } finally {
            Libc.closeQuietly(hostNs);
        }
        report("step 1 (veth, peer into the netns as eth0, master, up)", step1);
        report("step 2 (socket in the netns + address, eth0 up, lo up, default route)", step2);
        report("  of which configure() on an open socket (one pipelined send)", configureOnly);
        report("  a bare NetworkNamespace.callIn (hand-off, setns there and back)", hop);
        long[] both = new long[iterations];
        for (int i = 0; i < iterations; i++) {
            both[i] = step1[i] + step2[i];
        }
        report("steps 1 + 2", both);
    }

    private static void report(String what, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf("%-80s median %6.1f us  p90 %6.1f us  p99 %6.1f us  (n=%d)%n", what,
                sorted[sorted.length / 2] / 1e3, sorted[sorted.length * 9 / 10] / 1e3, sorted[sorted.length * 99 / 100] / 1e3,
                sorted.length);
    }
}
