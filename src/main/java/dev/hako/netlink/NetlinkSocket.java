package dev.hako.netlink;

import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A netlink socket of any protocol ({@code NETLINK_ROUTE}, {@code NETLINK_NETFILTER}, ...):
 * {@code socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol)}, bound to a port id the
 * kernel picks, with extended acks ({@code NETLINK_EXT_ACK}) and capped acks
 * ({@code NETLINK_CAP_ACK}: an error echoes only the request's header) turned on.
 *
 * <p>Requests are {@link NetlinkRequest}s from a {@link MessageBuilder}. {@link #execute}
 * sends several of them together (one {@code sendmsg}) and then collects every answer,
 * mapping each ack, error and reply to its request by a sequence number the socket writes
 * into its copy of the request; a container start thus costs one round trip per batch.
 * The socket is connected to the kernel, so the kernel refuses what another process sends
 * to its port id (ECONNREFUSED), and only datagrams from port id 0 are read anyway;
 * answers to no pending request (left over from an earlier call that failed half-way) are
 * skipped.
 *
 * <p>A socket stays in the network namespace it was created in, so
 * {@link #openIn(int, int)} gives a socket of another namespace without leaving any thread
 * of the JVM there. Native memory lives only during a call (a confined arena), so a
 * socket may be used from any thread, one call at a time (calls are synchronized);
 * {@link #close()} closes the descriptor.
 */
public final class NetlinkSocket implements AutoCloseable {
    /** The most bytes one send may hold; a single message is refused beyond it too. */
    public static final int MAX_SEND = 128 * 1024;
    /**
     * The most awaited answers one send may ask for in {@link #execute}: their acks wait in
     * the socket's receive buffer until read, and one that does not fit is lost.
     */
    public static final int MAX_PIPELINE = 64;
    /**
     * The receive buffer of one {@code recvmsg}. The kernel builds dump datagrams of at
     * most 32 KiB; anything larger than this is refused as truncated.
     */
    static final int RECEIVE_SIZE = 64 * 1024;
    private static final int DUMP_ATTEMPTS = 5;

    private final int fd;
    private final int protocol;
    private final int portId;
    private int sequence;
    private boolean closed;

    private NetlinkSocket(int fd, int protocol, int portId) {
        this.fd = fd;
        this.protocol = protocol;
        this.portId = portId;
        this.sequence = (int) (System.nanoTime() & 0x7FFF_FFFF) | 1;
    }

    /**
     * Opens a socket of {@code protocol} (such as {@code linux_h.NETLINK_ROUTE()}) in the
     * calling thread's network namespace.
     */
    public static NetlinkSocket open(int protocol) throws SyscallException {
        int fd = Libc.socket(linux_h.AF_NETLINK(), linux_h.SOCK_RAW() | linux_h.SOCK_CLOEXEC(), protocol);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = kernelAddress(arena);
            Libc.bind(fd, address);
            // Connected to the kernel, the socket takes no datagram another process sends to its port id.
            Libc.connect(fd, address);
            Libc.setsockoptInt(fd, linux_h.SOL_NETLINK(), linux_h.NETLINK_EXT_ACK(), 1, "NETLINK_EXT_ACK");
            Libc.setsockoptInt(fd, linux_h.SOL_NETLINK(), linux_h.NETLINK_CAP_ACK(), 1, "NETLINK_CAP_ACK");
            Libc.getsockname(fd, address);
            return new NetlinkSocket(fd, protocol, address.get(JAVA_INT, linux_h.HAKO_NL_PID()));
        } catch (SyscallException | RuntimeException | Error e) {
            Libc.closeQuietly(fd);
            throw e;
        }
    }

    /**
     * Opens a socket of {@code protocol} in the network namespace {@code netnsFd} names
     * (such as an open {@code /proc/PID/ns/net}), from the thread that
     * {@link NetworkNamespace#callIn} sends there and back; the socket keeps working in that
     * namespace from any thread.
     */
    public static NetlinkSocket openIn(int netnsFd, int protocol) throws IOException {
        return NetworkNamespace.callIn(netnsFd, () -> open(protocol));
    }

    /** A {@code struct sockaddr_nl} of the kernel (port id 0, no groups); bind fills in ours from it. */
    private static MemorySegment kernelAddress(Arena arena) {
        MemorySegment address = arena.allocate(linux_h.HAKO_SOCKADDR_NL_SIZE(), 4);
        address.set(JAVA_SHORT, linux_h.HAKO_NL_FAMILY(), (short) linux_h.AF_NETLINK());
        return address;
    }

    /** The netlink protocol, as given to {@link #open}. */
    public int protocol() {
        return protocol;
    }

    /** The port id the kernel bound this socket to ({@code nl_pid}). */
    public int portId() {
        return portId;
    }

    /** The socket's descriptor (close-on-exec), for polling; {@link #close()} closes it. */
    public int fd() {
        return fd;
    }

    /** What the kernel answered one request of a send. */
    public record Outcome(NetlinkRequest request, List<NetlinkMessage> replies, NetlinkException error,
            boolean interrupted) {
        /** Whether the kernel acknowledged the request (or answered it without error). */
        public boolean succeeded() {
            return error == null;
        }
    }

    /**
     * Sends one request and waits for its answer: the replies it brought (empty for a
     * plain ack, the messages of a dump).
     *
     * @throws NetlinkException when the kernel refused it
     */
    public List<NetlinkMessage> request(NetlinkRequest request) throws IOException {
        return execute(List.of(request)).getFirst().replies();
    }

    /**
     * Dumps: sends a {@link MessageBuilder#dump} request and returns every message of the
     * answer up to {@code NLMSG_DONE}. A dump the kernel marks {@code NLM_F_DUMP_INTR}
     * (the table changed meanwhile) is retried a few times.
     */
    public List<NetlinkMessage> dump(NetlinkRequest request) throws IOException {
        if (request.completion() != NetlinkRequest.Completion.DUMP) {
            throw new IllegalArgumentException(request.description() + " is not a dump request");
        }
        for (int attempt = 1; ; attempt++) {
            Outcome outcome = execute(List.of(request)).getFirst();
            if (!outcome.interrupted()) {
                return outcome.replies();
            }
            if (attempt == DUMP_ATTEMPTS) {
                throw new IOException(request.description() + ": the kernel interrupted the dump " + DUMP_ATTEMPTS
                        + " times (NLM_F_DUMP_INTR: the table kept changing meanwhile)");
            }
        }
    }

    /**
     * Sends the requests together and collects every answer; throws for the first request
     * the kernel refused, with the others it refused as suppressed exceptions. The kernel
     * goes on with the requests after a refused one; each outcome says what it did.
     *
     * @throws NetlinkException for the first refused request, naming it and its place
     */
    public List<Outcome> execute(List<NetlinkRequest> requests) throws IOException {
        List<Outcome> outcomes = executeAll(requests);
        NetlinkException first = null;
        for (Outcome o : outcomes) {
            if (o.error() != null) {
                if (first == null) {
                    first = o.error();
                } else {
                    first.addSuppressed(o.error());
                }
            }
        }
        if (first != null) {
            throw first;
        }
        return outcomes;
    }

    /**
     * Like {@link #execute} but returns the outcomes without throwing for refused requests
     * (for callers that expect some, such as deleting what may be gone already). Requests
     * go out in as few sends as {@link #MAX_SEND} and {@link #MAX_PIPELINE} allow, each
     * send's answers collected before the next.
     *
     * @throws MalformedMessageException when an answer is malformed
     * @throws SyscallException when sending or receiving fails
     */
    public synchronized List<Outcome> executeAll(List<NetlinkRequest> requests) throws IOException {
        if (closed) {
            throw new IllegalStateException("netlink socket " + fd + " is closed");
        }
        List<Outcome> outcomes = new ArrayList<>(requests.size());
        int from = 0;
        while (from < requests.size()) {
            int to = from;
            int bytes = 0;
            int awaited = 0;
            while (to < requests.size() && awaited < MAX_PIPELINE
                    && bytes + requests.get(to).length() <= MAX_SEND) {
                bytes += requests.get(to).length();
                if (requests.get(to).completion() != NetlinkRequest.Completion.NONE) {
                    awaited++;
                }
                to++;
            }
            outcomes.addAll(sendTogether(requests.subList(from, to), from, requests.size()));
            from = to;
        }
        return outcomes;
    }

    /**
     * Like {@link #executeAll} but in exactly one {@code sendmsg}, however many requests:
     * for families whose kernel side treats one send as a unit (nftables' batches, from
     * begin to end marker). Their answers must fit the socket's receive buffer until read
     * (see {@link #receiveBufferSize}); an answer that does not is lost and the next receive
     * fails with ENOBUFS.
     *
     * @throws IllegalArgumentException when the requests hold more than {@link #MAX_SEND} bytes
     */
    public synchronized List<Outcome> executeInOneSend(List<NetlinkRequest> requests) throws IOException {
        if (closed) {
            throw new IllegalStateException("netlink socket " + fd + " is closed");
        }
        long bytes = 0;
        for (NetlinkRequest r : requests) {
            bytes += r.length();
        }
        if (bytes > MAX_SEND) {
            throw new IllegalArgumentException(requests.size() + " requests of " + bytes + " bytes do not fit one send of "
                    + MAX_SEND + " bytes");
        }
        return requests.isEmpty() ? List.of() : sendTogether(requests, 0, requests.size());
    }

    /**
     * Sets the socket's receive buffer ({@code SO_RCVBUFFORCE}, which root may set beyond
     * {@code net.core.rmem_max}; {@code SO_RCVBUF} otherwise), for sends with many answers.
     */
    public void receiveBufferSize(int bytes) throws SyscallException {
        try {
            Libc.setsockoptInt(fd, linux_h.SOL_SOCKET(), linux_h.SO_RCVBUFFORCE(), bytes, "SO_RCVBUFFORCE");
        } catch (SyscallException e) {
            if (e.errno() != linux_h.EPERM()) {
                throw e;
            }
            Libc.setsockoptInt(fd, linux_h.SOL_SOCKET(), linux_h.SO_RCVBUF(), bytes, "SO_RCVBUF");
        }
    }

    /** One send of {@code batch} (whose first request is number {@code first} of {@code count}), then its answers. */
    private List<Outcome> sendTogether(List<NetlinkRequest> batch, int first, int count) throws IOException {
        int total = 0;
        for (NetlinkRequest r : batch) {
            total += r.length();
        }
        byte[] out = new byte[total];
        int[] sequences = new int[batch.size()];
        int at = 0;
        for (int i = 0; i < batch.size(); i++) {
            NetlinkRequest r = batch.get(i);
            r.copyTo(out, at);
            sequences[i] = nextSequence();
            Bytes.putU32(out, at + MessageBuilder.SEQ_OFFSET, sequences[i]);
            at += r.length();
        }
        Answers answers = new Answers(batch, sequences, first, count);
        try (Arena arena = Arena.ofConfined()) {
            Datagram datagram = new Datagram(arena, Math.max(total, RECEIVE_SIZE));
            datagram.send(fd, out, describe(batch));
            while (answers.waiting()) {
                for (NetlinkMessage m : datagram.receiveFromKernel(fd)) {
                    answers.accept(m);
                }
            }
        }
        return answers.outcomes();
    }

    /**
     * Sends raw bytes to another socket's port id, as any process on the machine could try:
     * for tests that show the kernel refuses it.
     */
    synchronized void sendToPort(int port, byte[] bytes) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            new Datagram(arena, bytes.length).sendTo(fd, port, bytes, "datagram to port " + port);
        }
    }

    private static String describe(List<NetlinkRequest> batch) {
        return batch.size() == 1 ? batch.getFirst().description()
                : batch.size() + " requests from " + batch.getFirst().description();
    }

    private int nextSequence() {
        sequence++;
        if (sequence == 0) {
            sequence = 1;
        }
        return sequence;
    }

    /** Closes the descriptor; later calls throw {@link IllegalStateException}. Closing twice does nothing. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Libc.closeQuietly(fd);
        }
    }

    /**
     * The native side of one call: a send buffer, a receive buffer and the {@code msghdr}
     * with its {@code iovec} and peer address, all in the call's arena.
     */
    private static final class Datagram {
        private final MemorySegment buffer;
        private final MemorySegment peer;
        private final MemorySegment iov;
        private final MemorySegment msg;

        Datagram(Arena arena, int size) {
            buffer = arena.allocate(size, 8);
            peer = kernelAddress(arena);
            iov = arena.allocate(linux_h.HAKO_IOVEC_SIZE(), 8);
            msg = arena.allocate(linux_h.HAKO_MSGHDR_SIZE(), 8);
        }

        private void prepare(long length) {
            iov.set(ADDRESS, linux_h.HAKO_IOV_BASE(), buffer);
            iov.set(JAVA_LONG, linux_h.HAKO_IOV_LEN(), length);
            msg.fill((byte) 0);
            msg.set(ADDRESS, linux_h.HAKO_MSG_NAME(), peer);
            msg.set(JAVA_INT, linux_h.HAKO_MSG_NAMELEN(), (int) peer.byteSize());
            msg.set(ADDRESS, linux_h.HAKO_MSG_IOV(), iov);
            msg.set(JAVA_LONG, linux_h.HAKO_MSG_IOVLEN(), 1L);
        }

        void send(int fd, byte[] bytes, String what) throws SyscallException {
            sendTo(fd, 0, bytes, what);
        }

        void sendTo(int fd, int port, byte[] bytes, String what) throws SyscallException {
            MemorySegment.copy(bytes, 0, buffer, JAVA_BYTE, 0, bytes.length);
            peer.fill((byte) 0);
            peer.set(JAVA_SHORT, linux_h.HAKO_NL_FAMILY(), (short) linux_h.AF_NETLINK());
            peer.set(JAVA_INT, linux_h.HAKO_NL_PID(), port);
            prepare(bytes.length);
            long sent = Libc.sendmsg(fd, msg, 0, what);
            if (sent != bytes.length) {
                throw new IllegalStateException("sendmsg(" + fd + ", " + what + ") sent " + sent + " of " + bytes.length
                        + " bytes, which a netlink socket never does");
            }
        }

        /** Receives datagrams until one comes from the kernel (port id 0), and splits it into messages. */
        List<NetlinkMessage> receiveFromKernel(int fd) throws IOException {
            while (true) {
                prepare(buffer.byteSize());
                long n = Libc.recvmsg(fd, msg, 0);
                int sender = peer.get(JAVA_INT, linux_h.HAKO_NL_PID());
                if (sender != 0) {
                    continue; // not the kernel's: never trusted, not even to fail the call
                }
                int flags = msg.get(JAVA_INT, linux_h.HAKO_MSG_FLAGS());
                if ((flags & linux_h.MSG_TRUNC()) != 0) {
                    throw new MalformedMessageException("a netlink datagram larger than the " + buffer.byteSize()
                            + "-byte receive buffer was cut short (MSG_TRUNC)");
                }
                byte[] data = new byte[(int) n];
                MemorySegment.copy(buffer, JAVA_BYTE, 0, data, 0, (int) n);
                return NetlinkMessage.parseAll(data, (int) n);
            }
        }
    }
}
