package dev.hako.netlink;

import java.util.Arrays;

/**
 * One encoded netlink message, ready to send, with what its sender waits for and a
 * description that errors name (such as {@code RTM_NEWLINK hako0 (bridge)}). Made by
 * {@link MessageBuilder}; immutable, so a request can be built once and sent many times.
 * The sequence number and port id in its header stay 0 here: {@link NetlinkSocket} writes
 * a fresh sequence number into its own copy at each send.
 */
public final class NetlinkRequest {

    /** What ends the kernel's answer to a request. */
    public enum Completion {
        /** An {@code NLMSG_ERROR} ack (error 0 for success); the request carries {@code NLM_F_ACK}. */
        ACK,
        /** A multipart dump ending in {@code NLMSG_DONE} (or an {@code NLMSG_ERROR}). */
        DUMP,
        /**
         * Nothing is awaited (such as nftables' batch begin and end markers). An error the
         * kernel sends for it anyway is reported if it arrives while the socket is still
         * collecting the other requests' answers of the same send.
         */
        NONE
    }

    private final byte[] bytes;
    private final String description;
    private final Completion completion;

    NetlinkRequest(byte[] bytes, String description, Completion completion) {
        this.bytes = bytes;
        this.description = description;
        this.completion = completion;
    }

    /** The message's bytes: its header, family header and attributes, padded (a copy). */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The encoded length, a multiple of 4. */
    public int length() {
        return bytes.length;
    }

    /** The {@code nlmsg_type}. */
    public int type() {
        return Bytes.u16(bytes, MessageBuilder.TYPE_OFFSET);
    }

    /** The {@code nlmsg_flags}. */
    public int flags() {
        return Bytes.u16(bytes, MessageBuilder.FLAGS_OFFSET);
    }

    /** What the errors about this request call it. */
    public String description() {
        return description;
    }

    /** What ends the kernel's answer. */
    public Completion completion() {
        return completion;
    }

    /** Copies the bytes into {@code target} at {@code offset} (the socket's send buffer). */
    void copyTo(byte[] target, int offset) {
        System.arraycopy(bytes, 0, target, offset, bytes.length);
    }

    @Override
    public String toString() {
        return description + " (" + bytes.length + " bytes: " + Arrays.toString(bytes) + ")";
    }
}
