package dev.hako.net;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Picks a free host port for a published port asked as 0: neither helper takes 0
 * (slirp4netns refuses "bad arguments.host_port", pasta has no such spec), so the JVM
 * binds an ephemeral port itself, notes its number and closes it again, and the helper
 * binds that number. Another process may take it in between; both helpers then fail the
 * bind visibly (slirp4netns's API answers an error, pasta exits with "Failed to bind"), and
 * the caller picks again.
 */
final class SlirpFreePorts {
    /** How often a port asked as 0 is tried before giving up. */
    static final int ATTEMPTS = 8;

    private SlirpFreePorts() {
    }

    /** A host port that was free just now on the port's host address, for its protocol. */
    static int pick(SlirpPort port) throws IOException {
        InetAddress address = port.host().map(a -> (InetAddress) a).orElse(InetAddress.getByName("0.0.0.0"));
        if (port.protocol() == Protocol.TCP) {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(false);
                s.bind(new InetSocketAddress(address, 0), 1);
                return s.getLocalPort();
            }
        }
        try (DatagramSocket s = new DatagramSocket(null)) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(address, 0));
            return s.getLocalPort();
        }
    }
}
