package io.vexfs.pool;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One platform thread's free slots per tier, in front of the shared free lists, plus its share
 * of the held-bytes total not yet published for the high-water mark. Only its thread touches it,
 * until the thread dies and {@link #returnAll()} hands everything back.
 */
final class ThreadCache {
    private final TierSlab[] slabs;
    private final AtomicLong publishedHeldBytes;
    final int[][] slots;
    final int[] counts;
    long unpublishedHeldBytes;

    ThreadCache(TierSlab[] slabs, AtomicLong publishedHeldBytes) {
        this.slabs = slabs;
        this.publishedHeldBytes = publishedHeldBytes;
        this.slots = new int[slabs.length][];
        this.counts = new int[slabs.length];
        for (int t = 0; t < slabs.length; t++) {
            slots[t] = new int[slabs[t].threadCacheSize];
        }
    }

    /** Runs once the owning thread is gone, so that its cached slots and byte count are not lost. */
    void returnAll() {
        for (int t = 0; t < slabs.length; t++) {
            if (counts[t] > 0) {
                slabs[t].free.pushBatch(slots[t], 0, counts[t]);
                counts[t] = 0;
            }
        }
        publishedHeldBytes.addAndGet(unpublishedHeldBytes);
        unpublishedHeldBytes = 0;
    }
}
