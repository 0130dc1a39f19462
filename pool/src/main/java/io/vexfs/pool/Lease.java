package io.vexfs.pool;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;

/**
 * Tracks one acquisition for leak detection: enqueued when its buffer becomes unreachable while
 * still unreleased, and holds what is needed to recover the memory without touching the buffer.
 * The pool keeps each live lease strongly reachable (in its slab's slot table, or a set for
 * outside allocations) so that it is enqueued at all; a release clears it.
 */
final class Lease extends PhantomReference<PooledBuffer> {
    final TierSlab slab;
    final int slot;
    final Tier tier;
    final long requested;
    final long capacity;
    final StackTraceElement site;
    final long acquiredAtMillis;

    Lease(PooledBuffer buffer, ReferenceQueue<PooledBuffer> queue, StackTraceElement site) {
        super(buffer, queue);
        this.slab = buffer.slab;
        this.slot = buffer.slot;
        this.tier = buffer.tier;
        this.requested = buffer.requested;
        this.capacity = buffer.capacity();
        this.site = site;
        this.acquiredAtMillis = System.currentTimeMillis();
    }
}
