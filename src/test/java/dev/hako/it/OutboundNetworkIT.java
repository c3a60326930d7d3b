package dev.hako.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hako.Container;
import dev.hako.ContainerProcess;
import dev.hako.Mount;
import dev.hako.Network;
import dev.hako.linux.Libc;
import dev.hako.netlink.NetworkNamespace;
import dev.hako.testing.KernelTest;
import dev.hako.testing.TestBridges;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Outbound access from a bridge container, against an "outside" the test builds itself:
 * <pre>
 *   container (10.238.0.x) == hktb5 (10.238.0.1) host hktout0 (198.51.100.1) ==veth== outside (198.51.100.2)
 * </pre>
 * The outside is a network namespace of the test's own, reached from the host only by the
 * connected route of {@code hktout0} (TEST-NET-2, routed nowhere real; no default route is
 * added and the host's uplink is never touched). It has no route back to the container's
 * subnet, so only masquerading through {@code hktout0} lets a container's connection come
 * back. In it run a TCP server that tells each client the address it saw, and a DNS server
 * that knows one name. With {@code outboundVia("hktout0")} the container reaches both as
 * 198.51.100.1; without it, it reaches the host but not the outside. Forwarding changes on
 * the bridge and that uplink only, and hako's rules go with the container.
 */
@KernelTest
class OutboundNetworkIT {
    private static final String UPLINK = "hktout0";
    private static final String UPLINK_PEER = "hktout1";
    private static final String HOST_ADDRESS = "198.51.100.1";
    private static final String OUTSIDE_ADDRESS = "198.51.100.2";
    private static final String NAME = "outside.test";
    private static final String NAME_ADDRESS = "198.51.100.77";
    private static final int TCP_PORT = 7777;
    private static final Network.Bridge OUTBOUND = Network.bridge().named("hktb5").subnet("10.238.0.0/24")
            .outboundVia(UPLINK);
    /** A bridge of its own for the control case, so that nothing the outbound bridge got carries over. */
    private static final Network.Bridge CLOSED = Network.bridge().named("hktb6").subnet("10.239.0.0/24");
    private static final Path CONF = Path.of("/proc/sys/net/ipv4/conf");
    private static final ObjectMapper JSON = new ObjectMapper();

    @AfterAll
    static void removeTheTestsLinks() throws Exception {
        TestBridges.remove(List.of("hktb5", "hktb6", UPLINK));
    }

    @Test
    void aContainerReachesTheOutsideMasqueradedAndResolvesThroughItsDnsServer() throws Exception {
        Map<String, String> forwardingBefore = forwarding();
        String id;
        try (Outside outside = Outside.create();
                PeerServer server = PeerServer.start(outside.fd());
                DnsResponder dns = DnsResponder.start(outside.fd());
                Container c = builder().network(OUTBOUND).dns(OUTSIDE_ADDRESS).command("sleep", "600").build()) {
            id = c.id();
            c.start();

            String resolvConf = exec(c, "cat /etc/resolv.conf");
            assertTrue(resolvConf.lines().anyMatch(l -> l.strip().equals("nameserver " + OUTSIDE_ADDRESS)), resolvConf);

            // the server listens already; a few bounded attempts only guard against a lost first exchange
            String seen = exec(c, "for i in 1 2 3 4 5; do nc -w 5 " + OUTSIDE_ADDRESS + " " + TCP_PORT
                    + " </dev/null && exit 0; sleep 0.2; done; exit 1");
            assertEquals("seen " + HOST_ADDRESS, seen.strip().lines().toList().getLast(), "the outside sees the"
                    + " host's address on " + UPLINK + " (masqueraded), not the container's own:\n" + seen);
            assertEquals(List.of(HOST_ADDRESS), server.peers().stream().distinct().toList());

            String answer = exec(c, "nslookup " + NAME);
            assertTrue(answer.lines().anyMatch(l -> l.matches("Address:\\s*" + NAME_ADDRESS.replace(".", "\\."))),
                    "the name resolved through " + OUTSIDE_ADDRESS + ":\n" + answer);
            assertTrue(dns.queries().contains(HOST_ADDRESS + " " + NAME + ". A"), dns.queries().toString());
            assertTrue(dns.queries().stream().allMatch(q -> q.startsWith(HOST_ADDRESS + " ")),
                    "the DNS queries came masqueraded too: " + dns.queries());

            Map<String, String> during = forwarding();
            assertEquals("1", during.get("hktb5"), "forwarding on the bridge: " + during);
            assertEquals("1", during.get(UPLINK), "forwarding on the uplink: " + during);
            for (String link : forwardingBefore.keySet()) {
                if (!link.startsWith("hk")) { // other tests' links come and go; hako's own are checked above
                    assertEquals(forwardingBefore.get(link), during.get(link), "forwarding of " + link
                            + " is left alone (only the bridge and the uplink change): before " + forwardingBefore
                            + ", with the container " + during);
                }
            }
            assertFalse(hakoRulesOf(id).isEmpty(), "hako's rules for container " + id + " are tagged with its id: "
                    + hakoRules());
        }
        assertForwardingAsBefore(forwardingBefore);
        awaitNoRulesOf(id);
    }

    @Test
    void withoutOutboundTheContainerReachesTheHostButNotTheOutside() throws Exception {
        Map<String, String> forwardingBefore = forwarding();
        try (Outside outside = Outside.create();
                PeerServer server = PeerServer.start(outside.fd());
                ServerSocket host = new ServerSocket(0, 50, InetAddress.getByName(HOST_ADDRESS));
                HostAnswer hostAnswer = HostAnswer.start(host)) {
            String out = ok(builder().network(CLOSED).command("/bin/sh", "-c",
                    // the host's own address on the uplink is local: no forwarding needed, so nc itself works
                    "nc -w 5 " + HOST_ADDRESS + " " + host.getLocalPort() + " </dev/null || exit 10;"
                    + " if nc -w 2 " + OUTSIDE_ADDRESS + " " + TCP_PORT + " </dev/null; then exit 11; fi;"
                    + " echo unreachable").run());
            List<String> lines = out.lines().toList();
            assertEquals("host", lines.getFirst(), out);
            assertEquals("unreachable", lines.getLast(), out);
            assertEquals(List.of(), server.peers(), "no connection reached the outside");
        }
        assertForwardingAsBefore(forwardingBefore);
    }

    @Test
    void anotherHostReachesAPublishedPortThroughTheForwarderOrWithOutboundThroughDnatKeepingItsAddress()
            throws Exception {
        try (Outside outside = Outside.create()) {
            // Without outbound the host does not forward: the JVM's forwarder answers, from the bridge's address.
            assertEquals("10.239.0.1", peerSeenFromOutside(outside, CLOSED));
            // With outbound via the uplink: a DNAT rule, and the container sees the other host's own address.
            assertEquals(OUTSIDE_ADDRESS, peerSeenFromOutside(outside, OUTBOUND));
        }
    }

    /**
     * The client address a busybox httpd in a container on {@code network} sees (CGI's
     * REMOTE_ADDR) when the outside namespace fetches its published port on the host's address.
     */
    private static String peerSeenFromOutside(Outside outside, Network network) throws Exception {
        String script = "mkdir -p /www/cgi-bin && printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\n"
                + "echo $REMOTE_ADDR\\n' > /www/cgi-bin/peer && chmod +x /www/cgi-bin/peer && exec httpd -f -p 80 -h /www";
        try (Container web = builder().network(network).publish("0:80").mount(Mount.tmpfs("/www"))
                .command("/bin/sh", "-c", script).build()) {
            int port = web.start().hostPort(80);
            String[] last = {null};
            String response = NetworkNamespace.callIn(outside.fd(), () -> {
                for (int i = 0; i < 100; i++) {
                    String r = connectAndRead(HOST_ADDRESS, port, "GET /cgi-bin/peer HTTP/1.0\r\n\r\n");
                    if (r != null && r.startsWith("HTTP/1.") && r.contains(" 200 ")) {
                        return r;
                    }
                    last[0] = r;
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        throw new java.io.InterruptedIOException();
                    }
                }
                return null;
            });
            assertTrue(response != null, "no answer on " + HOST_ADDRESS + ":" + port + " from the other host; last: "
                    + last[0]);
            List<String> lines = response.strip().lines().toList(); // the CGI's own header ends in a bare LF
            return lines.getLast().strip().replace("[::ffff:", "").replace("]", ""); // httpd listens on IPv6 too
        }
    }

    /** A connection made on the calling thread (inside a namespace, from callIn): what comes back, or null. */
    private static String connectAndRead(String host, int port, String request) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(InetAddress.getByName(host), port), 3000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    /** Runs {@code script} in the running container; returns its output (stderr merged), failing on a non-zero exit. */
    private static String exec(Container c, String script) throws Exception {
        ContainerProcess p = c.exec("/bin/sh", "-c", "(" + script + ") 2>&1");
        p.getOutputStream().close();
        CompletableFuture.runAsync(() -> drain(p.getErrorStream()));
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        int code = p.waitFor();
        assertEquals(0, code, () -> "'" + script + "' exited with " + code + ":\n" + out);
        return out;
    }

    private static void drain(InputStream in) {
        try (in) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void assertForwardingAsBefore(Map<String, String> before) throws IOException {
        Map<String, String> after = forwarding();
        for (String key : List.of("all", "default", "eth0")) {
            assertEquals(before.get(key), after.get(key), "net.ipv4.conf." + key + ".forwarding after the test");
        }
    }

    /** {@code net.ipv4.conf.*.forwarding} of every interface (and all, default) of the host. */
    private static Map<String, String> forwarding() throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.list(CONF)) {
            for (Path dir : s.toList()) {
                try {
                    m.put(dir.getFileName().toString(), Files.readString(dir.resolve("forwarding")).strip());
                } catch (NoSuchFileException e) {
                    // the link went away while being read
                }
            }
        }
        return m;
    }

    /** Waits (up to 10 s) until no rule of hako's table names container {@code id}. */
    private static void awaitNoRulesOf(String id) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!hakoRulesOf(id).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(List.of(), hakoRulesOf(id), "hako's rules for container " + id + " outlive it");
    }

    private static List<String> hakoRulesOf(String id) throws Exception {
        String tag = "container=" + id + " ";
        return hakoRules().stream().filter(r -> r.contains(tag)).toList();
    }

    /** The rules of hako's table as nft's JSON, one string each; none when there is no table. */
    private static List<String> hakoRules() throws Exception {
        Process p = new ProcessBuilder("nft", "-j", "list", "table", "ip", "hako")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("nft did not answer within 60 s");
        }
        if (p.exitValue() != 0) {
            return List.of(); // no table ip hako (yet, or any more)
        }
        List<String> rules = new ArrayList<>();
        for (JsonNode n : JSON.readTree(out).path("nftables")) {
            if (n.has("rule")) {
                rules.add(n.get("rule").toString());
            }
        }
        return rules;
    }

    private static void deleteLink(String link) throws Exception {
        if (Files.exists(Path.of("/sys/class/net", link))) {
            run("ip", "link", "del", link);
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not end within 60 s");
        }
        assertEquals(0, p.exitValue(), () -> String.join(" ", command) + ": " + out);
    }

    /**
     * The outside: a network namespace held by a descriptor, linked to the host by the veth
     * pair {@code hktout0} (host, 198.51.100.1/24) and {@code hktout1} (inside,
     * 198.51.100.2/24). Closing deletes the pair and drops the descriptor; the namespace
     * goes once the servers' sockets in it are closed too.
     */
    static final class Outside implements AutoCloseable {
        private final int fd;

        private Outside(int fd) {
            this.fd = fd;
        }

        static Outside create() throws Exception {
            deleteLink(UPLINK); // left by an earlier run that was killed
            Outside o = new Outside(NetworkNamespace.create());
            try {
                run("ip", "link", "add", UPLINK, "type", "veth", "peer", "name", UPLINK_PEER);
                run("ip", "link", "set", UPLINK_PEER, "netns", o.path());
                run("ip", "addr", "add", HOST_ADDRESS + "/24", "dev", UPLINK);
                run("ip", "link", "set", UPLINK, "up");
                o.ip("link", "set", "lo", "up");
                o.ip("addr", "add", OUTSIDE_ADDRESS + "/24", "dev", UPLINK_PEER);
                o.ip("link", "set", UPLINK_PEER, "up");
                return o;
            } catch (Exception | Error e) {
                try {
                    o.close();
                } catch (Exception | Error suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        }

        int fd() {
            return fd;
        }

        private String path() {
            return "/proc/" + ProcessHandle.current().pid() + "/fd/" + fd;
        }

        private void ip(String... args) throws Exception {
            List<String> command = new ArrayList<>(List.of("nsenter", "--net=" + path(), "ip"));
            command.addAll(List.of(args));
            run(command.toArray(String[]::new));
        }

        @Override
        public void close() throws Exception {
            try {
                deleteLink(UPLINK);
            } finally {
                Libc.closeQuietly(fd);
            }
        }
    }

    /** A TCP server in the outside that writes {@code seen ADDRESS} to each client, the address it came from. */
    static final class PeerServer implements AutoCloseable {
        private final ServerSocketChannel channel;
        private final Thread acceptor;
        private final List<String> peers = new CopyOnWriteArrayList<>();

        private PeerServer(ServerSocketChannel channel) {
            this.channel = channel;
            this.acceptor = Thread.ofPlatform().name("hkt-outside-tcp").daemon().unstarted(this::serve);
        }

        /** Listening once this returns: the socket is bound inside the outside namespace first. */
        static PeerServer start(int netns) throws IOException {
            ServerSocketChannel ch = NetworkNamespace.callIn(netns, () -> {
                ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.INET);
                try {
                    s.bind(new InetSocketAddress(TCP_PORT));
                    return s;
                } catch (IOException | RuntimeException e) {
                    s.close();
                    throw e;
                }
            });
            PeerServer server = new PeerServer(ch);
            server.acceptor.start();
            return server;
        }

        List<String> peers() {
            return List.copyOf(peers);
        }

        private void serve() {
            while (true) {
                try (SocketChannel client = channel.accept()) {
                    String peer = ((InetSocketAddress) client.getRemoteAddress()).getAddress().getHostAddress();
                    peers.add(peer);
                    ByteBuffer line = ByteBuffer.wrap(("seen " + peer + "\n").getBytes(StandardCharsets.US_ASCII));
                    while (line.hasRemaining()) {
                        client.write(line);
                    }
                } catch (ClosedChannelException e) {
                    return; // closed by close(), also while blocked in accept
                } catch (IOException e) {
                    // a client gone early: serve the next
                }
            }
        }

        @Override
        public void close() throws Exception {
            channel.close();
            acceptor.join(TimeUnit.SECONDS.toMillis(30));
            assertFalse(acceptor.isAlive(), "the outside's TCP server did not stop");
        }
    }

    /** A UDP DNS server in the outside on port 53 that knows one name, recording each question it is asked. */
    static final class DnsResponder implements AutoCloseable {
        private final DatagramChannel channel;
        private final Thread worker;
        private final List<String> queries = new CopyOnWriteArrayList<>();

        private DnsResponder(DatagramChannel channel) {
            this.channel = channel;
            this.worker = Thread.ofPlatform().name("hkt-outside-dns").daemon().unstarted(this::serve);
        }

        static DnsResponder start(int netns) throws IOException {
            DatagramChannel ch = NetworkNamespace.callIn(netns, () -> {
                DatagramChannel d = DatagramChannel.open(StandardProtocolFamily.INET);
                try {
                    d.bind(new InetSocketAddress(53));
                    return d;
                } catch (IOException | RuntimeException e) {
                    d.close();
                    throw e;
                }
            });
            DnsResponder r = new DnsResponder(ch);
            r.worker.start();
            return r;
        }

        /** {@code SOURCE NAME. TYPE} of each question asked, TYPE as A, AAAA or the number. */
        List<String> queries() {
            return List.copyOf(queries);
        }

        private void serve() {
            ByteBuffer in = ByteBuffer.allocate(65_536);
            while (true) {
                try {
                    in.clear();
                    InetSocketAddress from = (InetSocketAddress) channel.receive(in);
                    in.flip();
                    Optional<DnsQuery> query = DnsQuery.parse(in);
                    if (query.isEmpty()) {
                        continue; // not a query this server can read: dropped, as a real one may
                    }
                    DnsQuery q = query.get();
                    queries.add(from.getAddress().getHostAddress() + " " + q.name() + " " + q.typeName());
                    channel.send(ByteBuffer.wrap(q.answer(NAME + ".", InetAddress.getByName(NAME_ADDRESS))), from);
                } catch (ClosedChannelException e) {
                    return;
                } catch (IOException e) {
                    // one exchange failed: serve the next
                }
            }
        }

        @Override
        public void close() throws Exception {
            channel.close();
            worker.join(TimeUnit.SECONDS.toMillis(30));
            assertFalse(worker.isAlive(), "the outside's DNS server did not stop");
        }
    }

    /**
     * A DNS query (RFC 1035 4.1) of exactly one question, as far as a one-name server needs
     * it: the header's id and RD flag, the question's name (uncompressed labels, as a
     * question always is), type and class, and the question's bytes to echo.
     */
    record DnsQuery(int id, boolean recursionDesired, String name, int type, int qclass, byte[] question) {
        static final int TYPE_A = 1;
        static final int TYPE_AAAA = 28;
        static final int CLASS_IN = 1;
        private static final int HEADER = 12;
        private static final int MAX_NAME = 255;
        private static final int RCODE_NXDOMAIN = 3;

        /** The query in {@code packet}, or empty when it is a response, not a standard query, or malformed. */
        static Optional<DnsQuery> parse(ByteBuffer packet) {
            ByteBuffer b = packet.slice();
            if (b.remaining() < HEADER) {
                return Optional.empty();
            }
            int id = Short.toUnsignedInt(b.getShort());
            int flags = Short.toUnsignedInt(b.getShort());
            int questions = Short.toUnsignedInt(b.getShort());
            int answers = Short.toUnsignedInt(b.getShort());
            int authorities = Short.toUnsignedInt(b.getShort());
            b.getShort(); // additional records (an EDNS OPT) are allowed and ignored
            boolean response = (flags & 0x8000) != 0;
            int opcode = (flags >> 11) & 0xF;
            if (response || opcode != 0 || questions != 1 || answers != 0 || authorities != 0) {
                return Optional.empty();
            }
            StringBuilder name = new StringBuilder();
            int nameBytes = 0;
            while (true) {
                if (!b.hasRemaining()) {
                    return Optional.empty();
                }
                int length = Byte.toUnsignedInt(b.get());
                nameBytes += 1 + length;
                if (length > 63 || nameBytes > MAX_NAME || b.remaining() < length) {
                    return Optional.empty(); // a compression pointer, a reserved label type, or too long
                }
                if (length == 0) {
                    break;
                }
                for (int i = 0; i < length; i++) {
                    int c = Byte.toUnsignedInt(b.get());
                    if (c <= ' ' || c >= 0x7F || c == '.') {
                        return Optional.empty(); // this server knows host names only
                    }
                    name.append((char) c);
                }
                name.append('.');
            }
            if (b.remaining() < 4) {
                return Optional.empty();
            }
            int type = Short.toUnsignedInt(b.getShort());
            int qclass = Short.toUnsignedInt(b.getShort());
            byte[] question = new byte[b.position() - HEADER];
            b.get(HEADER, question);
            String n = name.isEmpty() ? "." : name.toString().toLowerCase(Locale.ROOT);
            return Optional.of(new DnsQuery(id, (flags & 0x0100) != 0, n, type, qclass, question));
        }

        String typeName() {
            return switch (type) {
                case TYPE_A -> "A";
                case TYPE_AAAA -> "AAAA";
                default -> Integer.toString(type);
            };
        }

        /**
         * The response to this query from a server authoritative for {@code known} only:
         * {@code address} for its A record, no records for its other types, NXDOMAIN for
         * every other name.
         */
        byte[] answer(String known, InetAddress address) {
            boolean ours = name.equals(known.toLowerCase(Locale.ROOT));
            boolean record = ours && type == TYPE_A && qclass == CLASS_IN;
            ByteBuffer out = ByteBuffer.allocate(HEADER + question.length + (record ? 16 : 0));
            out.putShort((short) id);
            int flags = 0x8000 | 0x0400 | (recursionDesired ? 0x0100 : 0) | (ours ? 0 : RCODE_NXDOMAIN); // QR, AA
            out.putShort((short) flags);
            out.putShort((short) 1); // the question, echoed
            out.putShort((short) (record ? 1 : 0));
            out.putShort((short) 0);
            out.putShort((short) 0);
            out.put(question);
            if (record) {
                out.putShort((short) 0xC00C); // the name: a pointer to the question's, right after the header
                out.putShort((short) TYPE_A);
                out.putShort((short) CLASS_IN);
                out.putInt(60); // TTL
                out.putShort((short) 4);
                out.put(address.getAddress());
            }
            return out.array();
        }
    }

    /** A server on the host's own address of the uplink that answers {@code host} to each client. */
    record HostAnswer(ServerSocket socket, Thread thread) implements AutoCloseable {
        static HostAnswer start(ServerSocket socket) {
            Thread t = Thread.ofPlatform().name("hkt-host-answer").daemon().start(() -> {
                while (true) {
                    try (Socket s = socket.accept()) {
                        s.getOutputStream().write("host\n".getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException e) {
                        if (socket.isClosed()) {
                            return;
                        }
                    }
                }
            });
            return new HostAnswer(socket, t);
        }

        @Override
        public void close() throws Exception {
            socket.close();
            thread.join(TimeUnit.SECONDS.toMillis(30));
            assertFalse(thread.isAlive(), "the host's server did not stop");
        }
    }
}
