package dev.hako.netlink;

import dev.hako.linux.linux_h;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The answers to one send, collected by sequence number: each request's replies, its
 * error, whether a dump was interrupted, and whether its end (ack, error, done) has come.
 * Messages whose sequence number belongs to no request of the send, or that arrive after
 * their request's end, are left out: they answer an earlier call that failed half-way.
 */
final class Answers {
    private final List<NetlinkRequest> batch;
    private final int first;
    private final int count;
    private final Map<Integer, Integer> bySequence = new HashMap<>();
    private final List<List<NetlinkMessage>> replies = new ArrayList<>();
    private final NetlinkException[] errors;
    private final boolean[] ended;
    private final boolean[] interrupted;
    private int awaited;

    /**
     * @param batch the requests of the send
     * @param sequences the sequence number each was sent with
     * @param first the place of the send's first request among all the caller's
     * @param count how many requests the caller sent in all
     */
    Answers(List<NetlinkRequest> batch, int[] sequences, int first, int count) {
        this.batch = batch;
        this.first = first;
        this.count = count;
        errors = new NetlinkException[batch.size()];
        ended = new boolean[batch.size()];
        interrupted = new boolean[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            bySequence.put(sequences[i], i);
            replies.add(new ArrayList<>());
            ended[i] = batch.get(i).completion() == NetlinkRequest.Completion.NONE;
            if (!ended[i]) {
                awaited++;
            }
        }
    }

    /** Whether some request still waits for its end. */
    boolean waiting() {
        return awaited > 0;
    }

    /** Files one received message under its request. */
    void accept(NetlinkMessage m) throws MalformedMessageException {
        Integer index = bySequence.get(m.sequence());
        if (index == null) {
            return;
        }
        int i = index;
        NetlinkRequest r = batch.get(i);
        boolean unawaited = r.completion() == NetlinkRequest.Completion.NONE;
        if (ended[i] && !unawaited) {
            return;
        }
        if ((m.flags() & linux_h.NLM_F_DUMP_INTR()) != 0) {
            interrupted[i] = true;
        }
        int type = m.type();
        if (type == linux_h.NLMSG_NOOP()) {
            return;
        }
        if (type == linux_h.NLMSG_OVERRUN()) {
            throw new MalformedMessageException(r.description() + ": the kernel reports an overrun (NLMSG_OVERRUN):"
                    + " answers were lost");
        }
        boolean ends = type == linux_h.NLMSG_ERROR()
                || type == linux_h.NLMSG_DONE() && r.completion() == NetlinkRequest.Completion.DUMP;
        if (!ends) {
            replies.get(i).add(m);
            return;
        }
        KernelAnswer answer = KernelAnswer.parse(m);
        if (answer.errno() != 0) {
            errors[i] = new NetlinkException(r.description(), answer.errno(), answer.message(), answer.attributeOffset(),
                    count > 1 ? first + i : -1, count);
        }
        if (!ended[i]) {
            ended[i] = true;
            awaited--;
        }
    }

    /** Each request's outcome, in the order sent. */
    List<NetlinkSocket.Outcome> outcomes() {
        List<NetlinkSocket.Outcome> outcomes = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            outcomes.add(new NetlinkSocket.Outcome(batch.get(i), List.copyOf(replies.get(i)), errors[i], interrupted[i]));
        }
        return outcomes;
    }
}
