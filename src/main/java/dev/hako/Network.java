package dev.hako;

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
     * ({@code outbound}: the subnet is masqueraded and the host forwards for the bridge,
     * which is enabled only then). Checked when the container is built.
     */
    record Bridge(String name, String subnet, boolean isolated, boolean outbound) implements Network {
        public static final String DEFAULT_NAME = "hako0";
        public static final String DEFAULT_SUBNET = "172.29.0.0/16";
        static final Bridge DEFAULT = new Bridge(DEFAULT_NAME, DEFAULT_SUBNET, false, false);

        public Bridge {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(subnet, "subnet");
        }

        /** This bridge under another name, e.g. {@code hako1}: a network of its own. */
        public Bridge named(String name) {
            return new Bridge(name, subnet, isolated, outbound);
        }

        /** This bridge with another subnet, e.g. {@code 10.77.0.0/24}. */
        public Bridge subnet(String subnet) {
            return new Bridge(name, subnet, isolated, outbound);
        }

        /** Containers on this bridge cannot reach each other (only the host and, with outbound, beyond). */
        public Bridge isolated(boolean isolated) {
            return new Bridge(name, subnet, isolated, outbound);
        }

        /** Containers on this bridge reach beyond the host, masqueraded as the host. */
        public Bridge outbound(boolean outbound) {
            return new Bridge(name, subnet, isolated, outbound);
        }
    }
}
