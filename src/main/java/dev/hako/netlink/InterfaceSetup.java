package dev.hako.netlink;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Optional;

/**
 * How a container's interface is set up in its namespace, all in one pipelined send
 * ({@link RouteNetlink#configure}): its address, the interface up, optionally the loopback
 * device up, and a default route through a gateway (the bridge's address).
 *
 * @param name the interface, such as {@code eth0}
 * @param address its address
 * @param prefixLength the prefix length of its network
 * @param gateway the default route's next hop, empty for no default route
 * @param loopbackUp whether {@code lo} is brought up too
 */
public record InterfaceSetup(String name, InetAddress address, int prefixLength, Optional<InetAddress> gateway,
        boolean loopbackUp) {

    public InterfaceSetup {
        InterfaceName.validate(name);
        int max = address instanceof Inet4Address ? 32 : 128;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException(name + ": prefix length " + prefixLength + " of " + address.getHostAddress()
                    + " is not 0.." + max);
        }
        if (gateway.isPresent() && (gateway.get() instanceof Inet4Address) != (address instanceof Inet4Address)) {
            throw new IllegalArgumentException(name + ": gateway " + gateway.get().getHostAddress()
                    + " is not of the address's family (" + address.getHostAddress() + ")");
        }
    }
}
