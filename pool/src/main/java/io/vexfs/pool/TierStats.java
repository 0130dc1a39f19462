package io.vexfs.pool;

/**
 * One tier's counters at the moment of a {@link BufferPool#stats()} call.
 *
 * @param tier the size class
 * @param slots how many slots the tier has
 * @param slotsInUse slots held by live buffers
 * @param hits requests of this size class served from a slot
 * @param misses requests of this size class served outside the pool (tier exhausted or pooling off)
 */
public record TierStats(Tier tier, long slots, long slotsInUse, long hits, long misses) {

    public long acquisitions() {
        return hits + misses;
    }

    /** Hits over acquisitions; 0 before the first acquisition. */
    public double hitRate() {
        long acquisitions = acquisitions();
        return acquisitions == 0 ? 0 : (double) hits / acquisitions;
    }

    /** Slots in use over slots; 0 for a tier without slots. */
    public double utilisation() {
        return slots == 0 ? 0 : (double) slotsInUse / slots;
    }
}
