package io.vexfs.pool;

/**
 * The size classes of the pool. A request is served by the smallest tier whose slot holds it;
 * a request larger than {@link #LARGE} has no tier and is always served outside the pool.
 *
 * <p>The pool's capacity is split by bytes in a fixed ratio of 1 : 3 : 4 (eighths): small
 * slots are cheap and numerous anyway, while 4 KiB (FUSE pages, query files) and 16 KiB (the
 * write-staging page) carry the bulk of the traffic.
 */
public enum Tier {
    SMALL(1 << 10, 1),
    MEDIUM(4 << 10, 3),
    LARGE(16 << 10, 4);

    private static final int SHARE_DENOMINATOR = 8;
    private static final Tier[] ALL = values();

    private final int slotSize;
    private final int shareEighths;

    Tier(int slotSize, int shareEighths) {
        this.slotSize = slotSize;
        this.shareEighths = shareEighths;
    }

    /** Bytes in one slot of this tier: the capacity of every buffer it serves. */
    public int slotSize() {
        return slotSize;
    }

    /** How many slots this tier gets out of a pool of {@code capacity} bytes. */
    public long slotsFor(long capacity) {
        return capacity / SHARE_DENOMINATOR * shareEighths / slotSize;
    }

    /** The tier serving a request of {@code size} bytes, or null when it is larger than every slot. */
    static Tier forSize(long size) {
        for (Tier tier : ALL) {
            if (size <= tier.slotSize) {
                return tier;
            }
        }
        return null;
    }
}
