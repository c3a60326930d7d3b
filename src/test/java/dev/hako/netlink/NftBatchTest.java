package dev.hako.netlink;

import dev.hako.linux.linux_h;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

import static dev.hako.netlink.Tlv.be32;
import static dev.hako.netlink.Tlv.be64;
import static dev.hako.netlink.Tlv.concat;
import static dev.hako.netlink.Tlv.nest;
import static dev.hako.netlink.Tlv.string;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Batch framing and hako's messages, byte for byte: a {@code struct nlmsghdr}, then
 * {@code struct nfgenmsg} (family, version NFNETLINK_V0, res_id in network order: the
 * subsystem for the markers, 0 for the messages), then the attributes.
 */
class NftBatchTest {

    private static byte[] header(int length, int type, int flags, int family, int resId) {
        return ByteBuffer.allocate(20).order(ByteOrder.nativeOrder())
                .putInt(length).putShort((short) type).putShort((short) flags).putInt(0).putInt(0)
                .put((byte) family).put((byte) linux_h.NFNETLINK_V0())
                .order(ByteOrder.BIG_ENDIAN).putShort((short) resId).array();
    }

    private static int nft(int type) {
        return linux_h.NFNL_SUBSYS_NFTABLES() << 8 | type;
    }

    private static final int ACKED = linux_h.NLM_F_REQUEST() | linux_h.NLM_F_ACK();

    @Test
    void theFamilyHeaderIsFourBytes() {
        assertEquals(4, linux_h.HAKO_NFGENMSG_SIZE());
        assertEquals(List.of(0, 1, 2), List.of(linux_h.HAKO_NFGEN_FAMILY(), linux_h.HAKO_NFGEN_VERSION(),
                linux_h.HAKO_NFGEN_RES_ID()));
    }

    @Test
    void aBatchIsBeginMessagesEnd() {
        NetlinkRequest table = NftBatch.message(linux_h.NFT_MSG_NEWTABLE(), linux_h.NLM_F_CREATE(), linux_h.NFPROTO_IPV4())
                .attrString(linux_h.NFTA_TABLE_NAME(), "hako").build("table");
        List<NetlinkRequest> framed = new NftBatch().add(table).framed();
        assertEquals(3, framed.size());
        assertArrayEquals(header(20, linux_h.NFNL_MSG_BATCH_BEGIN(), linux_h.NLM_F_REQUEST(), linux_h.AF_UNSPEC(),
                linux_h.NFNL_SUBSYS_NFTABLES()), framed.get(0).bytes());
        assertEquals(NetlinkRequest.Completion.NONE, framed.get(0).completion());
        assertArrayEquals(concat(header(32, nft(linux_h.NFT_MSG_NEWTABLE()), ACKED | linux_h.NLM_F_CREATE(),
                linux_h.NFPROTO_IPV4(), 0), string(linux_h.NFTA_TABLE_NAME(), "hako")), framed.get(1).bytes());
        assertArrayEquals(header(20, linux_h.NFNL_MSG_BATCH_END(), linux_h.NLM_F_REQUEST(), linux_h.AF_UNSPEC(),
                linux_h.NFNL_SUBSYS_NFTABLES()), framed.get(2).bytes());
        assertEquals(NetlinkRequest.Completion.NONE, framed.get(2).completion());
    }

    @Test
    void hakosChainsAreNatBaseChains() {
        byte[] expected = concat(header(0, nft(linux_h.NFT_MSG_NEWCHAIN()), ACKED | linux_h.NLM_F_CREATE(),
                linux_h.NFPROTO_IPV4(), 0),
                string(linux_h.NFTA_CHAIN_TABLE(), "hako"),
                string(linux_h.NFTA_CHAIN_NAME(), "prerouting"),
                nest(linux_h.NFTA_CHAIN_HOOK(), be32(linux_h.NFTA_HOOK_HOOKNUM(), linux_h.NF_INET_PRE_ROUTING()),
                        be32(linux_h.NFTA_HOOK_PRIORITY(), -100)),
                string(linux_h.NFTA_CHAIN_TYPE(), "nat"));
        ByteBuffer.wrap(expected).order(ByteOrder.nativeOrder()).putInt(0, expected.length);
        assertArrayEquals(expected, NfTables.newChain(NftChain.PREROUTING).bytes());
        assertEquals(-100, NftChain.OUTPUT.priority());
        assertEquals(100, NftChain.POSTROUTING.priority());
        assertEquals(linux_h.NF_INET_LOCAL_OUT(), NftChain.OUTPUT.hook());
        assertEquals(linux_h.NF_INET_POST_ROUTING(), NftChain.POSTROUTING.hook());
    }

