package dev.hako;

import java.util.List;
import java.util.Objects;

/**
 * What network a container is shown, as Docker's {@code --network} modes.
 *
 * <ul>
 * <li>{@link #none()}: a network namespace of its own with only {@code lo}, which hako
 *     brings up ({@code --network none}); the default for a container that publishes no port.</li>
 * <li>{@link #host()}: the host's network namespace ({@code --network host}).</li>
 * <li>{@link #container(Container)}: the network namespace of another running container,
 *     which then shares its interfaces, addresses and ports ({@code --network
 *     container:NAME}, the pod model).</li>
 * <li>{@link #bridge()}: a veth on a bridge of the host ({@code hako0}, created on first
 *     use), an address of the bridge's subnet and a default route through it; the default
 *     for a container that publishes ports when the JVM is root.</li>
 * <li>{@link #slirp()}: user-mode networking through a helper (pasta or slirp4netns), for
 *     a JVM without root, which cannot make a bridge; the default there for a container
 *     that publishes ports.</li>
 * </ul>
 */
public sealed interface Network {

    /** Only {@code lo}, in a network namespace of the container's own. */
    static Network none() {
        return None.INSTANCE;
    }

    /** The host's network namespace: no isolation of the network at all. */
    static Network host() {
        return Host.INSTANCE;
    }

    /** The network namespace of {@code other}, which must be running when this container starts. */
    static Network container(Container other) {
        return new Joined(Objects.requireNonNull(other, "other"));
    }

    /** The default bridge: {@value Bridge#DEFAULT_NAME}, subnet {@value Bridge#DEFAULT_SUBNET}. */
    static Bridge bridge() {
        return Bridge.DEFAULT;
    }

    /** User-mode networking through pasta or slirp4netns, with outbound access; works without root. */
    static Network slirp() {
        return Slirp.INSTANCE;
    }

    /** See {@link #none()}. */
    enum None implements Network {
        INSTANCE
    }

    /** See {@link #host()}. */
    enum Host implements Network {
        INSTANCE
    }

    /** See {@link #slirp()}. */
    enum Slirp implements Network {
        INSTANCE
    }

    /** See {@link #container(Container)}. */
    record Joined(Container container) implements Network {
        public Joined {
            Objects.requireNonNull(container, "container");
        }
    }

    /**
     * A bridge network: its name (an interface name), its IPv4 subnet in CIDR form (the
     * bridge takes the first address, containers the others), whether containers on it are
     * kept from reaching each other ({@code isolated}: the bridge ports are isolated, as
     * Docker's {@code enable_icc=false}), and whether containers may reach beyond the host
     * ({@code outbound}: masqueraded, with IPv4 forwarding enabled for the bridge and its
     * uplinks, and only then), through {@code uplinks} only when any are named (else
     * through the interfaces of the host's default routes, as Docker does). Checked when the
     * container is built.
     */
    record Bridge(String name, String subnet, boolean isolated, boolean outbound, List<String> uplinks)
            implements Network {
        public static final String DEFAULT_NAME = "hako0";
        public static final String DEFAULT_SUBNET = "172.29.0.0/16";
        static final Bridge DEFAULT = new Bridge(DEFAULT_NAME, DEFAULT_SUBNET, false, false, List.of());

        public Bridge {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(subnet, "subnet");
            uplinks = List.copyOf(uplinks);
        }

        /** This bridge under another name, e.g. {@code hako1}: a network of its own. */
        public Bridge named(String name) {
            return new Bridge(name, subnet, isolated, outbound, uplinks);
        }

        /** This bridge with another subnet, e.g. {@code 10.77.0.0/24}. */
        public Bridge subnet(String subnet) {
            return new Bridge(name, subnet, isolated, outbound, uplinks);
        }

        /** Containers on this bridge cannot reach each other (only the host and, with outbound, beyond). */
        public Bridge isolated(boolean isolated) {
            return new Bridge(name, subnet, isolated, outbound, uplinks);
        }

        /**
         * Containers on this bridge reach beyond the host, masqueraded as the host, through
         * the interfaces of the host's default routes (forwarding is enabled on those and
         * the bridge). Off by default: a container then reaches the host and its bridge only.
         */
        public Bridge outbound(boolean outbound) {
            return new Bridge(name, subnet, isolated, outbound, outbound ? uplinks : List.of());
        }

        /**
         * Containers on this bridge reach beyond the host through these host interfaces and
         * no other: masqueraded as they leave by one of them, forwarding enabled on those and
         * the bridge only, and what the bridge would forward elsewhere dropped.
         */
        public Bridge outboundVia(String... uplinks) {
            if (uplinks.length == 0) {
                throw new IllegalArgumentException("outboundVia() needs at least one host interface; outbound(true)"
                        + " uses the host's default routes");
            }
            return new Bridge(name, subnet, isolated, true, List.of(uplinks));
        }
    }
}
