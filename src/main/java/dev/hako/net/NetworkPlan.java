package dev.hako.net;

import java.util.List;

/**
 * What a start does for a container's network, decided once in {@code build()} from the
 * builder's {@code network(...)} and {@code publish(...)}.
 */
public sealed interface NetworkPlan {
    /** The host's network namespace. */
    record Host() implements NetworkPlan {
    }

    /** A namespace of its own with only {@code lo}. */
    record LoopbackOnly() implements NetworkPlan {
    }

    /** The namespace of another running container, which the start is given. */
    record Joined() implements NetworkPlan {
    }

    /**
     * A veth on the bridge {@code bridge} with an address of {@code subnet}; {@code ports}
     * published from the host; {@code dns} the nameservers of its resolv.conf (empty: the
     * host's that a container can reach); with {@code outbound}, forwarded beyond the host
     * through {@code uplinks} (empty: the interfaces of the host's default routes).
     */
    record Bridged(String bridge, Ipv4Subnet subnet, boolean isolated, boolean outbound, List<String> uplinks,
                   List<PortMapping> ports, List<String> dns) implements NetworkPlan {
        public Bridged {
            uplinks = List.copyOf(uplinks);
            ports = List.copyOf(ports);
            dns = List.copyOf(dns);
        }
    }

    /** User-mode networking through a helper (pasta or slirp4netns), with {@code ports} published. */
    record UserMode(List<PortMapping> ports, List<String> dns) implements NetworkPlan {
        public UserMode {
            ports = List.copyOf(ports);
            dns = List.copyOf(dns);
        }
    }
}
