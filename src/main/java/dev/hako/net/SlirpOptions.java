package dev.hako.net;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How a user-mode network is set up: which helper, the published ports, whether the
 * container may reach the host's loopback, the MTU and how long to wait for the helper.
 * Immutable; each {@code with...} method returns a copy.
 *
 * <p><b>Host loopback is off by default</b>, as podman has it: services bound to the
 * host's 127.0.0.1 (a database, a metrics endpoint, a cloud metadata proxy) are bound there
 * precisely so that nothing but the host reaches them, and a container is not the host.
 * With it on, the gateway address (10.0.2.2) inside leads to the host's 127.0.0.1.
 *
 * @param helper            the program, or null for {@link SlirpHelper#preferred()}
 * @param ports             the published ports, at most one per (protocol, host port) when
 *                          the host port is given
 * @param allowHostLoopback whether the container may connect to the host's 127.0.0.1
 * @param mtu               the tap device's MTU, 1280 to 65520
 * @param readyTimeout      how long to wait for the helper to have configured the namespace
 */
public record SlirpOptions(SlirpHelper helper, List<SlirpPort> ports, boolean allowHostLoopback, int mtu,
        Duration readyTimeout) {

    /** Both helpers take this MTU; podman's default for them. */
    public static final int DEFAULT_MTU = 65520;
    /** Far more than a helper takes here (a few ms), for a loaded machine. */
    public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(10);
    /** slirp4netns's API takes requests of less than 4096 bytes, and one per port: keep the list sane. */
    static final int MAX_PORTS = 256;

    public SlirpOptions {
        ports = List.copyOf(Objects.requireNonNull(ports, "ports"));
        if (ports.size() > MAX_PORTS) {
            throw new IllegalArgumentException(ports.size() + " published ports: at most " + MAX_PORTS);
        }
        Set<String> taken = new HashSet<>();
        for (SlirpPort p : ports) {
            // 0.0.0.0 overlaps every address of the same port, so compare ports per protocol.
            if (p.hostPort() != 0 && !taken.add(p.protocol() + ":" + p.hostPort())) {
                throw new IllegalArgumentException("host port " + p.hostPort() + "/" + p.protocol().text()
                        + " is published twice");
            }
        }
        if (mtu < 1280 || mtu > DEFAULT_MTU) {
            throw new IllegalArgumentException("MTU " + mtu + " is not 1280 to " + DEFAULT_MTU);
        }
        if (readyTimeout == null || readyTimeout.isNegative() || readyTimeout.isZero()) {
            throw new IllegalArgumentException("the ready timeout must be positive, not " + readyTimeout);
        }
    }

    /** The preferred helper, no ports, host loopback off, MTU 65520, 10 s to get ready. */
    public static SlirpOptions defaults() {
        return new SlirpOptions(null, List.of(), false, DEFAULT_MTU, DEFAULT_READY_TIMEOUT);
    }

    /** A copy that uses {@code helper}. */
    public SlirpOptions withHelper(SlirpHelper helper) {
        return new SlirpOptions(Objects.requireNonNull(helper, "helper"), ports, allowHostLoopback, mtu, readyTimeout);
    }

    /** A copy that also publishes {@code port}. */
    public SlirpOptions publish(SlirpPort port) {
        List<SlirpPort> more = new ArrayList<>(ports);
        more.add(Objects.requireNonNull(port, "port"));
        return new SlirpOptions(helper, more, allowHostLoopback, mtu, readyTimeout);
    }

    /** A copy in which the container may (or may not) reach the host's 127.0.0.1 through the gateway. */
    public SlirpOptions withHostLoopback(boolean allow) {
        return new SlirpOptions(helper, ports, allow, mtu, readyTimeout);
    }

    /** A copy with another MTU. */
    public SlirpOptions withMtu(int mtu) {
        return new SlirpOptions(helper, ports, allowHostLoopback, mtu, readyTimeout);
    }

    /** A copy with another ready timeout. */
    public SlirpOptions withReadyTimeout(Duration timeout) {
        return new SlirpOptions(helper, ports, allowHostLoopback, mtu, timeout);
    }

    /** The helper to run: the named one, or the preferred one installed. */
    SlirpHelper helperToUse() {
        return helper != null ? helper : SlirpHelper.preferred();
    }
}
