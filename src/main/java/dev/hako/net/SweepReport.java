package dev.hako.net;

import java.util.List;

/**
 * What {@link AddressLeases#sweep()} found.
 *
 * @param reclaimed addresses whose stale leases were removed, now free
 * @param held how many leases have running owners
 * @param broken entries that are not leases (each says what it is and to remove it); their addresses stay taken
 */
public record SweepReport(List<Ipv4Address> reclaimed, int held, List<String> broken) {
    /** Copies the lists. */
    public SweepReport {
        reclaimed = List.copyOf(reclaimed);
        broken = List.copyOf(broken);
    }
}
