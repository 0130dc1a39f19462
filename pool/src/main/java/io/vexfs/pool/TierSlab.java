package io.vexfs.pool;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.LongAdder;

/** One tier's slab memory, its shared free list and its counters. */
final class TierSlab {
    /** Largest per-thread cache; small so that few slots sit idle in threads that stopped acquiring. */
    private static final int MAX_THREAD_CACHE = 32;
    /** A tier keeps at most 1/64 of its slots in any one thread's cache. */
    private static final int THREAD_CACHE_DIVISOR = 64;

    final Tier tier;
    final MemorySegment memory;
    final int slots;
    final int threadCacheSize;
    final FreeList free;
    /** The leak-tracking lease of each slot's live buffer, which keeps the lease itself reachable; null when untracked. */
    final Lease[] leases;
    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder returns = new LongAdder();

    TierSlab(Tier tier, MemorySegment memory, int slots, boolean tracked) {
        this.tier = tier;
        this.memory = memory;
        this.slots = slots;
        this.threadCacheSize = Math.min(MAX_THREAD_CACHE, slots / THREAD_CACHE_DIVISOR);
        this.free = new FreeList(slots);
        this.leases = tracked ? new Lease[slots] : null;
    }

    MemorySegment slice(int slot) {
        return memory.asSlice((long) slot * tier.slotSize(), tier.slotSize());
    }

    TierStats stats() {
        long hitCount = hits.sum();
        return new TierStats(tier, slots, hitCount - returns.sum(), hitCount, misses.sum());
    }
}
