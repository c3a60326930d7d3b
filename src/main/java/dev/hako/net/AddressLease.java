package dev.hako.net;

import java.nio.file.Path;

/**
 * A container's address, held by a lease file until {@link AddressLeases#release} or until
 * its owner process is gone and the lease is reclaimed.
 *
 * @param address the container's address
 * @param subnet the network it is in (its gateway is the bridge)
 * @param owner the process whose life the lease lasts (the container's init)
 * @param containerId the container it is for
 * @param file the lease file
 */
public record AddressLease(Ipv4Address address, Ipv4Subnet subnet, ProcessIdentity owner, String containerId, Path file) {

    /** The address with the subnet's prefix, as an interface is given it: {@code 172.30.0.2/16}. */
    public String cidr() {
        return address + "/" + subnet.prefixLength();
    }
}
