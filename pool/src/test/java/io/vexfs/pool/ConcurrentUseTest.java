package io.vexfs.pool;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConcurrentUseTest {
    private static final int THREADS = 8;
    private static final int ITERATIONS = 20_000;
    private static final int HELD_PER_THREAD = 12;
    private static final int GC_ATTEMPTS = 200;
    /** Index of the oversize counter in the per-size-class tallies, after the tiers. */
    private static final int OVERSIZE = Tier.values().length;

    /** A buffer with the pattern its writer filled it with, so that whoever releases it can verify it. */
    private record Held(PooledBuffer buffer, long pattern) {
    }

    /**
     * 1 MiB gives 128 small, 96 medium and 32 large slots: few enough that eight threads holding
     * twelve buffers each (three in eight of them large) exhaust the large tier, and enough that
     * small and medium slots sit in thread caches.
     */
    @Test
    void eightThreadsNeverShareABufferAndEveryCountAddsUp() throws Exception {
        try (BufferPool pool = BufferPool.builder().capacity(1 << 20).leakDetection(LeakDetection.ALL).build()) {
            Map<Long, Long> liveOwnerByAddress = new ConcurrentHashMap<>();
            Queue<Held> handedOver = new ConcurrentLinkedQueue<>();
            AtomicLongArray requestsBySizeClass = new AtomicLongArray(OVERSIZE + 1);
            List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int threadIndex = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        work(pool, threadIndex, liveOwnerByAddress, handedOver, requestsBySizeClass);
                    } catch (Throwable failure) {
                        failures.add(failure);
                    }
                }));
            }
            start.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            Held left;
            while ((left = handedOver.poll()) != null) {
                verifyAndRelease(left, liveOwnerByAddress);
            }
            assertEquals(List.of(), failures);
            assertTrue(liveOwnerByAddress.isEmpty());

            PoolStats stats = pool.stats();
            assertEquals((long) THREADS * ITERATIONS, stats.acquisitions());
            assertEquals(stats.acquisitions(), stats.hits() + stats.misses());
            for (Tier tier : Tier.values()) {
                TierStats tierStats = stats.tier(tier);
                assertEquals(requestsBySizeClass.get(tier.ordinal()), tierStats.hits() + tierStats.misses(), tier.name());
                assertEquals(0, tierStats.slotsInUse(), tier.name());
            }
            assertEquals(requestsBySizeClass.get(OVERSIZE), stats.oversizeMisses());
            assertTrue(stats.tier(Tier.LARGE).misses() > 0, "the workload exhausts the large tier");
            assertEquals(0, stats.heldBytesInUse());
            assertEquals(0, stats.requestedBytesInUse());
            assertTrue(stats.highWaterBytes() > 0);
            assertEquals(List.of(), pool.leaks());

            threads.clear();
            assertEverySlotReturnsOnceTheThreadsAreGone(pool);
        }
    }

    private static void work(BufferPool pool, int threadIndex, Map<Long, Long> liveOwnerByAddress,
                             Queue<Held> handedOver, AtomicLongArray requestsBySizeClass) {
        SplittableRandom random = new SplittableRandom(threadIndex);
        Deque<Held> held = new ArrayDeque<>();
        for (int i = 0; i < ITERATIONS; i++) {
            long size = randomSize(random);
            Tier tier = Tier.forSize(size);
            requestsBySizeClass.incrementAndGet(tier == null ? OVERSIZE : tier.ordinal());
            PooledBuffer buffer = pool.acquire(size);
            long pattern = ((long) threadIndex << 56) | i;
            Long previousOwner = liveOwnerByAddress.putIfAbsent(buffer.segment().address(), pattern);
            assertNull(previousOwner, "one buffer with two owners");
            fill(buffer.segment(), size, pattern);
            held.push(new Held(buffer, pattern));

            if (held.size() > HELD_PER_THREAD) {
                Held oldest = held.removeLast();
                if (random.nextInt(4) == 0) {
                    handedOver.add(oldest);
                } else {
                    verifyAndRelease(oldest, liveOwnerByAddress);
                }
            }
            Held fromAnotherThread = handedOver.poll();
            if (fromAnotherThread != null) {
                verifyAndRelease(fromAnotherThread, liveOwnerByAddress);
            }
        }
        for (Held remaining : held) {
            verifyAndRelease(remaining, liveOwnerByAddress);
        }
    }

    private static long randomSize(SplittableRandom random) {
        return switch (random.nextInt(8)) {
            case 0, 1 -> random.nextInt(0, 1025);
            case 2, 3 -> random.nextInt(1025, 4097);
            case 4, 5, 6 -> random.nextInt(4097, (16 << 10) + 1);
            default -> random.nextInt((16 << 10) + 1, 64 << 10);
        };
    }

    private static void fill(MemorySegment segment, long size, long pattern) {
        for (long offset = 0; offset + Long.BYTES <= size; offset += Long.BYTES) {
            segment.set(ValueLayout.JAVA_LONG_UNALIGNED, offset, pattern);
        }
    }

    private static void verifyAndRelease(Held held, Map<Long, Long> liveOwnerByAddress) {
        MemorySegment segment = held.buffer().segment();
        long size = held.buffer().requested();
        for (long offset = 0; offset + Long.BYTES <= size; offset += Long.BYTES) {
            long found = segment.get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
            if (found != held.pattern()) {
                throw new AssertionError("buffer overwritten at " + offset + ": expected "
                        + Long.toHexString(held.pattern()) + ", found " + Long.toHexString(found));
            }
        }
        assertTrue(liveOwnerByAddress.remove(segment.address(), held.pattern()));
        held.buffer().close();
    }

    /** Slots cached by the worker threads come back to the shared free lists once those threads are collected. */
    private static void assertEverySlotReturnsOnceTheThreadsAreGone(BufferPool pool) throws InterruptedException {
        for (int attempt = 0; attempt < GC_ATTEMPTS; attempt++) {
            System.gc();
            if (everySlotIsFree(pool)) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("slots stayed in the caches of finished threads");
    }

    private static boolean everySlotIsFree(BufferPool pool) {
        boolean allPooled = true;
        for (Tier tier : Tier.values()) {
            List<PooledBuffer> taken = new ArrayList<>();
            for (long i = 0; i < pool.stats().tier(tier).slots(); i++) {
                taken.add(pool.acquire(tier.slotSize()));
            }
            allPooled &= taken.stream().allMatch(PooledBuffer::pooled);
            taken.forEach(PooledBuffer::close);
        }
        return allPooled;
    }
}
