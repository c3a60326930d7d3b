package dev.hako;

/**
 * One line of a user namespace's uid or gid map: the {@code count} ids from
 * {@code containerId} inside the container are the {@code count} ids from {@code hostId}
 * outside, as {@code /proc/PID/uid_map} writes it ({@code containerId hostId count}).
 *
 * @param containerId the first id inside
 * @param hostId the first id outside
 * @param count how many ids, at least 1
 */
public record IdMapping(long containerId, long hostId, long count) {
    /** The largest valid id: {@code (uid_t) -1} is no id. */
    public static final long MAX_ID = 0xFFFF_FFFEL;

    /**
     * @throws IllegalArgumentException for a negative id, a count below 1, or a range that
     *     runs past {@link #MAX_ID} on either side
     */
    public IdMapping {
        if (containerId < 0 || hostId < 0) {
            throw new IllegalArgumentException("id mapping " + containerId + " " + hostId + " " + count
                    + ": ids are 0 or more");
        }
        if (count < 1) {
            throw new IllegalArgumentException("id mapping " + containerId + " " + hostId + " " + count
                    + ": the count must be at least 1");
        }
        if (containerId + count - 1 > MAX_ID || hostId + count - 1 > MAX_ID) {
            throw new IllegalArgumentException("id mapping " + containerId + " " + hostId + " " + count
                    + ": runs past the largest id, " + MAX_ID);
        }
    }

    /** The same as the constructor: {@code count} ids from {@code containerId} inside are those from {@code hostId} outside. */
    public static IdMapping of(long containerId, long hostId, long count) {
        return new IdMapping(containerId, hostId, count);
    }

    /** Whether {@code id} inside the container is in this range. */
    public boolean mapsContainerId(long id) {
        return id >= containerId && id < containerId + count;
    }

    /** The host id of container id {@code id}; {@code -1} when this range does not map it. */
    public long hostIdOf(long id) {
        return mapsContainerId(id) ? hostId + (id - containerId) : -1;
    }

    /** The line as the kernel reads it: {@code "containerId hostId count"}. */
    public String line() {
        return containerId + " " + hostId + " " + count;
    }
}
