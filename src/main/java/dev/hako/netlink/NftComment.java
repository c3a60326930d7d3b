package dev.hako.netlink;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A rule's comment as {@code nft} stores it in {@code NFTA_RULE_USERDATA}, which the kernel
 * keeps as opaque bytes: a list of TLVs of one type byte, one length byte and the value,
 * where the comment is type 0 and its value the UTF-8 text with a terminating NUL (the
 * layout of libnftnl's {@code udata.h}, a user-space convention that no kernel header
 * defines, hence the numbers here). Written so, {@code nft list} shows hako's owner tags
 * as ordinary comments.
 */
public final class NftComment {
    /** libnftnl's {@code NFTNL_UDATA_RULE_COMMENT}. */
    static final int COMMENT_TYPE = 0;
    /** libnftnl's {@code NFTNL_UDATA_COMMENT_MAXLEN}: nft refuses longer comments, NUL included. */
    public static final int MAX_BYTES = 128;
    private static final int TLV_HEADER = 2;

    private NftComment() {
    }

    /**
     * The userdata bytes holding {@code comment}.
     *
     * @throws IllegalArgumentException for an empty comment, one with a NUL or a control
     *     character, or one longer than {@link #MAX_BYTES} with its NUL
     */
    public static byte[] encode(String comment) {
        if (comment.isEmpty()) {
            throw new IllegalArgumentException("an empty rule comment");
        }
        for (int i = 0; i < comment.length(); i++) {
            if (Character.isISOControl(comment.charAt(i))) {
                throw new IllegalArgumentException("rule comment contains control character 0x"
                        + Integer.toHexString(comment.charAt(i)) + " at " + i + ": " + comment.replaceAll("\\p{Cntrl}", "?"));
            }
        }
        byte[] text = comment.getBytes(StandardCharsets.UTF_8);
        int length = text.length + 1;
        if (length > MAX_BYTES) {
            throw new IllegalArgumentException("rule comment of " + text.length + " bytes is longer than nft allows ("
                    + (MAX_BYTES - 1) + "): " + comment);
        }
        byte[] out = new byte[TLV_HEADER + length];
        out[0] = (byte) COMMENT_TYPE;
        out[1] = (byte) length;
        System.arraycopy(text, 0, out, TLV_HEADER, text.length);
        return out;
    }

    /**
     * The comment in {@code userdata}, if it holds one. Userdata is whatever the rule's
     * writer put there (any program with CAP_NET_ADMIN), so every TLV's length is checked
     * against what is left, and anything that does not hold together yields no comment
     * rather than an exception: such a rule is simply not one of hako's.
     */
    public static Optional<String> decode(byte[] userdata) {
        int at = 0;
        while (at + TLV_HEADER <= userdata.length) {
            int type = userdata[at] & 0xFF;
            int length = userdata[at + 1] & 0xFF;
            int value = at + TLV_HEADER;
            if (value + length > userdata.length) {
                return Optional.empty();
            }
            if (type == COMMENT_TYPE) {
                if (length == 0 || userdata[value + length - 1] != 0) {
                    return Optional.empty(); // nft always writes the NUL; without it, not nft's layout
                }
                int end = value;
                while (userdata[end] != 0) {
                    end++;
                }
                return Optional.of(new String(userdata, value, end - value, StandardCharsets.UTF_8));
            }
            at = value + length;
        }
        return Optional.empty();
    }
}
