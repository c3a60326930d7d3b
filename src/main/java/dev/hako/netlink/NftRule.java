package dev.hako.netlink;

import java.util.Optional;

/**
 * A rule of hako's table as the kernel lists it: the chain it is in, its handle (unique in
 * the table, never reused while the table exists) and its comment.
 */
public record NftRule(String chain, long handle, Optional<String> comment) {

    public NftRule {
        if (chain == null || comment == null) {
            throw new IllegalArgumentException("a rule needs a chain and an (optional) comment");
        }
    }

    /** The owner the comment names, when it is one of hako's owner tags. */
    public Optional<NftOwner> owner() {
        return comment.flatMap(NftOwner::parse);
    }

    /** What deletes this rule. */
    public Handle toHandle() {
        return new Handle(chain, handle);
    }

    /** Where a rule is: its chain and handle, all {@link NfTables#deleteRule} needs. */
    public record Handle(String chain, long handle) {
        public Handle {
            if (chain == null || chain.isEmpty()) {
                throw new IllegalArgumentException("a rule handle needs its chain");
            }
            if (handle <= 0) {
                throw new IllegalArgumentException("rule handle " + handle + " of chain " + chain + " is not positive");
            }
        }

        @Override
        public String toString() {
            return chain + " handle " + handle;
        }
    }
}
