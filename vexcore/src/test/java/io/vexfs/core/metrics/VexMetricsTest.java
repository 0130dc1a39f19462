package io.vexfs.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class VexMetricsTest {
    private final VexMetrics metrics = new VexMetrics();

    private static void assertHasLine(String scrape, String prefix) {
        assertTrue(scrape.lines().anyMatch(l -> l.startsWith(prefix)), () -> "no line " + prefix + " in\n" + scrape);
    }

    @Test
    void countersMoveAndAppearWithPrometheusNames() {
        metrics.increment(VexCounter.SEARCHES);
        metrics.add(VexCounter.VECTORS_SCANNED, 1000);
        metrics.add(VexCounter.WAL_BYTES, 4096);
        metrics.increment(VexCounter.QUERY_CACHE_HITS);
        String scrape = metrics.scrape();
        assertHasLine(scrape, "vexfs_searches_total 1.0");
        assertHasLine(scrape, "vexfs_vectors_scanned_total 1000.0");
        assertHasLine(scrape, "vexfs_wal_written_bytes_total 4096.0");
        assertHasLine(scrape, "vexfs_query_cache_hits_total 1.0");
        assertHasLine(scrape, "vexfs_rejected_total 0.0");
        assertHasLine(scrape, "# HELP vexfs_searches_total Queries searched");
        for (VexCounter c : VexCounter.values()) {
            assertHasLine(scrape, c.metricName().replace('.', '_'));
        }
        MetricsSnapshot s = metrics.snapshot();
        assertEquals(1, s.count(VexCounter.SEARCHES));
        assertEquals(1000, s.count(VexCounter.VECTORS_SCANNED));
        assertEquals(1.0, s.queryCacheHitRate());
    }

    @Test
    void opTimersPublishCountAndPercentiles() {
        for (int i = 1; i <= 100; i++) {
            metrics.recordOp("read", i * 1_000_000L);
        }
        metrics.recordOp("getattr", 5_000);
        String scrape = metrics.scrape();
        assertHasLine(scrape, "vexfs_op_seconds_count{op=\"read\"} 100");
        assertHasLine(scrape, "vexfs_op_seconds_count{op=\"getattr\"} 1");
        assertHasLine(scrape, "vexfs_op_seconds_sum{op=\"read\"} 5.05");
        for (String q : List.of("0.5", "0.95", "0.99")) {
            assertHasLine(scrape, "vexfs_op_seconds{op=\"read\",quantile=\"" + q + "\"}");
        }
        assertHasLine(scrape, "vexfs_op_seconds_max{op=\"read\"} 0.1");

        OpStats read = metrics.snapshot().ops().stream().filter(o -> o.op().equals("read")).findFirst().orElseThrow();
        assertEquals(100, read.count());
        assertEquals(50_500, read.meanMicros(), 1);
        assertEquals(50_000, read.p50Micros(), 2_000);
        assertEquals(95_000, read.p95Micros(), 2_000);
        assertEquals(99_000, read.p99Micros(), 2_000);
        assertEquals(100_000, read.maxMicros(), 1);
    }

    @Test
    void opTimerIsCachedPerOperation() {
        assertSame(metrics.opTimer("write"), metrics.opTimer("write"));
    }

    @Test
    void gaugesAreSampledWhenRead() {
        AtomicLong vectors = new AtomicLong(3);
        AtomicLong poolHits = new AtomicLong(9);
        metrics.bind(VexGauge.VECTORS_STORED, vectors::get);
        metrics.bind(VexGauge.POOL_USED, () -> 8192);
        metrics.bind(VexGauge.POOL_HITS, poolHits::get);
        metrics.bind(VexGauge.POOL_MISSES, () -> 1);
        metrics.gauge("vexfs.pool.tier.fragmentation", "Free bytes no request can use, per byte free", () -> 0.25);
        vectors.set(42);
        String scrape = metrics.scrape();
        assertHasLine(scrape, "vexfs_vectors_stored 42.0");
        assertHasLine(scrape, "vexfs_pool_used_bytes 8192.0");
        assertHasLine(scrape, "vexfs_pool_hits_total 9.0");
        assertHasLine(scrape, "vexfs_pool_tier_fragmentation 0.25");
        assertHasLine(scrape, "vexfs_heap_used_bytes ");
        assertHasLine(scrape, "# TYPE vexfs_pool_hits_total counter");
        assertHasLine(scrape, "# TYPE vexfs_vectors_stored gauge");

        MetricsSnapshot s = metrics.snapshot();
        assertEquals(42, s.value(VexGauge.VECTORS_STORED));
        assertEquals(0.9, s.poolHitRate(), 1e-9);
        assertTrue(s.value(VexGauge.HEAP_USED) > 0);
        assertTrue(Double.isNaN(s.value(VexGauge.SEGMENTS)));
        assertTrue(Double.isNaN(s.queryCacheHitRate()));
    }

    @Test
    void everyMetricTheGrafanaDashboardQueriesExists() throws Exception {
        for (VexGauge g : VexGauge.values()) {
            if (g != VexGauge.HEAP_USED && g != VexGauge.HEAP_MAX) {
                metrics.bind(g, () -> 1);
            }
        }
        metrics.recordOp("read", 1_000);
        Set<String> exposed = metrics.scrape().lines().filter(l -> !l.startsWith("#"))
                .map(l -> l.split("[{ ]")[0]).collect(Collectors.toSet());
        String dashboard = Files.readString(Path.of("../etc/grafana-dashboard.json"));
        Matcher m = Pattern.compile("vexfs_[a-z_]+").matcher(dashboard);
        int queried = 0;
        while (m.find()) {
            assertTrue(exposed.contains(m.group()), m.group() + " is not exposed; exposed: " + exposed);
            queried++;
        }
        assertTrue(queried > 20, "the dashboard queries " + queried + " metrics");
    }

    @Test
    void aGaugeCanBeBoundOnlyOnce() {
        metrics.bind(VexGauge.SEGMENTS, () -> 1);
        assertThrows(IllegalStateException.class, () -> metrics.bind(VexGauge.SEGMENTS, () -> 2));
        assertThrows(IllegalStateException.class, () -> metrics.gauge("vexfs.heap.used", "again", () -> 2));
    }

    @Test
    void concurrentRecordingLosesNothing() throws Exception {
        int threads = 8;
        int perThread = 20_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String op = t % 2 == 0 ? "read" : "op" + t;
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                    metrics.recordOp(op, 1_000);
                    metrics.recordOp("getattr", 1_000);
                    metrics.increment(VexCounter.VECTOR_READS);
                    metrics.add(VexCounter.WAL_BYTES, 3);
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        MetricsSnapshot s = metrics.snapshot();
        long total = s.ops().stream().filter(o -> !o.op().equals("getattr")).mapToLong(OpStats::count).sum();
        assertEquals((long) threads * perThread, total);
        assertEquals((long) threads * perThread / 2, s.ops().stream().filter(o -> o.op().equals("read"))
                .findFirst().orElseThrow().count());
        assertEquals((long) threads * perThread, s.ops().stream().filter(o -> o.op().equals("getattr"))
                .findFirst().orElseThrow().count());
        assertEquals((long) threads * perThread, s.count(VexCounter.VECTOR_READS));
        assertEquals(3L * threads * perThread, s.count(VexCounter.WAL_BYTES));
    }

    @Test
    void boundSourcesSurviveGarbageCollection() {
        VexMetrics metrics = new VexMetrics();
        long[] hits = {41};
        metrics.bind(VexGauge.POOL_HITS, () -> hits[0] + 1);
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        org.junit.jupiter.api.Assertions.assertTrue(metrics.scrape().contains("vexfs_pool_hits_total 42.0"), metrics.scrape());
    }
}
