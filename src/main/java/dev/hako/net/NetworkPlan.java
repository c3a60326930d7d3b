package dev.hako.net;

/**
 * What a start does for a container's network, decided once in {@code build()} from the
 * builder's {@code network(...)} and {@code publish(...)}.
 */
public sealed interface NetworkPlan {
    /** Whether the clone makes the container a network namespace of its own. */
    boolean ownNamespace();

    /** The host's network namespace. */
    record Host() implements NetworkPlan {
        @Override
        public boolean ownNamespace() {
            return false;
        }
    }

    /** A namespace of its own with only {@code lo}. */
    record LoopbackOnly() implements NetworkPlan {
        @Override
        public boolean ownNamespace() {
            return true;
        }
    }

    /** The namespace of another running container, which the start is given. */
    record Joined() implements NetworkPlan {
        @Override
        public boolean ownNamespace() {
            return false;
        }
    }
}
