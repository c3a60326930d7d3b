package dev.hako.net;

import dev.hako.testing.ChildJvm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One exchange from the host, through a published port, with a {@link SlirpEchoServer}
 * inside the namespace: what the host got back and what the server says it got.
 */
record SlirpExchange(String reply, String serverSaw) {

    /**
     * Starts the server inside on {@code containerPort}, then talks to 127.0.0.1:{@code
     * hostPort}. For UDP the reply may not come back (see {@link SlirpNetwork} on UDP from the
     * host's loopback): datagrams are sent until the server has seen one, then the reply is
     * waited for a little; no reply is "(no reply)".
     */
    static SlirpExchange run(SlirpTestNamespace ns, Protocol protocol, int containerPort, int hostPort)
            throws IOException, InterruptedException {
        String proto = protocol.text();
        Process server = ns.start(ChildJvm.command(SlirpEchoServer.class, proto, Integer.toString(containerPort)));
        server.getOutputStream().close();
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        if (!"listening".equals(first)) {
            throw new IOException("the server inside did not start: " + first + " / "
                    + new String(server.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        CompletableFuture<String> saw = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }, task -> Thread.ofVirtual().start(task));
        String reply = protocol == Protocol.TCP ? tcp(hostPort) : udp(hostPort, saw);
        String serverSaw;
        try {
            serverSaw = saw.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            serverSaw = "(nothing: " + e + ")";
        }
        server.destroyForcibly();
        server.waitFor(30, TimeUnit.SECONDS);
        return new SlirpExchange(reply, serverSaw);
    }

    private static String tcp(int hostPort) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), hostPort), 10_000);
            s.setSoTimeout(30_000);
            s.getOutputStream().write("ping\n".getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
        }
    }

    private static String udp(int hostPort, CompletableFuture<String> serverSaw) throws IOException {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(200);
            byte[] ping = "ping".getBytes(StandardCharsets.UTF_8);
            long giveUp = Long.MAX_VALUE;
            for (int attempt = 0; attempt < 100 && System.nanoTime() < giveUp; attempt++) {
                if (!serverSaw.isDone()) {
                    s.send(new DatagramPacket(ping, ping.length, InetAddress.getLoopbackAddress(), hostPort));
                } else if (giveUp == Long.MAX_VALUE) {
                    giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                }
                byte[] buf = new byte[1500];
                DatagramPacket in = new DatagramPacket(buf, buf.length);
                try {
                    s.receive(in);
                    return new String(in.getData(), 0, in.getLength(), StandardCharsets.UTF_8);
                } catch (SocketTimeoutException e) {
                    // again
                }
            }
            return "(no reply)";
        }
    }
}
