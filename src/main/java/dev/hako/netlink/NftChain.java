package dev.hako.netlink;

import dev.hako.linux.linux_h;

/**
 * The base chains of hako's table: of type {@code nat}, where published ports are
 * translated (prerouting for traffic arriving from outside, output for the host's own)
 * and where the containers' subnets are masqueraded (postrouting); of type {@code filter},
 * where a bridge's forwarding is kept to the uplinks it was given (forward, policy accept:
 * its rules only drop).
 */
public enum NftChain {
    /** {@code type nat hook prerouting priority dstnat} (-100). */
    PREROUTING("prerouting", linux_h.NF_INET_PRE_ROUTING(), linux_h.NF_IP_PRI_NAT_DST()),
    /** {@code type nat hook output priority -100}: the host's own connections to its addresses. */
    OUTPUT("output", linux_h.NF_INET_LOCAL_OUT(), linux_h.NF_IP_PRI_NAT_DST()),
    /** {@code type nat hook postrouting priority srcnat} (100). */
    POSTROUTING("postrouting", linux_h.NF_INET_POST_ROUTING(), linux_h.NF_IP_PRI_NAT_SRC()),
    /** {@code type filter hook forward priority filter} (0). */
    FORWARD("forward", linux_h.NF_INET_FORWARD(), linux_h.NF_IP_PRI_FILTER(), "filter");

    /** The chain type of the NAT chains. */
    static final String TYPE = "nat";

    private final String chainName;
    private final int hook;
    private final int priority;
    private final String type;

    NftChain(String chainName, int hook, int priority) {
        this(chainName, hook, priority, TYPE);
    }

    NftChain(String chainName, int hook, int priority, String type) {
        this.chainName = chainName;
        this.hook = hook;
        this.priority = priority;
        this.type = type;
    }

    /** {@code nat} or {@code filter}. */
    public String type() {
        return type;
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
        return "type " + type + " hook " + chainName + " priority " + priority;
    }
}
