package dev.hako.net;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A server that the tests run inside a network namespace (through nsenter): {@code tcp
 * PORT} or {@code udp PORT} on 0.0.0.0, "listening" on stdout once bound, then one
 * exchange: it answers "echo:" and what it got, and prints "got:" and that.
 */
public final class SlirpEchoServer {
    private SlirpEchoServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[1]);
        if (args[0].equals("tcp")) {
            try (ServerSocket server = new ServerSocket()) {
                server.bind(new InetSocketAddress("0.0.0.0", port));
                System.out.println("listening");
                System.out.flush();
                try (Socket s = server.accept()) {
                    String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))
                            .readLine();
                    OutputStream out = s.getOutputStream();
                    out.write(("echo:" + line + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    System.out.println("got:" + line + " from " + s.getRemoteSocketAddress());
                }
            }
        } else {
            try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("0.0.0.0", port))) {
                System.out.println("listening");
                System.out.flush();
                byte[] buf = new byte[1500];
                DatagramPacket in = new DatagramPacket(buf, buf.length);
                socket.receive(in);
                String got = new String(in.getData(), 0, in.getLength(), StandardCharsets.UTF_8);
                byte[] reply = ("echo:" + got).getBytes(StandardCharsets.UTF_8);
                socket.send(new DatagramPacket(reply, reply.length, in.getSocketAddress()));
                System.out.println("got:" + got + " from " + in.getSocketAddress());
            }
        }
        System.out.flush();
    }
}