    @Test
    void aRuleIsAppendedEchoedAndCarriesItsComment() {
        List<NftExpression> expressions = List.of(new NftExpression.Masquerade());
        byte[] expected = concat(header(0, nft(linux_h.NFT_MSG_NEWRULE()),
                ACKED | linux_h.NLM_F_CREATE() | linux_h.NLM_F_APPEND() | linux_h.NLM_F_ECHO(), linux_h.NFPROTO_IPV4(), 0),
                string(linux_h.NFTA_RULE_TABLE(), "hako"),
                string(linux_h.NFTA_RULE_CHAIN(), "postrouting"),
                nest(linux_h.NFTA_RULE_EXPRESSIONS(), NftExpressionTest.encoded(expressions.getFirst())),
                Tlv.attr(linux_h.NFTA_RULE_USERDATA(), Tlv.bytes(0, 4, 'a', ' ', 'b', 0)));
        ByteBuffer.wrap(expected).order(ByteOrder.nativeOrder()).putInt(0, expected.length);
        assertArrayEquals(expected, NfTables.newRule(NftChain.POSTROUTING, expressions, "a b", "masq").bytes());
    }

    @Test
    void aDeleteNamesTableChainAndHandle() {
        byte[] expected = concat(header(0, nft(linux_h.NFT_MSG_DELRULE()), ACKED, linux_h.NFPROTO_IPV4(), 0),
                string(linux_h.NFTA_RULE_TABLE(), "hako"),
                string(linux_h.NFTA_RULE_CHAIN(), "output"),
                be64(linux_h.NFTA_RULE_HANDLE(), 0x1_0000_0002L));
        ByteBuffer.wrap(expected).order(ByteOrder.nativeOrder()).putInt(0, expected.length);
        assertArrayEquals(expected, NfTables.deleteRequest(new NftRule.Handle("output", 0x1_0000_0002L)).bytes());
    }

    @Test
    void aBatchIsBoundedSoThatItGoesOutInOneSend() {
        NftBatch batch = new NftBatch();
        NetlinkRequest delete = NfTables.deleteRequest(new NftRule.Handle("output", 1));
        for (int i = 0; i < NftBatch.MAX_MESSAGES; i++) {
            batch.add(delete);
        }
        assertEquals(false, batch.fits(delete));
        IllegalStateException full = assertThrows(IllegalStateException.class, () -> batch.add(delete));
        assertTrue(full.getMessage().contains("the batch is full"), full.getMessage());
        assertTrue(NftBatch.MAX_MESSAGES + 2 <= NetlinkSocket.MAX_PIPELINE);
        int bytes = batch.framed().stream().mapToInt(NetlinkRequest::length).sum();
        assertTrue(bytes <= NetlinkSocket.MAX_SEND, bytes + " bytes");
        // an unacknowledged message could not have its failure reported
        assertThrows(IllegalArgumentException.class, () -> new NftBatch().add(NftBatch.marker(linux_h.NFNL_MSG_BATCH_END())));
    }

    @Test
    void ruleMessagesCanBeReadBack() throws Exception {
        // a rule as the kernel lists it: table, chain, handle, userdata
        byte[] message = concat(header(0, nft(linux_h.NFT_MSG_NEWRULE()), linux_h.NLM_F_MULTI(), linux_h.NFPROTO_IPV4(), 0),
                string(linux_h.NFTA_RULE_TABLE(), "hako"),
                string(linux_h.NFTA_RULE_CHAIN(), "prerouting"),
                be64(linux_h.NFTA_RULE_HANDLE(), 42),
                Tlv.attr(linux_h.NFTA_RULE_USERDATA(), NftComment.encode("hako container=a pid=1 start=2")));
        ByteBuffer.wrap(message).order(ByteOrder.nativeOrder()).putInt(0, message.length);
        NftRule rule = NfTables.parseRule(NetlinkMessage.parseAll(message, message.length).getFirst());
        assertEquals(new NftRule("prerouting", 42, java.util.Optional.of("hako container=a pid=1 start=2")), rule);
        assertEquals(java.util.Optional.of(new NftOwner("a", 1, 2)), rule.owner());
        // another table's rule is not hako's; a rule without handle is malformed
        byte[] other = Arrays.copyOf(message, message.length);
        other[24] = 'x';
        assertEquals(null, NfTables.parseRule(NetlinkMessage.parseAll(other, other.length).getFirst()));
        byte[] noHandle = concat(header(0, nft(linux_h.NFT_MSG_NEWRULE()), 0, linux_h.NFPROTO_IPV4(), 0),
                string(linux_h.NFTA_RULE_TABLE(), "hako"), string(linux_h.NFTA_RULE_CHAIN(), "output"));
        ByteBuffer.wrap(noHandle).order(ByteOrder.nativeOrder()).putInt(0, noHandle.length);
        assertThrows(MalformedMessageException.class,
                () -> NfTables.parseRule(NetlinkMessage.parseAll(noHandle, noHandle.length).getFirst()));
    }
}
