package io.vexfs.pool;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BufferPoolTest {
    /** 64 KiB splits into 8 small, 6 medium and 2 large slots, all too few for per-thread caches. */
    private static final long SMALL_POOL = 64 << 10;

    private final BufferPool pool = BufferPool.builder().capacity(SMALL_POOL).leakDetection(LeakDetection.OFF).build();

    @AfterEach
    void closePool() {
        pool.close();
    }

    @Test
    void capacityIsSplitOneThreeFourAcrossTiers() {
        PoolStats stats = pool.stats();
        assertEquals(8, stats.tier(Tier.SMALL).slots());
        assertEquals(6, stats.tier(Tier.MEDIUM).slots());
        assertEquals(2, stats.tier(Tier.LARGE).slots());
        assertEquals(SMALL_POOL, stats.capacityBytes());
        try (BufferPool big = BufferPool.builder().capacity(256L << 20).build()) {
            PoolStats bigStats = big.stats();
            assertEquals(32L << 20, bigStats.tier(Tier.SMALL).slots() * Tier.SMALL.slotSize());
            assertEquals(96L << 20, bigStats.tier(Tier.MEDIUM).slots() * Tier.MEDIUM.slotSize());
            assertEquals(128L << 20, bigStats.tier(Tier.LARGE).slots() * Tier.LARGE.slotSize());
        }
    }

    @Test
    void slabMemoryIsResidentOnlyOnceTouched() throws Exception {
        long before = residentBytes();
        try (BufferPool big = BufferPool.builder().capacity(4L << 30).build()) {
            long afterBuild = residentBytes();
            assertTrue(afterBuild - before < 256L << 20,
                    "a 4 GiB pool made " + (afterBuild - before) + " bytes resident before any use");
            try (PooledBuffer buffer = big.acquire(16 << 10)) {
                assertEquals(0L, buffer.segment().get(ValueLayout.JAVA_LONG, 0), "fresh slab memory reads as zeros");
                buffer.segment().fill((byte) 7);
                assertEquals((byte) 7, buffer.segment().get(ValueLayout.JAVA_BYTE, (16 << 10) - 1));
            }
        }
    }

    /** This process's resident set (Linux /proc/self/statm, second field, in pages). */
    private static long residentBytes() throws java.io.IOException {
        String[] fields = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/statm")).trim().split(" ");
        return Long.parseLong(fields[1]) * 4096;
    }

    @Test
    void requestIsServedByTheSmallestTierThatHoldsIt() {
        assertServedBy(0, Tier.SMALL);
        assertServedBy(1, Tier.SMALL);
        assertServedBy(1024, Tier.SMALL);
        assertServedBy(1025, Tier.MEDIUM);
        assertServedBy(3000, Tier.MEDIUM);
        assertServedBy(4096, Tier.MEDIUM);
        assertServedBy(4097, Tier.LARGE);
        assertServedBy(16 << 10, Tier.LARGE);
        assertEquals(8, pool.stats().hits());
    }

    private void assertServedBy(long size, Tier tier) {
        try (PooledBuffer buffer = pool.acquire(size)) {
            assertEquals(Optional.of(tier), buffer.tier());
            assertTrue(buffer.pooled());
            assertEquals(tier.slotSize(), buffer.capacity());
            assertEquals(tier.slotSize(), buffer.segment().byteSize());
            assertEquals(size, buffer.requested());
            assertEquals(0, buffer.segment().address() % tier.slotSize(), "slots are aligned to their size");
        }
    }

    @Test
    void requestLargerThanEveryTierIsAMissServedOutside() {
        try (PooledBuffer buffer = pool.acquire(20_000)) {
            assertFalse(buffer.pooled());
            assertEquals(Optional.empty(), buffer.tier());
            assertEquals(20_000, buffer.capacity());
            assertRoundTrips(buffer.segment());
        }
        PoolStats stats = pool.stats();
        assertEquals(1, stats.oversizeMisses());
        assertEquals(1, stats.misses());
        assertEquals(1, stats.outsideAllocations());
        assertEquals(0, stats.hits());
    }

    @Test
    void exhaustedTierServesAUsableBufferOutsideAndCountsAMiss() {
        PooledBuffer first = pool.acquire(10_000);
        PooledBuffer second = pool.acquire(10_000);
        PooledBuffer third = pool.acquire(10_000);
        assertTrue(first.pooled());
        assertTrue(second.pooled());
        assertFalse(third.pooled());
        assertEquals(Optional.of(Tier.LARGE), third.tier());
        assertEquals(Tier.LARGE.slotSize(), third.capacity());
        assertRoundTrips(third.segment());
        TierStats large = pool.stats().tier(Tier.LARGE);
        assertEquals(2, large.hits());
        assertEquals(1, large.misses());
        assertEquals(2, large.slotsInUse());
        assertEquals(1.0, large.utilisation());
        assertEquals(0, pool.stats().tier(Tier.MEDIUM).misses(), "an exhausted tier does not borrow from another");

        first.close();
        try (PooledBuffer again = pool.acquire(10_000)) {
            assertTrue(again.pooled(), "a released slot serves the next request");
        }
        second.close();
        third.close();
        PoolStats stats = pool.stats();
        assertEquals(0, stats.heldBytesInUse());
        assertEquals(3, stats.tier(Tier.LARGE).hits());
    }

    @Test
    void doubleReleaseThrows() {
        PooledBuffer pooled = pool.acquire(100);
        pooled.close();
        assertThrows(IllegalStateException.class, pooled::close);
        PooledBuffer outside = pool.acquire(1 << 20);
        outside.close();
        assertThrows(IllegalStateException.class, outside::close);
        PoolStats stats = pool.stats();
        assertEquals(0, stats.tier(Tier.SMALL).slotsInUse(), "the failed second release returned nothing");
        assertEquals(0, stats.heldBytesInUse());
    }

    @Test
    void releasedBufferCannotBeUsed() {
        PooledBuffer pooled = pool.acquire(100);
        pooled.close();
        assertThrows(IllegalStateException.class, pooled::segment);

        PooledBuffer outside = pool.acquire(1 << 20);
        outside.close();
        assertThrows(IllegalStateException.class, outside::segment);
    }

    @Test
    void aSecondAcquisitionOfTheSameSlotIsANewHandle() {
        PooledBuffer first = pool.acquire(100);
        long address = first.segment().address();
        first.close();
        try (PooledBuffer second = pool.acquire(100)) {
            assertEquals(address, second.segment().address(), "the slot is reused");
            assertThrows(IllegalStateException.class, first::close, "the stale handle cannot release the new owner's slot");
            assertEquals(1, pool.stats().tier(Tier.SMALL).slotsInUse());
        }
    }

    @ParameterizedTest(name = "pooling={0}")
    @ValueSource(booleans = {true, false})
    void buffersBehaveTheSameWithPoolingOnOrOff(boolean pooling) {
        pool.setPooling(pooling);
        long[] sizes = {1, 1000, 3000, 4096, 9000, 16 << 10, 70_000};
        for (long size : sizes) {
            try (PooledBuffer buffer = pool.acquire(size)) {
                assertEquals(pooling && size <= 16 << 10, buffer.pooled());
                assertEquals(Optional.ofNullable(Tier.forSize(size)), buffer.tier());
                assertEquals(size <= 16 << 10 ? Tier.forSize(size).slotSize() : size, buffer.capacity());
                assertRoundTrips(buffer.segment());
            }
        }
        PooledBuffer buffer = pool.acquire(3000);
        buffer.close();
        assertThrows(IllegalStateException.class, buffer::close);
        assertThrows(IllegalStateException.class, buffer::segment);

        PoolStats stats = pool.stats();
        assertEquals(pooling, stats.pooling());
        assertEquals(sizes.length + 1, stats.acquisitions());
        assertEquals(pooling ? 1 : sizes.length + 1, stats.outsideAllocations());
        assertEquals(pooling ? 0 : 3, stats.tier(Tier.MEDIUM).misses());
        assertEquals(pooling ? 3 : 0, stats.tier(Tier.MEDIUM).hits());
        assertEquals(0, stats.heldBytesInUse());
    }

    @Test
    void switchingPoolingOffWhileBuffersAreLiveReturnsThemToTheirSlots() {
        PooledBuffer pooled = pool.acquire(100);
        pool.setPooling(false);
        try (PooledBuffer outside = pool.acquire(100)) {
            assertFalse(outside.pooled());
        }
        pooled.close();
        pool.setPooling(true);
        PoolStats stats = pool.stats();
        assertEquals(0, stats.tier(Tier.SMALL).slotsInUse());
        assertEquals(1, stats.tier(Tier.SMALL).hits());
        assertEquals(1, stats.tier(Tier.SMALL).misses());
        assertEquals(0.5, stats.tier(Tier.SMALL).hitRate());
    }

    @Test
    void fragmentationUtilisationAndHighWaterFollowAKnownSequence() {
        PooledBuffer small = pool.acquire(100);
        PooledBuffer medium = pool.acquire(3000);
        PooledBuffer oversize = pool.acquire(20_000);
        PoolStats peak = pool.stats();
        assertEquals(1024 + 4096, peak.pooledBytesInUse());
        assertEquals(20_000, peak.outsideBytesInUse());
        assertEquals(100 + 3000 + 20_000, peak.requestedBytesInUse());
        assertEquals(1 - 23_100.0 / 25_120, peak.fragmentation(), 1e-12);
        assertEquals(25_120, peak.highWaterBytes());
        assertEquals(5120.0 / SMALL_POOL, peak.utilisation(), 1e-12);

        oversize.close();
        PooledBuffer large = pool.acquire(16 << 10);
        PoolStats after = pool.stats();
        assertEquals(1024 + 4096 + 16384, after.heldBytesInUse());
        assertEquals(1 - 19_484.0 / 21_504, after.fragmentation(), 1e-12);
        assertEquals(25_120, after.highWaterBytes(), "the mark keeps the earlier peak");
        assertEquals(21_504.0 / SMALL_POOL, after.utilisation(), 1e-12);

        small.close();
        medium.close();
        large.close();
        PoolStats end = pool.stats();
        assertEquals(0, end.heldBytesInUse());
        assertEquals(0, end.requestedBytesInUse());
        assertEquals(0, end.fragmentation());
        assertEquals(0, end.utilisation());
        assertEquals(25_120, end.highWaterBytes());
        assertEquals(4, end.acquisitions());
        assertEquals(0.75, end.hitRate());
    }

    @Test
    void closedPoolRefusesAcquisitionsButAcceptsReleases() {
        PooledBuffer live = pool.acquire(100);
        pool.close();
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.acquire(100));
        live.close();
        assertEquals(0, pool.stats().heldBytesInUse());
    }

    @Test
    void invalidArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> pool.acquire(-1));
        assertThrows(IllegalArgumentException.class, () -> BufferPool.builder().capacity(-1));
        assertThrows(IllegalArgumentException.class, () -> BufferPool.builder().leakSampleInterval(0));
    }

    @Test
    void virtualThreadsUseTheSharedFreeListsDirectly() throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try (PooledBuffer buffer = pool.acquire(500)) {
                    assertRoundTrips(buffer.segment());
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        PoolStats stats = pool.stats();
        assertEquals(50, stats.tier(Tier.SMALL).acquisitions());
        assertEquals(0, stats.heldBytesInUse());
    }

    static void assertRoundTrips(MemorySegment segment) {
        long last = segment.byteSize() - 1;
        segment.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x5A);
        segment.set(ValueLayout.JAVA_BYTE, last, (byte) 0xA5);
        assertEquals((byte) 0x5A, segment.get(ValueLayout.JAVA_BYTE, 0));
        assertEquals((byte) 0xA5, segment.get(ValueLayout.JAVA_BYTE, last));
    }
}
