package io.vexfs.pool;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeakDetectionTest {
    private static final int GC_ATTEMPTS = 200;

    @Test
    void unreleasedBufferIsReportedWithItsAcquiringSiteAndItsSlotRecovered() throws InterruptedException {
        try (BufferPool pool = BufferPool.builder().capacity(64 << 10).leakDetection(LeakDetection.ALL).build()) {
            PooledBuffer leaked = pool.acquire(3000);
            long leakedAddress = leaked.segment().address();
            leaked = null;

            List<LeakReport> leaks = awaitLeaks(pool, 1);
            LeakReport leak = leaks.getFirst();
            StackTraceElement site = leak.site().orElseThrow();
            assertEquals(LeakDetectionTest.class.getName(), site.getClassName());
            assertEquals("unreleasedBufferIsReportedWithItsAcquiringSiteAndItsSlotRecovered", site.getMethodName());
            assertTrue(site.getLineNumber() > 0);
            assertEquals(3000, leak.requestedBytes());
            assertEquals(Optional.of(Tier.MEDIUM), leak.tier());
            assertTrue(leak.pooled());
            assertTrue(!leak.detectedAt().isBefore(leak.acquiredAt()));

            PoolStats stats = pool.stats();
            assertEquals(1, stats.leaksDetected());
            assertEquals(0, stats.tier(Tier.MEDIUM).slotsInUse());
            assertEquals(0, stats.heldBytesInUse());
            assertEquals(0, stats.requestedBytesInUse());
            assertRecoveredSlotIsServedAgain(pool, leakedAddress);
        }
    }

    private static void assertRecoveredSlotIsServedAgain(BufferPool pool, long leakedAddress) {
        List<PooledBuffer> all = new ArrayList<>();
        long slots = pool.stats().tier(Tier.MEDIUM).slots();
        for (int i = 0; i < slots; i++) {
            all.add(pool.acquire(4096));
        }
        assertTrue(all.stream().allMatch(PooledBuffer::pooled), "every slot, the recovered one too, is free");
        assertTrue(all.stream().anyMatch(buffer -> buffer.segment().address() == leakedAddress));
        all.forEach(PooledBuffer::close);
    }

    @Test
    void outsideAllocationLeakIsReportedAndUncounted() throws InterruptedException {
        try (BufferPool pool = BufferPool.builder().capacity(64 << 10).leakDetection(LeakDetection.ALL).build()) {
            PooledBuffer leaked = pool.acquire(100_000);
            leaked = null;

            LeakReport leak = awaitLeaks(pool, 1).getFirst();
            assertEquals("outsideAllocationLeakIsReportedAndUncounted", leak.site().orElseThrow().getMethodName());
            assertEquals(Optional.empty(), leak.tier());
            assertTrue(!leak.pooled());
            assertEquals(0, pool.stats().outsideBytesInUse());
        }
    }

    @Test
    void sampledModeRecoversEveryLeakButCapturesOnlySampledSites() throws InterruptedException {
        try (BufferPool pool = BufferPool.builder().capacity(64 << 10).leakDetection(LeakDetection.SAMPLED)
                .leakSampleInterval(Integer.MAX_VALUE).build()) {
            PooledBuffer leaked = pool.acquire(10_000);
            leaked = null;

            LeakReport leak = awaitLeaks(pool, 1).getFirst();
            assertEquals(Optional.of(Tier.LARGE), leak.tier());
            assertEquals(0, pool.stats().tier(Tier.LARGE).slotsInUse());
        }
    }

    @Test
    void sampledModeWithIntervalOneCapturesEverySite() throws InterruptedException {
        try (BufferPool pool = BufferPool.builder().capacity(64 << 10).leakDetection(LeakDetection.SAMPLED)
                .leakSampleInterval(1).build()) {
            PooledBuffer leaked = pool.acquire(10);
            leaked = null;

            assertEquals("sampledModeWithIntervalOneCapturesEverySite",
                    awaitLeaks(pool, 1).getFirst().site().orElseThrow().getMethodName());
        }
    }

    @Test
    void releasedBuffersAreNeverReported() throws InterruptedException {
        try (BufferPool pool = BufferPool.builder().capacity(64 << 10).leakDetection(LeakDetection.ALL).build()) {
            for (int i = 0; i < 1000; i++) {
                pool.acquire(i * 20L).close();
            }
            PooledBuffer leaked = pool.acquire(1);
            leaked = null;

            assertEquals(1, awaitLeaks(pool, 1).size(), "only the one unreleased buffer is a leak");
            assertEquals(1, pool.stats().leaksDetected());
        }
    }

    private static List<LeakReport> awaitLeaks(BufferPool pool, int expected) throws InterruptedException {
        for (int attempt = 0; attempt < GC_ATTEMPTS; attempt++) {
            System.gc();
            List<LeakReport> leaks = pool.leaks();
            if (leaks.size() >= expected) {
                return leaks;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no leak reported after " + GC_ATTEMPTS + " collections");
    }
}
