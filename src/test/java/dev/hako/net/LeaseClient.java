package dev.hako.net;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A child JVM's main for {@code AddressLeasesIT}: {@code LeaseClient DIR SUBNET GO COUNT}
 * prints {@code ready}, waits until the file GO exists (so that several JVMs lease at the
 * same moment), leases COUNT addresses owned by itself and prints {@code leased ADDRESS}
 * for each, then {@code done}; holds them until its stdin ends, releases them and prints
 * {@code freed}.
 */
public final class LeaseClient {
    private LeaseClient() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        AddressLeases leases = new AddressLeases(Path.of(args[0]), Ipv4Subnet.parseBridgeNetwork(args[1]));
        Path go = Path.of(args[2]);
        int count = Integer.parseInt(args[3]);
        System.out.println("ready");
        System.out.flush();
        while (!Files.exists(go)) {
            Thread.sleep(1);
        }
        long me = ProcessHandle.current().pid();
        List<AddressLease> held = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            AddressLease lease = leases.lease(me, "jvm" + me + "-" + i);
            held.add(lease);
            System.out.println("leased " + lease.address());
        }
        System.out.println("done");
        System.out.flush();
        System.in.transferTo(java.io.OutputStream.nullOutputStream());
        for (AddressLease lease : held) {
            if (!leases.release(lease)) {
                System.out.println("lost " + lease.address());
            }
        }
        System.out.println("freed");
    }
}
