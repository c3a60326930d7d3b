package dev.hako.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /hostname} from a busybox httpd serving a container's /etc, retried while the
 * server inside is still starting: what network tests ask a container to prove who it is.
 */
public final class HostnameFetch {
    private HostnameFetch() {
    }

    /** From 127.0.0.1:{@code port}, retried for about 10 s. */
    public static String fromLoopback(int port) throws InterruptedException {
        return from(InetAddress.getLoopbackAddress(), port);
    }

    /** From {@code host:port}, retried for about 10 s. */
    public static String from(InetAddress host, int port) throws InterruptedException {
        IOException last = null;
        for (int i = 0; i < 200; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 5000);
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET /hostname HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (response.contains("\r\n\r\n")) {
                    return response.substring(response.indexOf("\r\n\r\n") + 4).strip();
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no answer from " + host.getHostAddress() + ":" + port, last);
    }
}
