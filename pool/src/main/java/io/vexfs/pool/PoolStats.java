package io.vexfs.pool;

import java.util.List;

/**
 * The pool's counters at the moment of a {@link BufferPool#stats()} call. Counters are exact
 * when the pool is quiescent; under concurrent use each is a recent value of its own.
 *
 * @param pooling whether acquisitions are currently served from the slabs
 * @param capacityBytes bytes of slab memory carved into slots (the configured capacity rounded down to whole slots)
 * @param tiers one entry per {@link Tier}, in tier order
 * @param oversizeMisses requests larger than every tier, all served outside the pool
 * @param pooledBytesInUse slot bytes held by live buffers
 * @param outsideBytesInUse bytes of live buffers allocated outside the pool
 * @param requestedBytesInUse sum of the sizes asked for by live buffers
 * @param highWaterBytes the most bytes held by live buffers at once, in and outside the pool; exact for one
 *                       thread, within 256 KiB per thread otherwise
 * @param leaksDetected buffers found unreachable without release since the pool was built
 */
public record PoolStats(boolean pooling, long capacityBytes, List<TierStats> tiers, long oversizeMisses,
                        long pooledBytesInUse, long outsideBytesInUse,
                        long requestedBytesInUse, long highWaterBytes, long leaksDetected) {

    public PoolStats {
        tiers = List.copyOf(tiers);
    }

    public TierStats tier(Tier tier) {
        return tiers.get(tier.ordinal());
    }

    public long hits() {
        return tiers.stream().mapToLong(TierStats::hits).sum();
    }

    public long misses() {
        return tiers.stream().mapToLong(TierStats::misses).sum() + oversizeMisses;
    }

    /** Every miss is served by an allocation outside the pool. */
    public long outsideAllocations() {
        return misses();
    }

    public long acquisitions() {
        return hits() + misses();
    }

    /** Hits over acquisitions; 0 before the first acquisition. */
    public double hitRate() {
        long acquisitions = acquisitions();
        return acquisitions == 0 ? 0 : (double) hits() / acquisitions;
    }

    /** Bytes held by live buffers, in and outside the pool. */
    public long heldBytesInUse() {
        return pooledBytesInUse + outsideBytesInUse;
    }

    /** Pooled bytes in use over the pool's capacity. */
    public double utilisation() {
        return capacityBytes == 0 ? 0 : (double) pooledBytesInUse / capacityBytes;
    }

    /** The share of held bytes that nobody asked for (1 - requested / held); 0 when nothing is held. */
    public double fragmentation() {
        long held = heldBytesInUse();
        return held == 0 ? 0 : 1 - (double) requestedBytesInUse / held;
    }
}
