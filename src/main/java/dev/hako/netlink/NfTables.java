package dev.hako.netlink;

import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * hako's nftables client: one table of its own, {@code table ip hako}, with three nat base
 * chains ({@link NftChain}), and the rules that publish container ports and masquerade
 * container subnets, each tagged with its owner ({@link NftOwner}) so that the rules of a
 * JVM that died without cleaning up can be swept later. Nothing outside that table is ever
 * read or changed.
 *
 * <p>Every change is an nftables batch ({@link NftBatch}): applied whole or not at all.
 * Adding rules creates the table and chains in the same batch when they are missing
 * ({@code NLM_F_CREATE} without {@code NLM_F_EXCL}: the kernel takes an existing identical
 * table or chain as it is), so JVMs that race to set up the table never fail one another,
 * and the kernel serializes their batches.
 *
 * <p>One instance holds one netlink socket of one network namespace; calls may come from
 * any thread (the socket serializes them). {@link #close()} closes the socket and leaves
 * the rules in place: they belong to their owners, not to this object.
 */
public final class NfTables implements AutoCloseable {
    /** hako's table, of family {@code ip}. */
    public static final String TABLE = "hako";
    private static final int FAMILY = linux_h.NFPROTO_IPV4();
    private static final int MAX_SWEEP_ROUNDS = 5;

    private final NetlinkSocket socket;

    private NfTables(NetlinkSocket socket) {
        this.socket = socket;
    }

    /**
     * Opens a client in the calling thread's network namespace and checks that the kernel
     * has nf_tables.
     *
     * @throws NfTablesUnavailableException when the kernel lacks nfnetlink or nf_tables
     */
    public static NfTables open() throws IOException {
        return checked(openSocket(null));
    }

    /** Like {@link #open()}, in the network namespace {@code netnsFd} names. */
    public static NfTables openIn(int netnsFd) throws IOException {
        return checked(openSocket(netnsFd));
    }

    private static NetlinkSocket openSocket(Integer netnsFd) throws IOException {
        try {
            return netnsFd == null ? NetlinkSocket.open(linux_h.NETLINK_NETFILTER())
                    : NetlinkSocket.openIn(netnsFd, linux_h.NETLINK_NETFILTER());
        } catch (SyscallException e) {
            if (e.errno() == linux_h.EPROTONOSUPPORT()) {
                throw new NfTablesUnavailableException("the kernel has no nfnetlink (NETLINK_NETFILTER: "
                        + "CONFIG_NETFILTER_NETLINK, module nfnetlink), which hako's port publishing and masquerading"
                        + " need: " + e.getMessage(), e);
            }
            throw e;
        }
    }

    private static NfTables checked(NetlinkSocket socket) throws IOException {
        try {
            probe(socket, linux_h.NFNL_SUBSYS_NFTABLES());
            return new NfTables(socket);
        } catch (IOException | RuntimeException | Error e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Asks subsystem {@code subsystem} for its generation ({@code NFT_MSG_GETGEN}), outside
     * any batch: a kernel without the subsystem answers this with an error, where it would
     * drop a whole batch and answer only its begin marker.
     */
    static void probe(NetlinkSocket socket, int subsystem) throws IOException {
        MessageBuilder m = MessageBuilder.request(subsystem << 8 | linux_h.NFT_MSG_GETGEN(), 0,
                linux_h.HAKO_NFGENMSG_SIZE());
        m.headerU8(linux_h.HAKO_NFGEN_FAMILY(), linux_h.AF_UNSPEC());
        m.headerU8(linux_h.HAKO_NFGEN_VERSION(), linux_h.NFNETLINK_V0());
        try {
            socket.request(m.build("NFT_MSG_GETGEN (is nf_tables there?)"));
        } catch (NetlinkException e) {
            int errno = e.errno();
            if (errno == linux_h.EPERM()) {
                throw new IOException("nftables needs CAP_NET_ADMIN in the network namespace's user namespace: "
                        + e.getMessage(), e);
            }
            if (errno == linux_h.EINVAL() || errno == linux_h.EOPNOTSUPP() || errno == linux_h.ENOENT()
                    || errno == linux_h.EPROTONOSUPPORT()) {
                throw new NfTablesUnavailableException("the kernel has no nf_tables (CONFIG_NF_TABLES, module nf_tables),"
                        + " which hako's port publishing and masquerading need: " + e.getMessage(), e);
            }
            throw e;
        }
    }

    /** Creates hako's table and its three chains where missing; does nothing when they are there. */
    public void ensureTable() throws IOException {
        NftBatch batch = new NftBatch();
        addTableAndChains(batch);
        run(batch);
    }

    /**
     * Publishes {@code port}: its dnat rule in prerouting (traffic from outside) and in
     * output (the host's own connections to one of its non-loopback addresses), added
     * together with the table and chains if missing, in one batch.
     *
     * @return the two rules' handles, prerouting first, to delete at the container's end
     */
    public List<NftRule.Handle> addPublishedPort(NftOwner owner, PublishedPort port) throws IOException {
        List<NftExpression> rule = NftRules.publishedPort(port);
        return addRules(owner, List.of(new NewRule(NftChain.PREROUTING, rule, port.toString()),
                new NewRule(NftChain.OUTPUT, rule, port.toString())));
    }

    /**
     * The DNAT rules of {@code port} for connections arriving by {@code ingress} (the
     * prerouting chain, one rule per interface), to add with others in one batch
     * ({@link #addRules}): only where the host forwards for them, since a DNAT'd packet is
     * forwarded to the container, and one the host does not forward is dropped.
     */
    public static List<NewRule> publishedPortVia(PublishedPort port, List<String> ingress) {
        List<NewRule> rules = new ArrayList<>();
        for (String i : ingress) {
            List<NftExpression> rule = new ArrayList<>(NftRules.arrivingBy(i));
            rule.addAll(NftRules.publishedPort(port));
            rules.add(new NewRule(NftChain.PREROUTING, rule, port + " arriving by " + i));
        }
        return rules;
    }

    /**
     * Masquerades {@code subnet}: what its containers send out by any interface but
     * {@code bridge} leaves with the address of that interface.
     *
     * @return the rule's handle
     */
    public NftRule.Handle addMasquerade(NftOwner owner, Ipv4Prefix subnet, String bridge) throws IOException {
        return addRule(NftChain.POSTROUTING, NftRules.masquerade(subnet, bridge), owner.comment(),
                "masquerade " + subnet + " not via " + bridge);
    }

    /**
     * The rules of a container on {@code bridge} that reaches beyond the host through
     * {@code uplinks} only, to add with others in one batch ({@link #addRules}): its traffic
     * masqueraded as it leaves by one of them, accepted in the forward chain towards them,
     * and dropped towards anything else.
     */
    public static List<NewRule> outboundVia(Ipv4Prefix source, String bridge, List<String> uplinks) {
        List<NewRule> rules = new ArrayList<>();
        for (String uplink : uplinks) {
            rules.add(new NewRule(NftChain.POSTROUTING, NftRules.masqueradeVia(source, uplink),
                    "masquerade " + source + " via " + uplink));
            rules.add(new NewRule(NftChain.FORWARD, NftRules.forwardFrom(bridge, source, uplink),
                    "forward " + source + " from " + bridge + " to " + uplink));
        }
        rules.add(new NewRule(NftChain.FORWARD, NftRules.forwardFrom(bridge, source, null),
                "drop what else " + source + " would have forwarded from " + bridge));
        return rules;
    }

    /** A rule to add: its chain, its expressions, and what it does, for messages. */
    public record NewRule(NftChain chain, List<NftExpression> expressions, String what) {
        public NewRule {
            expressions = List.copyOf(expressions);
        }
    }

    /**
     * Adds {@code rules}, all tagged with {@code owner}, in one batch with the table and its
     * chains (a batch is one transaction: all or none); only rules more than a batch holds
     * go in several, and then those added before a failing one are deleted again.
     *
     * @return the rules' handles, in order, from the kernel's echo
     */
    public List<NftRule.Handle> addRules(NftOwner owner, List<NewRule> rules) throws IOException {
        return addRules(owner.comment(), rules);
    }

    private List<NftRule.Handle> addRules(String comment, List<NewRule> rules) throws IOException {
        List<NftRule.Handle> handles = new ArrayList<>();
        try {
            for (int from = 0; from < rules.size(); ) {
                NftBatch batch = new NftBatch();
                addTableAndChains(batch);
                int first = batch.size();
                int to = from;
                while (to < rules.size()) {
                    NewRule r = rules.get(to);
                    NetlinkRequest request = newRule(r.chain(), r.expressions(), comment, r.what());
                    if (to > from && !batch.fits(request)) {
                        break;
                    }
                    batch.add(request);
                    to++;
                }
                List<NetlinkSocket.Outcome> outcomes = run(batch);
                for (int i = from; i < to; i++) {
                    handles.add(echoedHandle(outcomes.get(first + i - from), rules.get(i).chain()));
                }
                from = to;
            }
            return handles;
        } catch (IOException | RuntimeException e) {
            if (!handles.isEmpty()) {
                try {
                    deleteRules(handles);
                } catch (IOException | RuntimeException x) {
                    e.addSuppressed(x);
                }
            }
            throw e;
        }
    }

    /**
     * Appends a rule of {@code expressions} to {@code chain} (the table and its chains made
     * if missing), with {@code comment} as its userdata.
     *
     * @param what what the rule does, for error messages
     * @return the rule's handle, from the kernel's echo
     */
    public NftRule.Handle addRule(NftChain chain, List<NftExpression> expressions, String comment, String what)
            throws IOException {
        return addRules(comment, List.of(new NewRule(chain, expressions, what))).getFirst();
    }

    /** The rules of one of hako's chains, in order; empty when the chain or table does not exist. */
    public List<NftRule> listRules(NftChain chain) throws IOException {
        return list(Optional.of(chain.chainName()));
    }

    /** The rules of every chain of hako's table. */
    public List<NftRule> listRules() throws IOException {
        return list(Optional.empty());
    }

    private List<NftRule> list(Optional<String> chain) throws IOException {
        MessageBuilder m = NftBatch.dump(linux_h.NFT_MSG_GETRULE(), FAMILY);
        m.attrString(linux_h.NFTA_RULE_TABLE(), TABLE);
        chain.ifPresent(c -> m.attrString(linux_h.NFTA_RULE_CHAIN(), c));
        List<NetlinkMessage> replies;
        try {
            replies = socket.dump(m.build("NFT_MSG_GETRULE ip " + TABLE + chain.map(c -> " " + c).orElse("")));
        } catch (NetlinkException e) {
            if (e.errno() == linux_h.ENOENT()) {
                return List.of(); // the table (or chain) is not there: it holds no rules
            }
            throw e;
        }
        List<NftRule> rules = new ArrayList<>();
        for (NetlinkMessage reply : replies) {
            if (reply.type() != NftBatch.type(linux_h.NFT_MSG_NEWRULE())) {
                continue;
            }
            NftRule rule = parseRule(reply);
            if (rule != null && chain.map(rule.chain()::equals).orElse(true)) {
                rules.add(rule);
            }
        }
        return List.copyOf(rules);
    }

    /** A rule message of hako's table, or null for one of another table (a kernel ignoring the filter). */
    static NftRule parseRule(NetlinkMessage reply) throws MalformedMessageException {
        Attributes a = reply.attributes(linux_h.HAKO_NFGENMSG_SIZE());
        String table = a.string(linux_h.NFTA_RULE_TABLE()).orElse("");
        if (!table.equals(TABLE)) {
            return null;
        }
        String chain = a.string(linux_h.NFTA_RULE_CHAIN()).orElseThrow(
                () -> new MalformedMessageException("NFT_MSG_NEWRULE of table " + TABLE + " without NFTA_RULE_CHAIN"));
        Attribute handle = a.get(linux_h.NFTA_RULE_HANDLE()).orElseThrow(
                () -> new MalformedMessageException("NFT_MSG_NEWRULE of chain " + chain + " without NFTA_RULE_HANDLE"));
        Optional<String> comment = a.get(linux_h.NFTA_RULE_USERDATA()).flatMap(u -> NftComment.decode(u.bytes()));
        long h = handle.be64();
        if (h <= 0) {
            throw new MalformedMessageException("NFT_MSG_NEWRULE of chain " + chain + " with handle " + h);
        }
        return new NftRule(chain, h, comment);
    }

    /**
     * Deletes one rule.
     *
     * @return false when it was gone already (deleted by a sweep, or with its table)
     */
    public boolean deleteRule(NftRule.Handle handle) throws IOException {
        NftBatch batch = new NftBatch().add(deleteRequest(handle));
        try {
            run(batch);
            return true;
        } catch (NetlinkException e) {
            if (e.errno() == linux_h.ENOENT()) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Deletes rules, as few batches as they fit; rules gone already are skipped (a batch
     * with one of them fails whole, and is then redone rule by rule).
     *
     * @return how many rules this call deleted
     */
    public int deleteRules(Collection<NftRule.Handle> handles) throws IOException {
        List<NftRule.Handle> pending = new ArrayList<>(handles);
        int deleted = 0;
        int from = 0;
        while (from < pending.size()) {
            NftBatch batch = new NftBatch();
            int to = from;
            while (to < pending.size() && batch.fits(deleteRequest(pending.get(to)))) {
                batch.add(deleteRequest(pending.get(to)));
                to++;
            }
            try {
                run(batch);
                deleted += to - from;
            } catch (NetlinkException e) {
                if (e.errno() != linux_h.ENOENT()) {
                    throw e;
                }
                for (NftRule.Handle h : pending.subList(from, to)) {
                    if (deleteRule(h)) {
                        deleted++;
                    }
                }
            }
            from = to;
        }
        return deleted;
    }

    /**
     * Deletes every rule of hako's table whose owner no longer runs (its pid is gone, or
     * belongs to a process that started at another time). Rules without an owner tag are
     * left alone: hako did not write them.
     *
     * @return the rules deleted
     */
    public List<NftRule> sweep() throws IOException {
        Map<NftOwner, Boolean> alive = new HashMap<>();
        List<NftRule> swept = new ArrayList<>();
        for (int round = 0; round < MAX_SWEEP_ROUNDS; round++) {
            List<NftRule> dead = new ArrayList<>();
            for (NftRule rule : listRules()) {
                Optional<NftOwner> owner = rule.owner();
                if (owner.isPresent() && !isAlive(alive, owner.get())) {
                    dead.add(rule);
                }
            }
            if (dead.isEmpty()) {
                return List.copyOf(swept);
            }
            deleteRules(dead.stream().map(NftRule::toHandle).toList());
            swept.addAll(dead);
        }
        return List.copyOf(swept); // another sweeper or a dying owner kept adding: the next sweep goes on
    }

    private static boolean isAlive(Map<NftOwner, Boolean> cache, NftOwner owner) throws IOException {
        Boolean known = cache.get(owner);
        if (known == null) {
            known = owner.isAlive();
            cache.put(owner, known);
        }
        return known;
    }

    /** Deletes hako's whole table with its chains and rules (uninstall); false when there was none. */
    public boolean deleteTable() throws IOException {
        MessageBuilder m = NftBatch.message(linux_h.NFT_MSG_DELTABLE(), 0, FAMILY);
        m.attrString(linux_h.NFTA_TABLE_NAME(), TABLE);
        try {
            run(new NftBatch().add(m.build("NFT_MSG_DELTABLE ip " + TABLE)));
            return true;
        } catch (NetlinkException e) {
            if (e.errno() == linux_h.ENOENT()) {
                return false;
            }
            throw e;
        }
    }

    /** The table and all its chains, so that hako's table always has its whole shape. */
    private static void addTableAndChains(NftBatch batch) {
        MessageBuilder table = NftBatch.message(linux_h.NFT_MSG_NEWTABLE(), linux_h.NLM_F_CREATE(), FAMILY);
        table.attrString(linux_h.NFTA_TABLE_NAME(), TABLE);
        batch.add(table.build("NFT_MSG_NEWTABLE ip " + TABLE));
        for (NftChain chain : NftChain.values()) {
            batch.add(newChain(chain));
        }
    }

    static NetlinkRequest newChain(NftChain chain) {
        MessageBuilder m = NftBatch.message(linux_h.NFT_MSG_NEWCHAIN(), linux_h.NLM_F_CREATE(), FAMILY);
        m.attrString(linux_h.NFTA_CHAIN_TABLE(), TABLE);
        m.attrString(linux_h.NFTA_CHAIN_NAME(), chain.chainName());
        int hook = m.beginNested(NftExpression.nested(linux_h.NFTA_CHAIN_HOOK()));
        m.attrBe32(linux_h.NFTA_HOOK_HOOKNUM(), chain.hook());
        m.attrBe32(linux_h.NFTA_HOOK_PRIORITY(), chain.priority());
        m.endNested(hook);
        m.attrString(linux_h.NFTA_CHAIN_TYPE(), chain.type());
        return m.build("NFT_MSG_NEWCHAIN ip " + TABLE + " " + chain.chainName() + " (" + chain.declaration() + ")");
    }

    static NetlinkRequest newRule(NftChain chain, List<NftExpression> expressions, String comment, String what) {
        byte[] userdata = NftComment.encode(comment);
        if (expressions.isEmpty()) {
            throw new IllegalArgumentException("a rule without expressions: " + what);
        }
        MessageBuilder m = NftBatch.message(linux_h.NFT_MSG_NEWRULE(),
                linux_h.NLM_F_CREATE() | linux_h.NLM_F_APPEND() | linux_h.NLM_F_ECHO(), FAMILY);
        m.attrString(linux_h.NFTA_RULE_TABLE(), TABLE);
        m.attrString(linux_h.NFTA_RULE_CHAIN(), chain.chainName());
        int list = m.beginNested(NftExpression.nested(linux_h.NFTA_RULE_EXPRESSIONS()));
        for (NftExpression e : expressions) {
            e.encode(m);
        }
        m.endNested(list);
        m.attr(linux_h.NFTA_RULE_USERDATA(), userdata);
        return m.build("NFT_MSG_NEWRULE ip " + TABLE + " " + chain.chainName() + ": " + what + " (" + comment + ")");
    }

    static NetlinkRequest deleteRequest(NftRule.Handle handle) {
        MessageBuilder m = NftBatch.message(linux_h.NFT_MSG_DELRULE(), 0, FAMILY);
        m.attrString(linux_h.NFTA_RULE_TABLE(), TABLE);
        m.attrString(linux_h.NFTA_RULE_CHAIN(), handle.chain());
        m.attrBe64(linux_h.NFTA_RULE_HANDLE(), handle.handle());
        return m.build("NFT_MSG_DELRULE ip " + TABLE + " " + handle);
    }

    /** The handle the kernel's echo of an added rule carries. */
    private static NftRule.Handle echoedHandle(NetlinkSocket.Outcome outcome, NftChain chain) throws IOException {
        for (NetlinkMessage reply : outcome.replies()) {
            if (reply.type() == NftBatch.type(linux_h.NFT_MSG_NEWRULE())) {
                NftRule rule = parseRule(reply);
                if (rule != null && rule.chain().equals(chain.chainName())) {
                    return rule.toHandle();
                }
            }
        }
        throw new MalformedMessageException(outcome.request().description()
                + ": the kernel acknowledged the rule but echoed no NFT_MSG_NEWRULE with its handle");
    }

    /** Sends a batch, and says which part of nftables is missing or in the way when the kernel refuses it. */
    private List<NetlinkSocket.Outcome> run(NftBatch batch) throws IOException {
        try {
            return batch.send(socket);
        } catch (NetlinkException e) {
            throw explain(e, batch.framed());
        }
    }

    private static IOException explain(NetlinkException e, List<NetlinkRequest> framed) {
        if (e.index() < 0 || e.index() >= framed.size()) {
            return e;
        }
        int type = framed.get(e.index()).type();
        int errno = e.errno();
        if (errno == linux_h.EPERM()) {
            return new IOException("nftables needs CAP_NET_ADMIN in the network namespace's user namespace: "
                    + e.getMessage(), e);
        }
        if (type == NftBatch.type(linux_h.NFT_MSG_NEWCHAIN()) && errno == linux_h.ENOENT()) {
            return new NfTablesUnavailableException("the kernel has no nat chain type for nftables (CONFIG_NFT_NAT,"
                    + " module nft_chain_nat): " + e.getMessage(), e);
        }
        if (type == NftBatch.type(linux_h.NFT_MSG_NEWCHAIN())
                && (errno == linux_h.EEXIST() || errno == linux_h.EOPNOTSUPP() || errno == linux_h.EBUSY())) {
            return new IOException("a chain of table ip " + TABLE + " exists but is not the one hako makes; nothing was"
                    + " changed. Delete hako's table ('nft delete table ip " + TABLE + "') and let hako make it again: "
                    + e.getMessage(), e);
        }
        if (type == NftBatch.type(linux_h.NFT_MSG_NEWRULE())
                && (errno == linux_h.ENOENT() || errno == linux_h.EOPNOTSUPP())) {
            return new NfTablesUnavailableException("the kernel lacks an nftables expression of this rule (modules"
                    + " nft_nat, nft_masq, nft_fib_ipv4; CONFIG_NFT_NAT, CONFIG_NFT_MASQ, CONFIG_NFT_FIB_IPV4): "
                    + e.getMessage(), e);
        }
        return e;
    }

    /** Closes the netlink socket; the rules stay. */
    @Override
    public void close() {
        socket.close();
    }
}
