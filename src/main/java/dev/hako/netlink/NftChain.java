package dev.hako.netlink;

import dev.hako.linux.linux_h;

/**
 * The base chains of hako's table, all of type {@code nat}: where published ports are
 * translated (prerouting for traffic arriving from outside, output for the host's own)
 * and where the containers' subnets are masqueraded (postrouting).
 */
public enum NftChain {
    /** {@code type nat hook prerouting priority dstnat} (-100). */
    PREROUTING("prerouting", linux_h.NF_INET_PRE_ROUTING(), linux_h.NF_IP_PRI_NAT_DST()),
    /** {@code type nat hook output priority -100}: the host's own connections to its addresses. */
    OUTPUT("output", linux_h.NF_INET_LOCAL_OUT(), linux_h.NF_IP_PRI_NAT_DST()),
    /** {@code type nat hook postrouting priority srcnat} (100). */
    POSTROUTING("postrouting", linux_h.NF_INET_POST_ROUTING(), linux_h.NF_IP_PRI_NAT_SRC());

    /** The chain type of every hako chain. */
    static final String TYPE = "nat";

    private final String chainName;
    private final int hook;
    private final int priority;

    NftChain(String chainName, int hook, int priority) {
        this.chainName = chainName;
        this.hook = hook;
        this.priority = priority;
    }

    /** The chain's name in the table ({@code prerouting}, ...). */
    public String chainName() {
        return chainName;
    }

    /** The netfilter hook ({@code NF_INET_*}). */
    public int hook() {
        return hook;
    }

    /** The hook priority. */
    public int priority() {
        return priority;
    }

    /** How nft would write the chain's declaration. */
    public String declaration() {
        return "type " + TYPE + " hook " + chainName + " priority " + priority;
    }
}
