package dev.hako.userns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A child JVM's main for {@code AutoRangesIT}: {@code LeaseHolder DIR SUBUID SUBGID GO}
 * prints {@code ready}, waits until the file GO exists (so that several JVMs lease at the
 * same moment), leases a range under DIR and prints {@code leased HOSTID}, holds it until
 * its stdin ends, then frees it and prints {@code freed}.
 */
public final class LeaseHolder {
    private LeaseHolder() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        AutoRanges ranges = new AutoRanges(Path.of(args[0]), Path.of(args[1]), Path.of(args[2]));
        Path go = Path.of(args[3]);
        System.out.println("ready");
        System.out.flush();
        while (!Files.exists(go)) {
            Thread.sleep(1);
        }
        try (AutoRanges.Lease lease = ranges.lease()) {
            System.out.println("leased " + lease.hostId());
            System.out.flush();
            System.in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        System.out.println("freed");
    }
}
