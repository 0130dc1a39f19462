package io.vexfs.pool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A tiered pool of off-heap buffers: slabs of 1 KiB, 4 KiB and 16 KiB slots carved from one
 * shared arena (split as described in {@link Tier}; anonymous mappings, so untouched slots cost
 * no memory), closed by {@link #close()}.
 *
 * <p>Acquiring takes a slot from the thread's own small cache, refilled in batches from the
 * tier's shared lock-free free list; releasing puts it back into the releasing thread's cache.
 * Neither touches off-heap allocation; the only heap allocation is the per-acquisition handle
 * (and, with leak detection on, its lease).
 *
 * <p>A request larger than 16 KiB, or one whose tier has no free slot, is a miss and is served
 * outside the pool by an automatic arena: its memory is freed by the garbage collector once the
 * buffer is unreachable (and counts against {@code -XX:MaxDirectMemorySize}, which forces a
 * collection under pressure). A shared arena per buffer would free it on release instead, but
 * closing one costs tens of microseconds (a handshake with every thread). An exhausted tier
 * does not borrow from a larger one: that would hide an undersized tier behind fragmentation
 * instead of showing it as misses. Slots idle in other threads' caches (at most 1/64 of a
 * tier per thread) are not borrowed either.
 *
 * <p>With pooling switched off ({@link #setPooling(boolean)}) every acquisition is served
 * outside the pool, with the same capacity it would have had from its tier.
 */
public final class BufferPool implements AutoCloseable {
    /** How far a thread's running total of held bytes may drift before it is published for the high-water mark. */
    private static final long HIGH_WATER_SLACK_BYTES = 256 << 10;
    /** Slabs start on a page, and every slot on a multiple of its own size. */
    private static final long PAGE_SIZE = 4096;
    private static final long OUTSIDE_ALIGNMENT = 64;
    private static final int MAX_LEAK_REPORTS = 1024;
    private static final StackWalker STACK_WALKER = StackWalker.getInstance();
    /** Hands a dead thread's cached slots back; one daemon thread for every pool. */
    private static final Cleaner THREAD_EXIT =
            Cleaner.create(Thread.ofPlatform().name("vexfs-pool-thread-exit").daemon().factory());

    private final Arena arena;
    private final TierSlab[] slabs;
    private final long capacityBytes;
    private final LeakDetection leakDetection;
    private final int leakSampleInterval;
    private final ThreadLocal<ThreadCache> threadCaches = ThreadLocal.withInitial(this::newThreadCache);
    private final ReferenceQueue<PooledBuffer> unreachable = new ReferenceQueue<>();
    private final Set<Lease> outsideLeases = ConcurrentHashMap.newKeySet();
    private final Deque<LeakReport> leakReports = new ArrayDeque<>();
    private final LongAdder leaksDetected = new LongAdder();
    private final LongAdder oversizeMisses = new LongAdder();
    private final LongAdder pooledBytes = new LongAdder();
    private final LongAdder outsideBytes = new LongAdder();
    private final LongAdder requestedBytes = new LongAdder();
    private final AtomicLong publishedHeldBytes = new AtomicLong();
    private final AtomicLong highWaterBytes = new AtomicLong();
    private volatile boolean pooling;
    private volatile boolean closed;

    private BufferPool(Builder builder) {
        this.leakDetection = builder.leakDetection;
        this.leakSampleInterval = builder.leakSampleInterval;
        this.pooling = builder.pooling;
        Tier[] tiers = Tier.values();
        long[] slotCounts = new long[tiers.length];
        long total = 0;
        for (Tier tier : tiers) {
            long slots = tier.slotsFor(builder.capacity);
            if (slots > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("capacity too large for one pool: " + builder.capacity);
            }
            slotCounts[tier.ordinal()] = slots;
            total += slots * tier.slotSize();
        }
        this.capacityBytes = total;
        this.arena = Arena.ofShared();
        this.slabs = new TierSlab[tiers.length];
        for (Tier tier : tiers) {
            int slots = (int) slotCounts[tier.ordinal()];
            MemorySegment memory = AnonymousMemory.map((long) slots * tier.slotSize(), Math.max(PAGE_SIZE, tier.slotSize()), arena);
            slabs[tier.ordinal()] = new TierSlab(tier, memory, slots, leakDetection != LeakDetection.OFF);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A buffer of at least {@code size} bytes; release it with {@link PooledBuffer#close()}.
     *
     * @throws IllegalArgumentException if size is negative
     * @throws IllegalStateException if the pool is closed
     */
    public PooledBuffer acquire(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("negative buffer size: " + size);
        }
        if (closed) {
            throw new IllegalStateException("buffer pool is closed");
        }
        ThreadCache cache = threadCache();
        Tier tier = Tier.forSize(size);
        PooledBuffer buffer;
        if (tier == null) {
            oversizeMisses.increment();
            buffer = allocateOutside(size, size, null);
        } else {
            TierSlab slab = slabs[tier.ordinal()];
            int slot = pooling ? takeSlot(slab, cache) : FreeList.EMPTY;
            if (slot == FreeList.EMPTY) {
                slab.misses.increment();
                buffer = allocateOutside(size, tier.slotSize(), tier);
            } else {
                slab.hits.increment();
                pooledBytes.add(tier.slotSize());
                buffer = new PooledBuffer(this, slab.slice(slot), size, tier, slab, slot);
            }
        }
        requestedBytes.add(size);
        addHeldBytes(cache, buffer.capacity());
        if (leakDetection != LeakDetection.OFF) {
            track(buffer);
        }
        return buffer;
    }

    /** Switches pooling on or off for later acquisitions; live buffers are released where they came from. */
    public void setPooling(boolean pooling) {
        this.pooling = pooling;
    }

    public boolean pooling() {
        return pooling;
    }

    /** The counters now; also recovers any leaked buffers found since the last look. */
    public PoolStats stats() {
        recoverLeaks();
        List<TierStats> tiers = Arrays.stream(slabs).map(TierSlab::stats).toList();
        return new PoolStats(pooling, capacityBytes, tiers, oversizeMisses.sum(), pooledBytes.sum(),
                outsideBytes.sum(), requestedBytes.sum(), highWaterBytes.get(), leaksDetected.sum());
    }

    /** The most recent leak reports (up to 1024), oldest first; recovers any leaked buffers found since the last look. */
    public List<LeakReport> leaks() {
        recoverLeaks();
        synchronized (leakReports) {
            return List.copyOf(leakReports);
        }
    }

    /**
     * Frees the slab memory. Buffers still live lose their memory (access throws) but may still
     * be released. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }

    void release(PooledBuffer buffer) {
        if (!buffer.markReleased()) {
            throw new IllegalStateException("buffer released twice: " + buffer);
        }
        Lease lease = buffer.lease;
        if (lease != null) {
            lease.clear();
            // The buffer must stay reachable until its lease is cleared, or it could be reported as leaked.
            Reference.reachabilityFence(buffer);
            forget(lease);
        }
        ThreadCache cache = threadCache();
        long capacity = buffer.capacity();
        if (buffer.slab != null) {
            buffer.slab.returns.increment();
            pooledBytes.add(-capacity);
            returnSlot(buffer.slab, buffer.slot, cache);
        } else {
            outsideBytes.add(-capacity);
        }
        requestedBytes.add(-buffer.requested);
        addHeldBytes(cache, -capacity);
    }

    private PooledBuffer allocateOutside(long requested, long capacity, Tier tier) {
        outsideBytes.add(capacity);
        MemorySegment memory = Arena.ofAuto().allocate(capacity, OUTSIDE_ALIGNMENT);
        return new PooledBuffer(this, memory, requested, tier, null, -1);
    }

    private int takeSlot(TierSlab slab, ThreadCache cache) {
        int t = slab.tier.ordinal();
        if (cache != null && cache.counts[t] > 0) {
            return cache.slots[t][--cache.counts[t]];
        }
        recoverLeaks();
        if (cache == null || slab.threadCacheSize == 0) {
            return slab.free.pop();
        }
        int taken = slab.free.popBatch(cache.slots[t], (slab.threadCacheSize + 1) / 2);
        if (taken == 0) {
            return FreeList.EMPTY;
        }
        cache.counts[t] = taken - 1;
        return cache.slots[t][taken - 1];
    }

    private static void returnSlot(TierSlab slab, int slot, ThreadCache cache) {
        if (cache == null || slab.threadCacheSize == 0) {
            slab.free.push(slot);
            return;
        }
        int t = slab.tier.ordinal();
        int[] cached = cache.slots[t];
        int count = cache.counts[t];
        if (count == cached.length) {
            int keep = count / 2;
            slab.free.pushBatch(cached, keep, count);
            count = keep;
        }
        cached[count] = slot;
        cache.counts[t] = count + 1;
    }

    /** Virtual threads are many and short-lived, so they go straight to the shared free lists. */
    private ThreadCache threadCache() {
        return Thread.currentThread().isVirtual() ? null : threadCaches.get();
    }

    private ThreadCache newThreadCache() {
        ThreadCache cache = new ThreadCache(slabs, publishedHeldBytes);
        THREAD_EXIT.register(Thread.currentThread(), cache::returnAll);
        return cache;
    }

    /**
     * Keeps the high-water mark without a shared counter update per call: each thread publishes
     * its net change once it exceeds the slack, and compares published + its own unpublished
     * bytes against the mark on every increase.
     */
    private void addHeldBytes(ThreadCache cache, long delta) {
        if (cache == null) {
            raiseHighWater(publishedHeldBytes.addAndGet(delta));
            return;
        }
        long unpublished = cache.unpublishedHeldBytes + delta;
        if (Math.abs(unpublished) >= HIGH_WATER_SLACK_BYTES) {
            raiseHighWater(publishedHeldBytes.addAndGet(unpublished));
            unpublished = 0;
        } else if (delta > 0) {
            raiseHighWater(publishedHeldBytes.get() + unpublished);
        }
        cache.unpublishedHeldBytes = unpublished;
    }

    private void raiseHighWater(long held) {
        long mark = highWaterBytes.get();
        while (held > mark && !highWaterBytes.compareAndSet(mark, held)) {
            mark = highWaterBytes.get();
        }
    }

    private void track(PooledBuffer buffer) {
        boolean sampled = leakDetection == LeakDetection.ALL
                || ThreadLocalRandom.current().nextInt(leakSampleInterval) == 0;
        Lease lease = new Lease(buffer, unreachable, sampled ? callSite() : null);
        buffer.lease = lease;
        if (buffer.slab != null) {
            buffer.slab.leases[buffer.slot] = lease;
        } else {
            outsideLeases.add(lease);
        }
    }

    private void forget(Lease lease) {
        if (lease.slab != null) {
            lease.slab.leases[lease.slot] = null;
        } else {
            outsideLeases.remove(lease);
        }
    }

    private static StackTraceElement callSite() {
        return STACK_WALKER.walk(frames -> frames
                .filter(frame -> !frame.getClassName().equals(BufferPool.class.getName()))
                .findFirst()
                .map(StackWalker.StackFrame::toStackTraceElement)
                .orElse(null));
    }

    /** Returns the memory of every buffer found unreachable while unreleased, and reports it. */
    private void recoverLeaks() {
        Reference<? extends PooledBuffer> found;
        while ((found = unreachable.poll()) != null) {
            Lease lease = (Lease) found;
            forget(lease);
            if (lease.slab != null) {
                lease.slab.returns.increment();
                pooledBytes.add(-lease.capacity);
                lease.slab.free.push(lease.slot);
            } else {
                outsideBytes.add(-lease.capacity);
            }
            requestedBytes.add(-lease.requested);
            addHeldBytes(null, -lease.capacity);
            leaksDetected.increment();
            report(new LeakReport(Optional.ofNullable(lease.site), lease.requested, Optional.ofNullable(lease.tier),
                    lease.slab != null, Instant.ofEpochMilli(lease.acquiredAtMillis), Instant.now()));
        }
    }

    private void report(LeakReport leak) {
        synchronized (leakReports) {
            if (leakReports.size() == MAX_LEAK_REPORTS) {
                leakReports.removeFirst();
            }
            leakReports.addLast(leak);
        }
    }

    /** Settings for a {@link BufferPool}; every one has a default. */
    public static final class Builder {
        private long capacity = 256L << 20;
        private LeakDetection leakDetection = LeakDetection.SAMPLED;
        private int leakSampleInterval = 64;
        private boolean pooling = true;

        private Builder() {
        }

        /** Total slab bytes across the tiers (config {@code memory_pool_size}); default 256 MiB. */
        public Builder capacity(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("negative pool capacity: " + bytes);
            }
            this.capacity = bytes;
            return this;
        }

        /** Default {@link LeakDetection#SAMPLED}. */
        public Builder leakDetection(LeakDetection mode) {
            this.leakDetection = Objects.requireNonNull(mode);
            return this;
        }

        /** With {@link LeakDetection#SAMPLED}, capture the call site of one acquisition in this many, on average; default 64. */
        public Builder leakSampleInterval(int interval) {
            if (interval < 1) {
                throw new IllegalArgumentException("leak sample interval must be at least 1: " + interval);
            }
            this.leakSampleInterval = interval;
            return this;
        }

        /** Whether acquisitions start out served from the slabs; default true. */
        public Builder pooling(boolean pooling) {
            this.pooling = pooling;
            return this;
        }

        public BufferPool build() {
            return new BufferPool(this);
        }
    }
}
