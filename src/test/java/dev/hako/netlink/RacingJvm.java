package dev.hako.netlink;

import java.util.List;

/**
 * A child JVM for {@link NfTablesIT}: run inside a test's network namespace, it publishes
 * {@code count} ports from {@code firstPort} as container {@code id}, prints each rule's
 * handle, and then dies without cleaning up, as a crashed JVM would.
 */
public final class RacingJvm {
    private RacingJvm() {
    }

    public static void main(String[] args) throws Exception {
        String id = args[0];
        int firstPort = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        NfTables t = NfTables.open();
        NftOwner me = NftOwner.current(id);
        for (int i = 0; i < count; i++) {
            List<NftRule.Handle> h = t.addPublishedPort(me,
                    PublishedPort.of(PublishedPort.Protocol.TCP, firstPort + i, "172.29.0.2", 80));
            for (NftRule.Handle handle : h) {
                System.out.println(handle.chain() + " " + handle.handle());
            }
        }
        System.out.flush();
        Runtime.getRuntime().halt(0); // no close, no cleanup: the rules stay behind their dead owner
    }
}
