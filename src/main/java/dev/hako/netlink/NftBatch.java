package dev.hako.netlink;

import dev.hako.linux.linux_h;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One nftables transaction: {@code NFNL_MSG_BATCH_BEGIN}, the {@code NFT_MSG_*} messages,
 * {@code NFNL_MSG_BATCH_END}, sent in one {@code sendmsg} (the kernel takes a batch only
 * whole, from one datagram). The kernel applies all of it or, when one message fails,
 * none; every message asks for an ack, so each failure comes back with the message it
 * belongs to and the kernel's extended-ack text.
 *
 * <p>A batch holds at most {@link #MAX_MESSAGES} messages, so that all their acks fit
 * one send of {@link NetlinkSocket}; larger work is several batches.
 */
public final class NftBatch {
    /** The most messages one batch may hold: one send's pipeline, less the two markers and a margin. */
    public static final int MAX_MESSAGES = NetlinkSocket.MAX_PIPELINE - 4;
    /** The bytes one batch may hold with its markers. */
    static final int MAX_BYTES = NetlinkSocket.MAX_SEND;

    private final List<NetlinkRequest> messages = new ArrayList<>();
    private int bytes = 2 * marker(linux_h.NFNL_MSG_BATCH_BEGIN()).length();

    /** An {@code NFT_MSG_*} message of {@code family} ({@code NFPROTO_IPV4} for table ip), acknowledged. */
    public static MessageBuilder message(int nftType, int flags, int family) {
        MessageBuilder m = MessageBuilder.request(type(nftType), flags, linux_h.HAKO_NFGENMSG_SIZE());
        return familyHeader(m, family, 0);
    }

    /** A dump request of {@code NFT_MSG_GET*} for {@code family}. */
    public static MessageBuilder dump(int nftType, int family) {
        return familyHeader(MessageBuilder.dump(type(nftType), linux_h.HAKO_NFGENMSG_SIZE()), family, 0);
    }

    /** The netlink type of an nf_tables message: the subsystem in the high byte. */
    static int type(int nftType) {
        return linux_h.NFNL_SUBSYS_NFTABLES() << 8 | nftType;
    }

    /** A batch marker: family unspecified, {@code res_id} the subsystem in network order; not acknowledged. */
    static NetlinkRequest marker(int type) {
        MessageBuilder m = MessageBuilder.unacknowledged(type, linux_h.NLM_F_REQUEST(), linux_h.HAKO_NFGENMSG_SIZE());
        return familyHeader(m, linux_h.AF_UNSPEC(), linux_h.NFNL_SUBSYS_NFTABLES())
                .build(type == linux_h.NFNL_MSG_BATCH_BEGIN() ? "NFNL_MSG_BATCH_BEGIN" : "NFNL_MSG_BATCH_END");
    }

    private static MessageBuilder familyHeader(MessageBuilder m, int family, int resId) {
        m.headerU8(linux_h.HAKO_NFGEN_FAMILY(), family);
        m.headerU8(linux_h.HAKO_NFGEN_VERSION(), linux_h.NFNETLINK_V0());
        m.headerBe16(linux_h.HAKO_NFGEN_RES_ID(), resId);
        return m;
    }

    /**
     * Adds an acknowledged {@code NFT_MSG_*} message.
     *
     * @throws IllegalStateException when the batch is full ({@link #fits})
     */
    public NftBatch add(NetlinkRequest message) {
        if (message.completion() != NetlinkRequest.Completion.ACK) {
            throw new IllegalArgumentException(message.description() + " is not an acknowledged request");
        }
        if (!fits(message)) {
            throw new IllegalStateException("the batch is full (" + messages.size() + " messages, " + bytes
                    + " bytes): " + message.description() + " belongs in the next one");
        }
        messages.add(message);
        bytes += message.length();
        return this;
    }

    /** Whether {@code message} fits the batch. */
    public boolean fits(NetlinkRequest message) {
        return messages.size() < MAX_MESSAGES && bytes + message.length() <= MAX_BYTES;
    }

    /** How many messages the batch holds (markers not counted). */
    public int size() {
        return messages.size();
    }

    /** The messages with their markers, in the order they are sent. */
    public List<NetlinkRequest> framed() {
        List<NetlinkRequest> all = new ArrayList<>(messages.size() + 2);
        all.add(marker(linux_h.NFNL_MSG_BATCH_BEGIN()));
        all.addAll(messages);
        all.add(marker(linux_h.NFNL_MSG_BATCH_END()));
        return all;
    }

    /**
     * Sends the batch and returns each message's outcome (its replies, such as the rule a
     * {@code NLM_F_ECHO} brings back), in the order added.
     *
     * @throws NetlinkException for the first message the kernel refused (then nothing of
     *     the batch was applied), the others it refused suppressed
     */
    public List<NetlinkSocket.Outcome> send(NetlinkSocket socket) throws IOException {
        if (messages.isEmpty()) {
            return List.of();
        }
        List<NetlinkSocket.Outcome> outcomes = socket.executeAll(framed());
        if (outcomes.size() != messages.size() + 2) {
            throw new IllegalStateException("a batch of " + messages.size() + " messages got " + outcomes.size()
                    + " outcomes");
        }
        NetlinkException first = null;
        for (NetlinkSocket.Outcome o : outcomes) {
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
        return outcomes.subList(1, outcomes.size() - 1);
    }
}
